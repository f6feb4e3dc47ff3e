#!/usr/bin/env python3
"""Assembles the seed corpora of the fuzz targets from the repository's own
inputs (scenarios/ and tests/data/) into OUT/<target>/, so that nothing is
copied into fuzz/ by hand:

  fuzz/seeds.py build-fuzz/seeds

  manifest  every manifest file (.yaml, .yml, .json) of scenarios/ and
            tests/data/
  scenario  every scenario file, with its `manifests:` entries inlined as
            `resources:` (fuzz_scenario.cc reads no files)
  policy    manifests holding an AuthorizationPolicy, plus a request
  route     manifests holding an HTTPRoute, plus a request
  verify    a few scenario seeds with waypoints of every kind
  shard     the shard files of tests/data/fuzz-seeds/shard/
  writers   hostile names (workflow commands, escapes, markup, bad UTF-8)
            as NUL-separated fields (fuzz_writers.cc)
  yaml_block  the manifest seeds: YAML the block parser takes, to be
            mutated into what it must decline or read as libyaml does

Python, not a shell loop: on the CI machine each of the ~4,000 processes a
shell version spawned (grep, cp, awk per file) cost about 8 ms, 33 s in all.
"""
import fnmatch
import os
import re
import shutil
import sys

REQUESTS = [
    b"method GET\npath /productpage\nhost productpage.default.svc.cluster.local\n"
    b"principal cluster.local/ns/default/sa/curl\nheader x-user=alice\nport 9080",
    b"method POST\npath /api/v1/items?debug=1\nhost reviews:9080\n"
    b"principal cluster.local/ns/bookinfo/sa/bookinfo-productpage\n"
    b"header end-user=jason\nsourceip 10.1.0.7\ndestip 10.2.0.9\nport 80",
]
VERIFY_SEEDS = ["bookinfo", "service-waypoint", "namespace-waypoint",
                "workload-waypoint", "waypoint-guard", "waypoint-no-guard",
                "ingress-use-waypoint", "multicluster-waypoints",
                "peering_a-f-and-x"]
# writers: file, scenario name, expectation, expected, actual, warning,
# finding.
WRITERS = {
    "commands": b"::warning::x.yaml\0name\n::error file=a::pwned\0  ::add-mask::s\0"
                b"<img src=x>\0]]></failure>\0\033]0;title\007\0\xff\xfe bad",
    "mixed": b"scenarios/a.yaml\0caf\xc3\xa9\0\t::stop-commands::t\0&amp;\0"
             b"`code`|cell|\0\r\n::notice::n\0%0A::error::x",
}


def walk(roots):
    """Every path under `roots` (no symbolic link followed), as `find` lists
    them, with whether each is a regular file."""
    for root in roots:
        for d, dirs, files in os.walk(root):
            dirs.sort()
            for name in dirs + files:
                p = os.path.join(d, name)
                yield p, name, os.path.isfile(p) and not os.path.islink(p)


def seed_name(path):
    return path.replace("/", "_")


def manifest_files():
    out = []
    for p, name, regular in walk(["scenarios", "tests/data"]):
        if not regular or not name.endswith((".yaml", ".yml", ".json")):
            continue
        if name == "scenario.yaml" or any(
                fnmatch.fnmatchcase(p, pat)
                for pat in ["tests/data/errors/*.yaml", "tests/data/warnings/*",
                            "tests/data/cli/*", "*/expected/*"]):
            continue
        out.append(p)
    return sorted(out)


def scenario_files():
    out = []
    for p, name, _ in walk(["scenarios", "tests/data"]):
        if fnmatch.fnmatchcase(name, "*.yaml") and (
                name == "scenario.yaml" or any(
                    fnmatch.fnmatchcase(p, pat)
                    for pat in ["tests/data/errors/*", "tests/data/warnings/*",
                                "tests/data/cli/*"])):
            out.append(p)
    return sorted(out)


def lines_of(data):
    """The lines of `data` as a shell's `read` loop sees them."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def inline_file(path, ind, out):
    """The documents of manifest file `path` as list items indented by `ind`."""
    doc = []

    def flush():
        if doc:
            out.append(ind + b"- " + doc[0])
            out.extend(ind + b"  " + line for line in doc[1:])
        doc.clear()

    with open(path, "rb") as f:
        for line in lines_of(f.read()):
            if line.startswith(b"---"):
                flush()
            elif not doc and re.match(rb"^[ \t]*(#|$)", line):
                continue
            else:
                doc.append(line)
    flush()


def inline_entry(folder, entry, ind, out):
    """Manifest entry `entry` (a file or folder relative to `folder`)."""
    p = os.path.join(folder, entry.decode("latin-1"))
    if os.path.isdir(p):
        files = [q for q, name, regular in walk([p])
                 if regular and name.endswith((".yaml", ".yml"))]
        for q in sorted(files):
            inline_file(q, ind, out)
    elif os.path.isfile(p) and not p.endswith(".json"):
        inline_file(p, ind, out)


def inlined_scenario(path):
    folder = os.path.dirname(path)
    out = []
    block_indent = b""
    with open(path, "rb") as f:
        data = f.read()
    for line in lines_of(data):
        if block_indent:
            m = re.match(rb"^" + block_indent + rb" +- *(.*)$", line)
            if m:
                inline_entry(folder, m.group(1), block_indent + b"  ", out)
                continue
            block_indent = b""
        m = re.match(rb"^( *)manifests: *\[(.*)\] *$", line)
        if m:
            ind = m.group(1)
            out.append(ind + b"resources:")
            entries = m.group(2).split(b",")
            if entries and entries[-1] == b"":
                entries.pop()  # as `read -a` drops a trailing empty field
            for e in entries:
                e = e[1:] if e.startswith(b" ") else e
                e = e[:-1] if e.endswith(b" ") else e
                inline_entry(folder, e, ind + b"  ", out)
            continue
        m = re.match(rb"^( *)manifests: *$", line)
        if m:
            block_indent = m.group(1)
            out.append(block_indent + b"resources:")
            continue
        out.append(line)
    text = b"".join(line + b"\n" for line in out)
    return text.replace(b"manifests", b"manifest-files")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fuzz/seeds.py OUT_DIR")
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    out = sys.argv[1]
    shutil.rmtree(out, ignore_errors=True)
    for t in ["manifest", "scenario", "policy", "route", "verify", "shard",
              "writers"]:
        os.makedirs(os.path.join(out, t))
    for f in manifest_files():
        with open(f, "rb") as fh:
            data = fh.read()
        shutil.copyfile(f, os.path.join(out, "manifest", seed_name(f)))
        for kind, target in [(b"AuthorizationPolicy", "policy"),
                             (b"HTTPRoute", "route")]:
            if not re.search(rb'kind: *"?' + kind, data):
                continue
            for i, req in enumerate(REQUESTS):
                with open(os.path.join(out, target, f"{seed_name(f)}.{i}"),
                          "wb") as fh:
                    fh.write(data + b"\n---request\n" + req + b"\n")
    for s in scenario_files():
        with open(os.path.join(out, "scenario", seed_name(s)), "wb") as fh:
            fh.write(inlined_scenario(s))
    # verify: the scenario seeds of a few meshes with waypoints of every
    # kind (a verify run is slow under the sanitizers). shard: shard files
    # meshsim wrote (tests/data/fuzz-seeds/shard/, made with
    # `meshsim check|run|verify ... --shard I/N --shard-out FILE`).
    for s in VERIFY_SEEDS:
        name = f"scenarios_{s}_scenario.yaml"
        shutil.copyfile(os.path.join(out, "scenario", name),
                        os.path.join(out, "verify", name))
    shard = "tests/data/fuzz-seeds/shard"
    for name in sorted(os.listdir(shard)):
        if name.endswith(".json"):
            shutil.copyfile(os.path.join(shard, name),
                            os.path.join(out, "shard", name))
    for name, data in WRITERS.items():
        with open(os.path.join(out, "writers", name), "wb") as fh:
            fh.write(data)
    shutil.copytree(os.path.join(out, "manifest"), os.path.join(out, "yaml_block"))
    for t in ["manifest", "scenario", "policy", "route", "verify", "shard",
              "writers", "yaml_block"]:
        print(f"{t}: {len(os.listdir(os.path.join(out, t)))} seeds")


if __name__ == "__main__":
    main()
