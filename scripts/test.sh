#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run): dependencies, format
# check, build, then every test; then the same tests built with
# AddressSanitizer and UndefinedBehaviorSanitizer, and, when clang is
# installed, a short run of each fuzz target (docs/robustness.md).
set -euo pipefail
cd "$(dirname "$0")/.."
# Each step's start, in seconds since the run began: where a slow run's time
# went.
step() { echo "== ${SECONDS}s: $*"; }
# Ninja (Debian's ninja-build) where a build tree is new: unlike make, it
# compiles a target's sources while the libraries it links are still being
# compiled, so neither core waits at each library.
generator() { [ -f "$1/CMakeCache.txt" ] || echo "-GNinja"; }
step dependencies
# ccache hits across checkouts of the same sources.
export CCACHE_BASEDIR="$PWD"
scripts/install-deps.sh
step format and size checks
scripts/check-format.sh
# The size budget of production code (docs/architecture.md).
python3 scripts/check-size.py
# Line tables only (-g1): full debug info of the template-heavy sources
# (Z3, Boost, nlohmann) costs minutes of CI's cold build and no test uses it.
# Both trees are unity builds (CMakeLists.txt: eight sources per compiler
# run), which halves the CPU time of a cold build.
# The test programs themselves (tests/CMakeLists.txt) are built at -O1 here,
# and without the sanitizers in the sanitizer build, where the code they
# test keeps them: their time is in the code they call, and the compiler's
# passes over gtest's expansions were half of each cold build.
step build
cmake -S . -B build $(generator build) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DMESHSIM_TEST_CXX_FLAGS=-O1 -DMESHSIM_TEST_SHARDS=ON >/dev/null
cmake --build build -j2
step tests
# Each test program runs as a few gtest shards, not one process per test
# (tests/CMakeLists.txt): 99 s against 151 s, as suites that set up shared
# inputs (every bundled scenario loaded once) do so once per shard.
ctest --test-dir build --output-on-failure -j2
# The project's own scenarios are the first user of the CI gate: every
# `expect:` entry under scenarios/ must hold (docs/ci.md).
step meshsim check scenarios/
build/cli/meshsim check scenarios/ --junit build/check-junit.xml

# Sanitizers: any report fails its test. One instrumented build serves both
# the tests and the fuzz targets: with clang it is the libFuzzer build
# (AddressSanitizer, UndefinedBehaviorSanitizer and coverage), else a gcc
# AddressSanitizer/UBSan build without the fuzz targets. -O1 with line tables
# keeps it short; the differential tests use 24 random meshes instead of 320
# and every third bundled scenario, the shuffle test one shuffle instead of
# two, the namespace-key test every sixth of those (the normal build above
# ran them in full). Left to the normal build:
# - three tests of size limits and sizing: they repeat the same code paths
#   hundreds of thousands of times (500,000 forwarding-graph edges, 100,000
#   paths, replicated simulations) and took 85 s of the sanitized run's 368;
# - five tests that replay every bundled scenario to compare whole outputs
#   (object order, repeated runs, `check`, shards of `check` and `diff`):
#   their code paths are the ones the differential tests run under the
#   sanitizers, and they took 87 s of its 286.
if command -v clang++ >/dev/null && command -v clang >/dev/null; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz $(generator build-fuzz) \
    -DCMAKE_BUILD_TYPE=Sanitize \
    -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1" -DMESHSIM_FUZZ=ON -DMESHSIM_BENCH=OFF \
    -DMESHSIM_TEST_CXX_FLAGS=-fno-sanitize=address,undefined,fuzzer-no-link \
    -DMESHSIM_TEST_SHARDS=ON >/dev/null
  sanitized=build-fuzz
else
  echo "clang not installed: gcc sanitizer build, fuzz targets skipped (docs/robustness.md)"
  cmake -S . -B build-asan $(generator build-asan) -DCMAKE_BUILD_TYPE=Sanitize \
    -DMESHSIM_SANITIZE=ON \
    -DMESHSIM_BENCH=OFF -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1" \
    -DMESHSIM_TEST_CXX_FLAGS=-fno-sanitize=address,undefined \
    -DMESHSIM_TEST_SHARDS=ON >/dev/null
  sanitized=build-asan
fi
step sanitizer build
cmake --build "$sanitized" -j2
step sanitizer tests
# Each test program runs as a few gtest shards (MESHSIM_TEST_SHARDS,
# tests/CMakeLists.txt), so the tests left out are named in GTEST_FILTER.
GTEST_FILTER='-LimitsTest.WaypointReplicasTimesEndpointsIsALimitNotOutOfMemory'\
':LimitsTest.MorePathsThanTheLimitIsAnErrorNotATruncatedList'\
':PlanTest.TighterObjectiveAddsReplicas:DeterminismTest.SameInputSameBytes'\
':DeterminismTest.ObjectOrderInManifestsChangesNoAnswer'\
':CheckTest.EveryBundledScenarioHasExpectationsAndTheyHold'\
':ShardTest.CheckMergesToTheSingleRun'\
':ShardTest.DiffMergesToTheSingleRunAndJobsDoNotChangeIt' \
  MESHSIM_DIFF_MESHES=24 MESHSIM_DIFF_PAIRS=20 MESHSIM_DIFF_SCENARIOS_EVERY=3 \
  MESHSIM_DIFF_KEYS_EVERY=6 MESHSIM_SHUFFLE_SEEDS=1 \
  ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1 \
  UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir "$sanitized" --output-on-failure -j2

# Fuzzing: a few seconds per target on its seed corpus (fuzz/run.sh).
if [ "$sanitized" = build-fuzz ]; then
  step fuzzing
  fuzz/run.sh build-fuzz 5
fi
step done
