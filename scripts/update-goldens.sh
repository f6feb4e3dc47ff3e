#!/usr/bin/env bash
# Regenerates every scenario's expected `paths` and `run` (fixed seed) output. Review the diff before
# committing: any change in predictions shows up there.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${MESHSIM_BIN:-build/cli/meshsim}
for s in $(find scenarios -name scenario.yaml | sort); do
  mkdir -p "$(dirname "$s")/expected"
  "$bin" paths "$s" --format json > "$(dirname "$s")/expected/paths.json"
  "$bin" run "$s" --format json --quiet > "$(dirname "$s")/expected/run.json"
done
echo "goldens updated; review with: git diff scenarios/"
