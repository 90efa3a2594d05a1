#!/usr/bin/env bash
# Builds (RelWithDebInfo) and runs the benchmarks; prints their figures.
#   scripts/bench.sh [probe_bench options, e.g. --checks 1000 --seconds 30]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh probe_bench vigil
"${BUILD_DIR:-build}/bench/probe_bench" "$@"
