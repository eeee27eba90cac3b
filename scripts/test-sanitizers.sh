#!/usr/bin/env bash
# Builds and runs the tests under the sanitizers (issue 5, "Sanitizers"):
#  - the whole suite with AddressSanitizer + UndefinedBehaviorSanitizer
#    (LeakSanitizer included), in build-asan/, but the tests of a million
#    rules ([million]);
#  - the tests tagged [threads] (where threads share state) with
#    ThreadSanitizer, in build-tsan/.
# Any finding fails the test it happens in: the sanitizers abort on the first
# report, and tests that spawn flecto-agent or the stand-in manager run the
# sanitized binaries, whose abnormal exit status the tests check.
# scripts/test.sh calls this after the ordinary build; it can also be run on
# its own (after scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

jobs="$(nproc)"
# flecto-bench is not tested; building it sanitized would only cost time.
common=(-G Ninja -DCMAKE_BUILD_TYPE=Debug -DFLECTO_BUILD_BENCH=OFF -DFLECTO_WERROR=ON)

# Print the stack of the first finding, then exit with status 86: a finding
# in a spawned child makes its exit status wrong, and the test notices, also
# where it expects a failure status (1 or 2) from the child.
export ASAN_OPTIONS="halt_on_error=1:exitcode=86:detect_leaks=1:detect_stack_use_after_return=1:strict_init_order=1:check_initialization_order=1"
export UBSAN_OPTIONS="halt_on_error=1:exitcode=86:print_stacktrace=1"
# scripts/tsan-suppressions.txt says why Debian's uninstrumented cpp-httplib
# is left out of the reports.
export TSAN_OPTIONS="halt_on_error=1:exitcode=86:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan-suppressions.txt"

# The tests tagged [million] (a million rules, tests/agent/sync/snapshot_million_test.cpp)
# would take minutes each here; the ordinary build runs them.
echo "== AddressSanitizer + UndefinedBehaviorSanitizer: whole suite but [million]" >&2
cmake -S . -B build-asan "${common[@]}" -DFLECTO_TEST_SPEC='~[million]' \
  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
  >/dev/null
cmake --build build-asan -j"$jobs"
ctest --test-dir build-asan -j"$jobs" --output-on-failure --timeout 900

# The tests where threads share state carry the Catch2 tag [threads]: the
# matcher's shared table, the hot swap under load, the edge listener and its
# limits, the sync loop, the stand-in manager, syncs against it, and the
# daemon taking signals during syncs (the spawned flecto-agent is built with
# TSan too). FLECTO_TEST_SPEC makes them the only CTest entries of build-tsan.
echo "== ThreadSanitizer: the tests tagged [threads]" >&2
cmake -S . -B build-tsan "${common[@]}" -DFLECTO_TEST_SPEC='[threads]' \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
  >/dev/null
cmake --build build-tsan -j"$jobs"
ctest --test-dir build-tsan -j"$jobs" --output-on-failure --timeout 900
