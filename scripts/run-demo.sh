#!/usr/bin/env bash
# The demo (`make run`): builds vigil, starts `vigil simulate` on 127.0.0.1:9471 playing six
# providers (see scripts/demo-scenarios.txt), and runs the daemon on examples/demo.yaml with its
# status page, API and metrics on http://127.0.0.1:9470. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh --build-deps-only vigil
build=${BUILD_DIR:-build}
state=${VIGIL_STATE_DIR:-.state}
mkdir -p "$state"
scenarios=()
while read -r line; do [[ -n "$line" ]] && scenarios+=(--scenario "$line"); done < scripts/demo-scenarios.txt
"$build/daemon/vigil" simulate --listen 127.0.0.1:9471 "${scenarios[@]}" &
sim=$!
trap 'kill "$sim" 2>/dev/null || true; wait "$sim" 2>/dev/null || true' EXIT
echo "vigil demo: status page http://127.0.0.1:9470  API http://127.0.0.1:9470/api/v1/providers" >&2
"$build/daemon/vigil" run --config examples/demo.yaml --state-dir "$state"
