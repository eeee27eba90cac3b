#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite; then
# builds, checks, installs and purges the Debian package
# (scripts/test-package.sh), runs the suite again under the sanitizers
# (scripts/test-sanitizers.sh), and each fuzzer briefly on its corpus
# (scripts/fuzz-smoke.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build -j"$(nproc)" --output-on-failure --timeout 600
scripts/test-package.sh
scripts/test-sanitizers.sh
scripts/fuzz-smoke.sh
