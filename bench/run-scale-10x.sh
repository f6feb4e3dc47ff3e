#!/usr/bin/env bash
# The issue-21 table in one run: `paths` with one traffic entry (about
# loading and finalize), `paths` with 1,000 entries and `verify`, on the
# generator's mesh at 1x (3 clusters, 2,000 services, 20,000 pods), 3x
# (5 clusters, 6,000 services, 60,000 pods) and 10x (10 clusters, 20,000
# services, 200,000 pods): wall time, peak memory, manifest bytes, and the
# growth from 1x. Every cluster holds every Service (bench/gen_mesh.cc), so
# the manifests grow faster than the service count.
#
# Size 1w is the 1x's services and pods on the 10x's ten clusters: against
# it, 10x is ten times the objects and the manifest bytes, so it shows how
# the cost grows with the mesh apart from the generator's copies.
#
#   bench/run-scale-10x.sh [BUILD_DIR] [SIZES]    # SIZES default "1 3 10"
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
sizes=${2:-1 3 10}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
measure() {  # label, then the command; prints "seconds MB"
  /usr/bin/time -f "%e %M" -o "$out/time" "${@:2}" > /dev/null 2>&1 || true
  tail -1 "$out/time" | awk '{printf "%.1f %.0f", $1, $2 / 1024}'
}
printf '%-5s %-28s %9s %-18s %-18s %-18s\n' size mesh manifests \
  "paths, 1 entry" "paths, 1000" "verify -j 2"
for k in $sizes; do
  case $k in
    1) args=(--clusters 3 --services 2000 --pods 20000) ;;
    3) args=(--clusters 5 --services 6000 --pods 60000) ;;
    10) args=(--clusters 10 --services 20000 --pods 200000) ;;
    1w) args=(--clusters 10 --services 2000 --pods 20000) ;;
    *) echo "size $k: 1, 3, 10 or 1w" >&2; exit 2 ;;
  esac
  label="${k}x"
  [ "$k" = 1w ] && label=1w
  "$build/bench/gen_mesh" "$out/one" "${args[@]}" --traffic 1 > /dev/null
  "$build/bench/gen_mesh" "$out/many" "${args[@]}" --traffic 1000 > /dev/null
  bytes=$(du -sm "$out/one" | cut -f1)
  read -r p1 m1 <<<"$(measure x "$build/cli/meshsim" paths "$out/one/scenario.yaml")"
  read -r p2 m2 <<<"$(measure x "$build/cli/meshsim" paths "$out/many/scenario.yaml" -j 2)"
  read -r v m3 <<<"$(measure x "$build/cli/meshsim" verify "$out/one/scenario.yaml" -j 2)"
  printf '%-5s %-28s %7s MB %-18s %-18s %-18s\n' "$label" "${args[1]}/${args[3]}/${args[5]}" \
    "$bytes" "$p1 s, $m1 MB" "$p2 s, $m2 MB" "$v s, $m3 MB"
  rm -rf "$out/one" "$out/many"
done
