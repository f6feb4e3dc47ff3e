#!/usr/bin/env python3
"""Size budget of production code (docs/architecture.md): no function over
150 lines and no file over 900 lines, unless the file says why at its top
with a line containing "size-budget:"; and cli/ as a whole at most 520
lines: argument parsing and calls, the work is in commands/ (issue 13).
Prints each offender; exit 1 if any.

A function is a line at indentation 0 or 2 that ends with "{" and looks like
a definition (has a closing parenthesis), up to the "}" at the same
indentation. Heuristic, but exact for clang-formatted Google style.
"""
import pathlib
import re
import sys

MODULES = ["model", "sim", "verify", "lint", "app", "reports", "commands",
           "cli"]
MAX_FUNCTION, MAX_FILE, MAX_CLI = 150, 900, 520


CONTROL = ("if ", "if(", "for ", "while ", "switch ", "} else", "else", "do ",
           "return ", "case ", "try", "catch", "namespace", "struct ", "class ",
           "enum ", "union ", "extern ")


def functions(lines):
    for j, line in enumerate(lines):
        if not line.endswith("{") or ")" not in line:
            continue
        i = j  # the first line of the declaration
        while i > 0:
            prev = lines[i - 1].rstrip()
            if (not prev or prev.endswith((";", "{", "}", ":")) or
                    prev.lstrip().startswith(("//", "#"))):
                break
            i -= 1
        m = re.match(r"^( {0,2})[A-Za-z~]", lines[i])
        if not m or lines[i].lstrip().startswith(CONTROL):
            continue
        if "=" in lines[i].split("(")[0]:
            continue  # a lambda or an initializer, not a definition
        indent = m.group(1)
        for k in range(j + 1, len(lines)):
            if lines[k] == indent + "}" or lines[k].startswith(indent + "};"):
                yield i + 1, k - i + 1, lines[i].strip()
                break


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    bad = 0
    for module in MODULES:
        for path in sorted((root / module).rglob("*")):
            if path.suffix not in (".cc", ".h"):
                continue
            lines = path.read_text(encoding="utf-8").split("\n")
            rel = path.relative_to(root)
            exempt = any("size-budget:" in l for l in lines[:15])
            if len(lines) > MAX_FILE and not exempt:
                print(f"{rel}: {len(lines)} lines (budget {MAX_FILE})")
                bad += 1
            for start, length, head in functions(lines):
                if length > MAX_FUNCTION and not exempt:
                    print(f"{rel}:{start}: function of {length} lines "
                          f"(budget {MAX_FUNCTION}): {head[:70]}")
                    bad += 1
    cli = sum(len(p.read_text(encoding="utf-8").rstrip("\n").split("\n"))
              for p in (root / "cli").rglob("*") if p.suffix in (".cc", ".h"))
    if cli > MAX_CLI:
        print(f"cli/: {cli} lines (budget {MAX_CLI}): move the work to "
              "commands/")
        bad += 1
    if bad:
        print(f"{bad} over the size budget")
        return 1
    print("size: every file and function within budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
