#!/usr/bin/env bash
# Configures and builds flecto-agent into build/ (Release with debug info).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLECTO_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
