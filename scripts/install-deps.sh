#!/usr/bin/env bash
# Installs the Debian 12 packages flecto-agent needs to build, test (nginx,
# systemd-analyze, clang for the fuzzers; debhelper and lintian to build and
# check the Debian package; tinyproxy for the proxy tests) and run its demo,
# skipping those
# already installed. Runs apt-get as root (through
# sudo when not root).
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config git
  libcpp-httplib-dev libsimdjson-dev libre2-dev libspdlog-dev libfmt-dev catch2
  libcli11-dev libtomlplusplus-dev libssl-dev zlib1g-dev libsystemd-dev
  curl nginx-light systemd tinyproxy
  clang libclang-rt-14-dev
  debhelper dpkg-dev lintian
)
if [ "${FLECTO_WITH_BENCH_TOOLS:-0}" = 1 ]; then packages+=(wrk); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing: ${missing[*]}" >&2
$sudo apt-get update -q
# nginx is only used by the tests, on loopback, with its own configuration:
# keep the package from starting the system-wide service.
$sudo env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -q --no-install-recommends "${missing[@]}"
