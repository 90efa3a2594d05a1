#!/usr/bin/env bash
# Builds the fuzz targets (clang, ASan + UBSan) and runs each for 10 minutes (MINUTES to change),
# printing executions and coverage per target; exits non-zero on any finding.
#   scripts/fuzz-long.sh [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SANITIZE_BUILD_DIR:-build-asan}
scripts/install-deps.sh --build
CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_SANITIZE=ON -DVIGIL_FUZZ=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzz_targets
exec scripts/fuzz.sh "$build" $((${MINUTES:-10} * 60)) "$@"
