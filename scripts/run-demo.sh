#!/usr/bin/env bash
# The demo (`make run`): builds vigil, starts `vigil simulate` on 127.0.0.1:9471 playing six
# providers (see scripts/demo-scenarios.txt), and runs the daemon on examples/demo.yaml with its
# status page, API and metrics on http://127.0.0.1:9470. Ctrl-C (SIGINT) or SIGTERM stops both.
# Overrides (the end-to-end test uses them): VIGIL_DEMO_PORT, VIGIL_DEMO_SIM_PORT, VIGIL_STATE_DIR,
# and VIGIL_BINARY (a vigil already built: nothing is installed or built).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
vigil=${VIGIL_BINARY:-$build/daemon/vigil}
[[ -n "${VIGIL_BINARY:-}" ]] || scripts/build.sh --build-deps-only vigil
port=${VIGIL_DEMO_PORT:-9470}
sim_port=${VIGIL_DEMO_SIM_PORT:-9471}
state=${VIGIL_STATE_DIR:-.state}
mkdir -p "$state"
config=examples/demo.yaml
if [[ "$sim_port" != 9471 ]]; then  # the providers' base_urls name the simulator's port
  config="$state/demo-$sim_port.yaml"
  sed "s#127\.0\.0\.1:9471#127.0.0.1:$sim_port#g" examples/demo.yaml > "$config"
fi
scenarios=()
while read -r line; do [[ -n "$line" ]] && scenarios+=(--scenario "$line"); done < scripts/demo-scenarios.txt
# Background jobs of a script ignore SIGINT, so the signal is forwarded as SIGTERM: both stop,
# and the script exits with the daemon's exit code (0 after a clean drain).
"$vigil" simulate --listen "127.0.0.1:$sim_port" "${scenarios[@]}" &
sim=$!
daemon=
stop() { kill -TERM "$sim" $daemon 2>/dev/null || true; }
trap stop INT TERM
trap 'stop; wait' EXIT
echo "vigil demo: status page http://127.0.0.1:$port  API http://127.0.0.1:$port/api/v1/providers" >&2
"$vigil" run --config "$config" --state-dir "$state" --listen "127.0.0.1:$port" &
daemon=$!
rc=0
# `wait` returns early when a trapped signal arrives; wait again for the daemon's drain and exit.
while kill -0 "$daemon" 2>/dev/null; do
  if wait "$daemon"; then rc=0; else rc=$?; fi
done
exit "$rc"
