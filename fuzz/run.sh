#!/usr/bin/env bash
# Runs every fuzz target for SECONDS on its corpus (seeds from fuzz/seeds.py,
# plus what earlier runs found, kept in BUILD/fuzz-corpus/), as many targets
# at once as there are cores (FUZZ_JOBS to change it), each a single
# process; the reports are printed in the targets' order. A crash, sanitizer
# report, leak or hang (an input over 10 s) fails the run with its
# reproducer in BUILD/fuzz-artifacts/; it becomes a regression test under
# tests/data/fuzz/ (docs/robustness.md).
#
#   fuzz/run.sh build-fuzz 600           # 10 minutes per target
#   fuzz/run.sh build-fuzz 5 route       # one target
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: fuzz/run.sh BUILD_DIR SECONDS [TARGET...]}
seconds=${2:?usage: fuzz/run.sh BUILD_DIR SECONDS [TARGET...]}
shift 2
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(manifest scenario policy route verify shard writers yaml_block)
python3 fuzz/seeds.py "$build/fuzz-seeds" >/dev/null
mkdir -p "$build/fuzz-artifacts"
# One target: its log and exit status under BUILD/fuzz-artifacts/.
fuzz_one() {
  local t=$1 corpus="$build/fuzz-corpus/$1" extra=()
  mkdir -p "$corpus"
  # Regression inputs are seeds too.
  [ -d "tests/data/fuzz/$t" ] && extra=("tests/data/fuzz/$t")
  local rc=0
  "$build/fuzz/fuzz_$t" "$corpus" "$build/fuzz-seeds/$t" "${extra[@]}" \
    -dict=fuzz/meshsim.dict -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-artifacts/$t-" \
    >"$build/fuzz-artifacts/$t.log" 2>&1 || rc=$?
  echo "$rc" >"$build/fuzz-artifacts/$t.rc"
}
jobs=${FUZZ_JOBS:-$(nproc)}
running=0
for t in "${targets[@]}"; do
  rm -f "$build/fuzz-artifacts/$t.rc"
  fuzz_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait
failed=0
for t in "${targets[@]}"; do
  log="$build/fuzz-artifacts/$t.log"
  echo "fuzz_$t: ${seconds}s"
  if [ "$(cat "$build/fuzz-artifacts/$t.rc" 2>/dev/null)" != 0 ]; then
    tail -n 40 "$log"
    echo "fuzz_$t failed; reproducer in $build/fuzz-artifacts/" >&2
    failed=1
    continue
  fi
  # The last status line and the final statistics.
  grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -n 1
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' \
    "$log" | tr '\n' ' '
  echo
done
exit "$failed"
