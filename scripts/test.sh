#!/usr/bin/env bash
# The test command (`make test`): installs every missing package, builds everything, and runs
# every test through ctest — unit, integration, end-to-end with the real binary, promtool on
# /metrics, the systemd unit and package checks, a 2-minute soak, the status page in chromium
# (tests/browser/). Then the same suite under AddressSanitizer + UBSan with every fuzz target
# (scripts/test-sanitizers.sh; VIGIL_SANITIZERS=0 skips it). Servers the tests need are started
# by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
# The tests' pinned npm packages: a token server nobody on this team wrote (tests/oauth/), and
# playwright-core and axe-core for the status page in Debian's chromium (tests/browser/).
scripts/install-node-deps.sh
build=${BUILD_DIR:-build}
(cd "$build" && ctest -j"$(nproc)" --no-tests=error --output-on-failure --timeout 300)
if [[ ${VIGIL_SANITIZERS:-1} != 0 ]]; then
  scripts/test-sanitizers.sh
fi
