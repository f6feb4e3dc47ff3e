#!/usr/bin/env bash
# The tandem workload side by side: meshsim's engine (bench/tandem, the same
# QueueingNetwork `meshsim run` uses), the same workload as a scenario through
# `meshsim run` end to end, and the peers of ../shared/bench/peers/, in one
# sitting. Prints every JSON line, then the requests/s ratios.
#
#   bench/run-tandem.sh [N] [BUILD_DIR]     (defaults: 1000000, build)
#   ENGINES="baseline ns3" REPEAT=2 bench/run-tandem.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
build=${2:-build}
peers=../shared/bench/peers
out=$(mktemp)
for i in $(seq 1 "${REPEAT:-1}"); do
  "$build/bench/tandem" --n="$N" --seed=1 | tee -a "$out"
done
if [ -d "$peers" ]; then
  bash "$peers/setup.sh" >&2 || true
  ENGINES="${ENGINES:-baseline ns3}" REPEAT="${REPEAT:-1}" bash "$peers/run-all.sh" "$N" | tee -a "$out"
fi
# The same workload as a scenario file, through the whole pipeline.
/usr/bin/time -f "meshsim run (bench/tandem-scenario.yaml, 1,010,000 requests at 2000 rps): %e s wall, %M KB" \
  "$build/cli/meshsim" run bench/tandem-scenario.yaml --format json --quiet > /dev/null
python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
best = {}
for r in rows:
    best.setdefault(r["engine"], []).append(r["requests_per_second"])
ours = max(best.get("meshsim", [0]))
for engine, v in best.items():
    print(f"{engine:28s} {max(v):12.0f} req/s   meshsim/{engine} = {ours / max(v):.2f}")
PY
rm -f "$out"
