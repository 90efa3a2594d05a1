#!/usr/bin/env bash
# Configures and builds Vigil into $BUILD_DIR (default build/), installing missing packages first.
#   scripts/build.sh [--build-deps-only] [cmake targets...]
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--build-deps-only" ]]; then
  scripts/install-deps.sh --build
  shift
else
  scripts/install-deps.sh
fi
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" ${CMAKE_ARGS:-} >/dev/null
if (($#)); then
  cmake --build "$build" -j"$(nproc)" --target "$@"
else
  cmake --build "$build" -j"$(nproc)"
fi
