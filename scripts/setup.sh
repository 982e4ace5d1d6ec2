#!/usr/bin/env bash
# One-time setup on Debian/Ubuntu x64 with Node >= 20: the system packages tickwire builds and
# tests with, then `npm ci` (which builds the native addon and compiles the TypeScript).
#   bash scripts/setup.sh            build deps + test tools (cmake, clang for fuzzing)
# Without root and without sudo, the apt step is skipped: vendor/deps.mjs then fetches the pinned
# BearSSL/liburing packages without root, but cmake/clang must already be there for `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

# redis-server: the telemetry fan-out tests start their own; chromium: the dashboard's browser test.
packages=(build-essential python3 cmake clang libclang-rt-14-dev binutils openssl libbearssl-dev liburing-dev ca-certificates redis-server chromium)
if [ "$(id -u)" -eq 0 ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${packages[@]}"
elif command -v sudo >/dev/null 2>&1; then
  sudo apt-get update -q
  sudo apt-get install -y -q --no-install-recommends "${packages[@]}"
else
  echo "setup.sh: not root and no sudo; skipping apt (needs: ${packages[*]})" >&2
fi

npm ci --no-audit --no-fund
