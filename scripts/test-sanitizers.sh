#!/usr/bin/env bash
# The suite again under AddressSanitizer + UndefinedBehaviorSanitizer, built with clang into
# $SANITIZE_BUILD_DIR (default build-asan/) with libFuzzer instrumentation, and every fuzz target
# for a bounded time (Fuzz.*). Any sanitizer report fails its test: ASan and UBSan halt with an
# error, LeakSanitizer makes the exit code non-zero. Suppressions (each explained) live in
# tests/sanitizers/. The package tests are left to the regular build (they package its binary),
# and so is the browser suite (Chromium and Node.js are not ours to instrument; the page code
# runs under ASan in PageE2E and the API tests).
# Called by scripts/test.sh after the regular suite; runs on its own as well.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${SANITIZE_BUILD_DIR:-build-asan}
scripts/install-deps.sh
scripts/install-node-deps.sh
CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_SANITIZE=ON -DVIGIL_FUZZ=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0:strict_string_checks=1:check_initialization_order=1
export LSAN_OPTIONS=suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$root/tests/sanitizers/ubsan.supp
cd "$build"
ctest -j"$(nproc)" --no-tests=error --output-on-failure --timeout 600 -LE 'package|browser'
