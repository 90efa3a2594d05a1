#!/usr/bin/env bash
# Builds Vigil and soaks it: 30 minutes, 100 checks against `vigil simulate` with 5% injected
# network faults, thresholds 3/2, one real outage; prints false pages, missed pages and the
# detection time, and exits 1 unless there were none of either and detection was in its bound.
#   scripts/soak.sh [soak.py options, e.g. --minutes 10 --interval 2 --seed 7 --keep /tmp/soak]
# Not part of `make test` (which runs a 2-minute version, Soak.TwoMinutes).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh vigil
exec python3 scripts/soak.py --vigil "${BUILD_DIR:-build}/daemon/vigil" "$@"
