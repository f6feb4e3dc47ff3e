#!/usr/bin/env bash
# Regenerates every scenario's expected `paths` and `run` (fixed seed) output. Review the diff before
# committing: any change in predictions shows up there.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${MESHSIM_BIN:-build/cli/meshsim}
# scenarios/conformance/ has no goldens: its `expect:` lists are Istio's assertions.
for s in $(find scenarios -name scenario.yaml -not -path 'scenarios/conformance/*' | sort); do
  mkdir -p "$(dirname "$s")/expected"
  "$bin" paths "$s" --format json > "$(dirname "$s")/expected/paths.json"
  "$bin" run "$s" --format json --quiet > "$(dirname "$s")/expected/run.json"
done
# `meshsim report` goldens (tests/reports/review_report_test.cc) and the Bookinfo example report.
# report.md links each manifest relative to where it is written: each report
# is written next to where it is kept, so its links hold in the repository
# (the test compares them with the prefix of its own output directory).
for name in bookinfo multicluster-waypoints waypoint-guard; do
  out="tests/reports/golden/.tmp-$name"
  "$bin" report "scenarios/$name/scenario.yaml" -o "$out" > /dev/null 2>&1 || true
  mkdir -p "tests/reports/golden/$name"
  cp "$out/report.md" "$out/results.json" "tests/reports/golden/$name/"
  rm -rf "$out"
done
out=docs/.tmp-examples  # same depth as docs/examples/
"$bin" report scenarios/bookinfo/scenario.yaml -o "$out" > /dev/null 2>&1 || true
cp "$out/report.md" docs/examples/bookinfo-report.md
rm -rf "$out"
echo "goldens updated; review with: git diff scenarios/ tests/reports/golden/ docs/examples/"
