#!/usr/bin/env bash
# Builds (RelWithDebInfo) and runs the benchmarks; prints their figures.
#   scripts/bench.sh [probe_bench options, e.g. --checks 1000 --seconds 30]
#   scripts/bench.sh history [history_bench options, e.g. --days 30]
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "history" ]]; then
  shift
  scripts/build.sh history_bench vigil
  exec "${BUILD_DIR:-build}/bench/history_bench" "$@"
fi
scripts/build.sh probe_bench vigil
"${BUILD_DIR:-build}/bench/probe_bench" "$@"
