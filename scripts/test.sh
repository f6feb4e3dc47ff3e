#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run): dependencies, format
# check, build, then every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/check-format.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2
ctest --test-dir build --output-on-failure -j2
# The project's own scenarios are the first user of the CI gate: every
# `expect:` entry under scenarios/ must hold (docs/ci.md).
build/cli/meshsim check scenarios/ --junit build/check-junit.xml
