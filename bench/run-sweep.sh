#!/usr/bin/env bash
# A 100-point sweep (10 rates x 10 waypoint replica counts of the
# waypoint-cost scenario) with 10 replications per point: its wall time in one
# process at -j 2, and the projected wall time on a Kubernetes Indexed Job of
# PODS pods (default 20) of one core each, from the measured time of every
# shard (-j 1) and of the merge (docs/scale-out.md).
#
#   bench/run-sweep.sh [BUILD_DIR] [PODS]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
pods=${2:-20}
meshsim="$PWD/$build/cli/meshsim"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cp -r scenarios/waypoint-cost/manifests "$out/"
sed '/^sweep:/,$d' scenarios/waypoint-cost/scenario.yaml > "$out/scenario.yaml"
cat >> "$out/scenario.yaml" <<'YAML'
sweep:
  rate: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
  replicas:
    east/l7/waypoint: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
  replications: 10
YAML
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN{print b - a}'; }
t0=$(now)
"$meshsim" sweep "$out/scenario.yaml" -j 2 --format json > "$out/single.json"
t1=$(now)
max=0
for i in $(seq 0 $((pods - 1))); do
  s0=$(now)
  "$meshsim" sweep "$out/scenario.yaml" -j 1 --format json --shard "$i/$pods" \
    --shard-out "$out/shard-$i.json" 2> /dev/null
  s1=$(now)
  max=$(awk -v a="$s0" -v b="$s1" -v m="$max" 'BEGIN{d = b - a; print (d > m) ? d : m}')
done
m0=$(now)
"$meshsim" merge "$out"/shard-*.json > "$out/merged.json"
m1=$(now)
cmp -s "$out/single.json" "$out/merged.json" && same="same bytes" || same="DIFFERENT bytes"
points=$(grep -c '"rate"' "$out/single.json" || true)
printf 'sweep, %s points x 10 replications, one process -j 2: %.1f s wall\n' \
  "$points" "$(sub "$t0" "$t1")"
printf 'slowest of %d shards (-j 1): %.1f s; merge: %.2f s; merged output: %s\n' \
  "$pods" "$max" "$(sub "$m0" "$m1")" "$same"
printf 'projected Indexed Job of %d one-core pods: %.1f s (slowest shard + merge; pod start-up and image pull not included)\n' \
  "$pods" "$(awk -v m="$max" -v d="$(sub "$m0" "$m1")" 'BEGIN{print m + d}')"
