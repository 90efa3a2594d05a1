#!/usr/bin/env bash
# The long variants of the crash, outage and abuse campaign (tests/e2e/campaign_test.cc) against
# the real binary of the regular build: 50 SIGKILLs at random moments under load, a receiver that
# refuses connections for 10 minutes, and 5 minutes of 800 slowloris connections plus garbage.
# Prints each test's figures. The test run (`make test`) runs the short variants.
#   scripts/campaign.sh [KILLS [OUTAGE_SECONDS [ABUSE_SECONDS]]]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh vigil vigil_e2e_tests
export VIGIL_CRASH_KILLS=${1:-50} VIGIL_OUTAGE_SECONDS=${2:-600} VIGIL_ABUSE_SECONDS=${3:-300}
export VIGIL_ABUSE_CONNECTIONS=${VIGIL_ABUSE_CONNECTIONS:-800} VIGIL_CRASH_SEED=${VIGIL_CRASH_SEED:-$RANDOM}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
"${BUILD_DIR:-build}"/tests/vigil_e2e_tests --gtest_filter='CampaignE2E.*' >"$log" 2>&1
rc=$?
set -e
grep -E '^(crash campaign|receiver outage|abuse):|^\[  (PASSED|FAILED) |Failure|Expected|Which is|actual' "$log" || true
exit $rc
