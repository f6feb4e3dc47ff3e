#!/usr/bin/env bash
# `meshsim diff` at scale: two versions of a mesh with 500
# AuthorizationPolicies and 200 HTTPRoutes (bench/gen-diff-mesh.py).
#
#   bench/run-diff.sh [BUILD_DIR] [--namespaces N --services N --policies N]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
out=$(mktemp -d)
python3 bench/gen-diff-mesh.py "$out" "$@"
/usr/bin/time -f "%e %M" -o "$out/time" "$build/cli/meshsim" diff \
  "$out/old/scenario.yaml" "$out/new/scenario.yaml" --format json \
  > "$out/diff.json" 2> /dev/null || true
python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
wall, kb = open(d + "/time").read().split()[-2:]
r = json.load(open(d + "/diff.json"))
print(f"meshsim diff: {float(wall):.1f} s wall, {int(kb) / 1024:.0f} MB; "
      f"{r['destinations']} destinations, {len(r['changed_objects'])} changed objects, "
      f"{len(r['findings'])} findings; {r['summary']}")
PY
rm -rf "$out"
