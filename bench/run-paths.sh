#!/usr/bin/env bash
# Benchmark: `meshsim paths` on a generated mesh of 3 clusters, 2,000 services
# and 20,000 pods. Usage: bench/run-paths.sh [BUILD_DIR]  (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=$(mktemp -d)
"$build/bench/gen_mesh" "$out" --clusters 3 --services 2000 --pods 20000 --traffic 2000 >/dev/null
for i in 1 2 3; do
  /usr/bin/time -f "run $i: %e s wall, %M KB max RSS" \
    "$build/cli/meshsim" paths "$out/scenario.yaml" --format json > "$out/paths.json"
done
python3 - "$out/paths.json" <<'PY' 2>/dev/null || true
import json, sys
d = json.load(open(sys.argv[1]))
print(f"{len(d['traffic'])} traffic entries, {sum(len(t['paths']) for t in d['traffic'])} paths")
PY
rm -rf "$out"
