#!/usr/bin/env bash
# Regenerates every scenario's expected `paths` output. Review the diff before
# committing: any change in predictions shows up there.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${MESHSIM_BIN:-build/cli/meshsim}
for s in $(find scenarios -name scenario.yaml | sort); do
  mkdir -p "$(dirname "$s")/expected"
  "$bin" paths "$s" --format json > "$(dirname "$s")/expected/paths.json"
done
echo "goldens updated; review with: git diff scenarios/"
