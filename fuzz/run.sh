#!/usr/bin/env bash
# Runs every fuzz target for SECONDS on its corpus (seeds from fuzz/seeds.sh,
# plus what earlier runs found, kept in BUILD/fuzz-corpus/), one after the
# other, single process. A crash, sanitizer report, leak or hang (an input
# over 10 s) stops the run with its reproducer in BUILD/fuzz-artifacts/; it
# becomes a regression test under tests/data/fuzz/ (docs/robustness.md).
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
fuzz/seeds.sh "$build/fuzz-seeds" >/dev/null
mkdir -p "$build/fuzz-artifacts"
for t in "${targets[@]}"; do
  corpus="$build/fuzz-corpus/$t"
  mkdir -p "$corpus"
  # Regression inputs are seeds too.
  extra=()
  [ -d "tests/data/fuzz/$t" ] && extra=("tests/data/fuzz/$t")
  log="$build/fuzz-artifacts/$t.log"
  echo "fuzz_$t: ${seconds}s"
  if ! "$build/fuzz/fuzz_$t" "$corpus" "$build/fuzz-seeds/$t" "${extra[@]}" \
      -dict=fuzz/meshsim.dict -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$build/fuzz-artifacts/$t-" >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz_$t failed; reproducer in $build/fuzz-artifacts/" >&2
    exit 1
  fi
  # The last status line and the final statistics.
  grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -n 1
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' \
    "$log" | tr '\n' ' '
  echo
done
