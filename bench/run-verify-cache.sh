#!/usr/bin/env bash
# `verify --cache` on the generator's mesh with two AuthorizationPolicies per
# namespace (gen_mesh --policies 1): a cold run filling the cache, a warm run
# of the same mesh, and a warm run after one AuthorizationPolicy of one
# namespace changes (its methods, in place), against a cold run of that
# change without the cache. Prints wall time, peak memory and chunks reused;
# checks that each cached output equals the uncached one but for seconds.
#
#   bench/run-verify-cache.sh [BUILD_DIR] [SIZE] [POLICY_NAMESPACES]
#
# SIZE: 1 (default), 3 or 10; POLICY_NAMESPACES: how many namespaces (from
# ns0) have the two policies (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
size=${2:-1}
policy_ns=${3:-}
case $size in
  1) args=(--clusters 3 --services 2000 --pods 20000) ;;
  3) args=(--clusters 5 --services 6000 --pods 60000) ;;
  10) args=(--clusters 10 --services 20000 --pods 200000) ;;
  *) echo "size $size: 1, 3 or 10" >&2; exit 2 ;;
esac
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
policy_args=(--policies 1)
[ -n "$policy_ns" ] && policy_args+=(--policy-namespaces "$policy_ns")
"$build/bench/gen_mesh" "$out/mesh" "${args[@]}" --traffic 1 "${policy_args[@]}" > /dev/null
m="$build/cli/meshsim"
run() {  # label, then args; prints a row
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$out/time" "$m" verify "$out/mesh/scenario.yaml" \
    --format json -j 2 "$@" > "$out/$label.json" 2> "$out/$label.err" || true
  read -r s kb < <(tail -1 "$out/time")
  reused=$(grep -o '[0-9]* of [0-9]* chunks reused' "$out/$label.err" || echo "-")
  printf '%-34s %8.1f s %7d MB   %s\n' "$label" "$s" $((kb / 1024)) "$reused"
}
same() {  # two labels: equal but for seconds
  if diff <(grep -v '"seconds"' "$out/$1.json") <(grep -v '"seconds"' "$out/$2.json") > /dev/null; then
    echo "  $1 = $2 (but seconds)"
  else
    echo "  $1 != $2" >&2
    exit 1
  fi
}
echo "mesh: ${args[*]}, 2 AuthorizationPolicies in ${policy_ns:-every} namespace(s); verify -j 2"
run "cold, no cache"
run "cold, filling the cache" --cache "$out/cache"
run "warm, nothing changed" --cache "$out/cache"
same "cold, no cache" "warm, nothing changed"
# One policy of namespace ns7 in cluster c0: GET -> GET, POST, in place.
python3 - "$out/mesh/c0.yaml" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
i = s.index("name: l7\n  namespace: ns7\n")
j = s.index("methods: [GET]", i)
open(p, "w").write(s[:j] + "methods: [GET, POST]" + s[j + len("methods: [GET]"):])
PY
run "changed policy, no cache"
run "changed policy, warm cache" --cache "$out/cache"
same "changed policy, no cache" "changed policy, warm cache"
