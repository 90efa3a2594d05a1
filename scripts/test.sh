#!/usr/bin/env bash
# The test command (`make test`): installs every missing package, builds everything, and runs
# every test through ctest — unit, integration, end-to-end with the real binary, promtool on
# /metrics, the systemd unit and package checks, a 2-minute soak. Then the same suite under
# AddressSanitizer + UBSan with every fuzz target (scripts/test-sanitizers.sh; VIGIL_SANITIZERS=0
# skips it). Servers the tests need are started by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
# A token server nobody on this team wrote, for the OAuth2 tests (pinned in tests/oauth/).
if ! (cd tests/oauth && npm ls --depth=0 >/dev/null 2>&1); then
  (cd tests/oauth && npm ci --no-audit --no-fund --loglevel=error)
fi
build=${BUILD_DIR:-build}
(cd "$build" && ctest -j"$(nproc)" --no-tests=error --output-on-failure --timeout 300)
if [[ ${VIGIL_SANITIZERS:-1} != 0 ]]; then
  scripts/test-sanitizers.sh
fi
