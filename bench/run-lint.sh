#!/usr/bin/env bash
# `meshsim lint` on a generated mesh (bench/gen_mesh.cc): wall time and peak
# memory (issue target: 3 clusters, 2,000 services, 20,000 pods under 2 s).
#
#   bench/run-lint.sh [BUILD_DIR] [--clusters N --services N --pods N]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
out=$(mktemp -d)
"$build/bench/gen_mesh" "$out" --traffic 10 "$@" > /dev/null
/usr/bin/time -f "%e %M" -o "$out/time" "$build/cli/meshsim" lint "$out/scenario.yaml" \
  --format json > "$out/lint.json" || true
python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
wall, kb = open(d + "/time").read().split("\n")[-2].split()
r = json.load(open(d + "/lint.json"))
print(f"meshsim lint: {float(wall):.2f} s wall, {int(kb) / 1024:.0f} MB; {len(r['findings'])} findings")
PY
rm -rf "$out"
