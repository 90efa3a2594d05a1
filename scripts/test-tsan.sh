#!/usr/bin/env bash
# The multi-threaded tests — integration and end-to-end, the real daemon included — under
# ThreadSanitizer, built with clang into $TSAN_BUILD_DIR (default build-tsan/). A data race or a
# lock-order inversion halts the process that has it, so its test fails. Suppressions (each
# explained) live in tests/sanitizers/tsan.supp. The unit tests are single-threaded logic, the
# package tests package the regular build, and the soak measures timing (which TSan's slowdown
# would distort): those are left to the other runs.
# Run on its own; not yet called by scripts/test.sh (see README, Development).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${TSAN_BUILD_DIR:-build-tsan}
scripts/install-deps.sh
CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_TSAN=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=4:suppressions=$root/tests/sanitizers/tsan.supp"
cd "$build"
ctest -j"$(nproc)" --no-tests=error --output-on-failure --timeout 900 -L 'integration|e2e' -E '^Soak\.'
