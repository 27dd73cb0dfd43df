#!/usr/bin/env bash
# Everything `npm start` and `npm test` need on a fresh clone: packages and the Temporal binaries.
# Idempotent and quick when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

# `npm install`, not `npm ci`: npm 11 refuses `ci` when optional platform packages of a
# dependency (e.g. @swc/core's macOS builds) are absent from the lock file, which happens
# when the lock was written on a registry mirror that lacks them.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "› installing packages"
  npm install --no-audit --no-fund --loglevel=error
fi

echo "› Temporal binaries"
node_modules/.bin/tsx dev/temporal-binaries.ts
