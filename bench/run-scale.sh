#!/usr/bin/env bash
# `meshsim run` at scale: the 3-cluster, 2,000-service, 20,000-pod mesh of
# bench/gen_mesh with 300 traffic entries at 333 rps each (100,000 rps in
# all), for 10 s (1 million requests) and 100 s (10 million). Prints wall
# time, events/s and peak memory for each: time should grow linearly and
# memory stay flat.
#
#   bench/run-scale.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
for total in 1000000 10000000; do
  out=$(mktemp -d)
  duration=$(python3 -c "print($total / 100000)")
  "$build/bench/gen_mesh" "$out" --traffic 300 --rate 333.3333 --duration "$duration" > /dev/null
  /usr/bin/time -f "%e %M" -o "$out/time" "$build/cli/meshsim" run "$out/scenario.yaml" \
    --format json --quiet > "$out/run.json"
  python3 - "$out" "$total" <<'PY'
import json, sys
d, total = sys.argv[1], int(sys.argv[2])
wall, kb = open(d + "/time").read().split()
r = json.load(open(d + "/run.json"))
reqs = sum(t["requests"] for t in r["traffic"])
print(f"{total:>9} requests asked, {reqs} simulated: {float(wall):.1f} s wall, "
      f"{r['events'] / float(wall) / 1e6:.2f} M events/s, {reqs / float(wall) / 1e6:.2f} M req/s, "
      f"peak RSS {int(kb) / 1024:.0f} MB")
PY
  rm -rf "$out"
done
