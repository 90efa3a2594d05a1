#!/usr/bin/env bash
# Installs every Debian package Vigil's build and tests need. Idempotent: when nothing is missing it
# touches nothing (no network); otherwise it runs `apt-get update` first, then installs only what is
# missing. Works as root, and through sudo otherwise.
#
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --build  build dependencies only (enough for `make run`)
#   scripts/install-deps.sh --deb    build dependencies and the packaging tools (`make deb`)
set -euo pipefail

build_pkgs=(
  g++ cmake ninja-build pkg-config make
  libpoco-dev libssl-dev libsqlite3-dev libpq-dev
  prometheus-cpp-dev libyaml-cpp-dev libvalijson-dev libhowardhinnant-date-dev
  libgtest-dev libgmock-dev
  ca-certificates
)
test_pkgs=(
  clang libclang-rt-14-dev        # libFuzzer targets
  prometheus                      # promtool check metrics
  prometheus-alertmanager         # a real Alertmanager for the alert tests
  python3 openssl curl procps     # test scripts and receivers
  systemd                         # systemd-analyze verify / security
  json-schema-test-suite          # the official JSON Schema test suite
  postgresql                      # the shared-store tests
  dpkg-dev lintian help2man       # the package tests (`make deb` needs these too)
  chromium fonts-dejavu-core      # the status page in a real browser (tests/browser/)
)
deb_pkgs=(dpkg-dev help2man lintian python3 binutils)   # shlibdeps, man page, lint, changelog, strip

pkgs=("${build_pkgs[@]}")
case "${1:-}" in
  --build) ;;
  --deb) pkgs+=("${deb_pkgs[@]}") ;;
  *) pkgs+=("${test_pkgs[@]}") ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node.js may come from another source whose nodejs package bundles npm (and conflicts with
# Debian's npm), so it is checked by command, not by package.
if [[ -z "${1:-}" ]] && ! command -v npm >/dev/null; then
  missing+=(nodejs npm)         # oauth2-mock-server for the auth tests, playwright-core for tests/browser
fi
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
