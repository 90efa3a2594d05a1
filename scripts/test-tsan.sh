#!/usr/bin/env bash
# The multi-threaded tests — integration and end-to-end, the real daemon included — under
# ThreadSanitizer, built with clang into $TSAN_BUILD_DIR (default build-tsan/). A data race or a
# lock-order inversion halts the process that has it, so its test fails. Suppressions (each
# explained) live in tests/sanitizers/tsan.supp. Left to the other runs: the unit tests
# (single-threaded logic), the package tests (they package the regular build), the soak (it
# measures timing, which TSan's slowdown would distort), the browser suite (Chromium and Node.js
# are not instrumented; the daemon's threads are exercised by every e2e test here), and
# History.TheDatabaseStopsGrowing… (one thread writing a million rows through the store: 15x
# slower under TSan, past its timeout, and with no second thread to race).
# .ci/run calls it after the test command (the two together stay inside CI's time limit).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${TSAN_BUILD_DIR:-build-tsan}
scripts/install-deps.sh
scripts/install-node-deps.sh
CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_TSAN=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=4:suppressions=$root/tests/sanitizers/tsan.supp"
cd "$build"
ctest -j"$(nproc)" --no-tests=error --output-on-failure --timeout 900 -L 'integration|e2e' -LE browser \
  -E '^(Soak\.|History\.TheDatabaseStopsGrowing)'
