#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/README.md) with clang into build-fuzz/
# and runs each one briefly on its committed corpus. Fails on any crash,
# sanitizer report, timeout or table/reference disagreement. The committed
# corpus is only read: new inputs go to a temporary directory.
#
#   FLECTO_FUZZ_SECONDS=30 scripts/fuzz-smoke.sh     (seconds per target)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FLECTO_FUZZ_SECONDS:-30}"
targets=(manager_api rules_json edge_request matcher)

if ! command -v clang++ >/dev/null || ! command -v clang >/dev/null; then
  echo "fuzz-smoke: needs clang and its libFuzzer runtime (Debian 12: clang libclang-rt-14-dev)" >&2
  exit 1
fi
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DFLECTO_BUILD_FUZZERS=ON -DFLECTO_BUILD_TESTS=OFF \
  -DFLECTO_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]/%/_fuzzer}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()
for t in "${targets[@]}"; do
  mkdir -p "$work/$t/new" "$work/$t/artifacts"
  echo "fuzz-smoke: $t for ${seconds}s" >&2
  if ! build-fuzz/fuzz/"${t}"_fuzzer "$work/$t/new" "fuzz/corpus/$t" -max_total_time="$seconds" \
      -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$work/$t/artifacts/" \
      >"$work/$t/log" 2>&1; then
    tail -n 60 "$work/$t/log" >&2
    # Keep the reproducer where the caller can find it.
    mkdir -p build-fuzz/smoke-artifacts
    cp "$work/$t/artifacts/"* build-fuzz/smoke-artifacts/ 2>/dev/null || true
    failed+=("$t")
  else
    grep -E '^(Done|stat::number_of_executed_units)' "$work/$t/log" >&2 || true
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz-smoke: FAILED: ${failed[*]} (reproducers in build-fuzz/smoke-artifacts/)" >&2
  exit 1
fi
echo "fuzz-smoke: all ${#targets[@]} targets ran ${seconds}s each without a finding" >&2
