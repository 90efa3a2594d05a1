#!/usr/bin/env bash
# The test command (`make test`): installs every missing package, builds everything, and runs
# every test through ctest — unit, integration, end-to-end with the real binary, promtool on
# /metrics and the systemd unit checks. Servers the tests need are started by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
# A token server nobody on this team wrote, for the OAuth2 tests (pinned in tests/oauth/).
if ! (cd tests/oauth && npm ls --depth=0 >/dev/null 2>&1); then
  (cd tests/oauth && npm ci --no-audit --no-fund --loglevel=error)
fi
build=${BUILD_DIR:-build}
cd "$build"
ctest -j"$(nproc)" --no-tests=error --output-on-failure --timeout 300
