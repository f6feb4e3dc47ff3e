#!/usr/bin/env bash
# Runs `meshsim ARGS...` as N shards of an Indexed Job, then the merge, on
# the cluster kubectl points at; prints the merge's output and exits with
# its exit code (docs/scale-out.md).
#
#   deploy/kubernetes/run.sh 20 check scenarios/
#   IMAGE=registry.example.com/meshsim:1 deploy/kubernetes/run.sh 7 verify mesh/scenario.yaml
#
# NAMESPACE (default: the context's), IMAGE (default meshsim:dev), TIMEOUT
# (for the shards, default 1h) and MERGE_ARGS (merge's output options, e.g.
# "--format json") may be set.
set -euo pipefail
cd "$(dirname "$0")"
if [ $# -lt 2 ]; then
  echo "usage: $0 N COMMAND ARGS..." >&2
  exit 2
fi
n=$1
shift
case $n in '' | *[!0-9]*) echo "N must be a number, got '$n'" >&2; exit 2 ;; esac
image=${IMAGE:-meshsim:dev}
timeout=${TIMEOUT:-1h}
run=run-$(date +%Y%m%d-%H%M%S)
kc=(kubectl)
[ -n "${NAMESPACE:-}" ] && kc+=(-n "$NAMESPACE")
"${kc[@]}" apply -f results-pvc.yaml
# A previous run's jobs and shard files go first.
"${kc[@]}" delete job meshsim-shards meshsim-merge --ignore-not-found --wait
sed -e "s|completions: 20|completions: $n|" -e "s|parallelism: 20|parallelism: $n|" \
    -e "s|value: \"20\"|value: \"$n\"|" -e "s|value: \"check scenarios/\"|value: \"$*\"|" \
    -e "s|image: meshsim:dev|image: $image|" -e "s|value: \"run-1\"|value: \"$run\"|" \
    shards-job.yaml | "${kc[@]}" apply -f -
"${kc[@]}" wait --for=condition=complete job/meshsim-shards --timeout="$timeout"
sed -e "s|image: meshsim:dev|image: $image|" -e "s|value: \"run-1\"|value: \"$run\"|" \
    -e "s|value: \"\"|value: \"${MERGE_ARGS:-}\"|" merge-job.yaml | "${kc[@]}" apply -f -
# The merge exits 1 on findings: wait for its container to end either way.
until code=$("${kc[@]}" get pods -l job-name=meshsim-merge \
              -o jsonpath='{.items[0].status.containerStatuses[0].state.terminated.exitCode}' \
              2>/dev/null) && [ -n "$code" ]; do
  sleep 2
done
"${kc[@]}" logs job/meshsim-merge
exit "$code"
