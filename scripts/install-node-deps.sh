#!/usr/bin/env bash
# Installs the pinned npm packages of every test folder that has a package-lock.json (tests/oauth:
# a third-party OAuth2 token server; tests/browser: playwright-core and axe-core), with `npm ci`,
# only where what is installed does not match the lock file. Node.js and npm come from
# scripts/install-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
for lock in tests/*/package-lock.json; do
  dir=$(dirname "$lock")
  if ! (cd "$dir" && npm ls --depth=0 >/dev/null 2>&1); then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
