#!/usr/bin/env bash
# `meshsim verify` at scale, next to a brute-force enumeration of concrete
# requests through the path function, in the same run.
#
#   bench/run-verify.sh [BUILD_DIR] [--clusters N --services N --pods N]
#
# BRUTE_BUDGET (seconds, default 300) caps the brute-force run; when it stops
# early it reports its rate and the projected time for every request.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
out=$(mktemp -d)
"$build/bench/gen_mesh" "$out" --traffic 10 "$@" > /dev/null
/usr/bin/time -f "%e %M" -o "$out/time" "$build/cli/meshsim" verify "$out/scenario.yaml" \
  --format json > "$out/verify.json" || true
python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
wall, kb = open(d + "/time").read().split("\n")[-2].split()
r = json.load(open(d + "/verify.json"))
props = ", ".join(f"{p['name']} {p['result']} ({p['classes_checked']} classes)" for p in r["properties"])
print(f"meshsim verify: {float(wall):.1f} s wall, {int(kb) / 1024:.0f} MB; {props}; {len(r['findings'])} findings")
PY
"$build/bench/brute_force" "$out/scenario.yaml" "${BRUTE_BUDGET:-300}"
rm -rf "$out"
