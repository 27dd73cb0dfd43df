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

# System tools some tests use, from Debian's archive (CI: a clean clone, registries only).
# Installed only where apt-get can run as root; elsewhere those tests say why they skip.
apt_install() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 0
  echo "› apt-get install $*"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >/dev/null 2>&1; then
    apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >/dev/null
  fi
}
# `docker compose config` checks docker-compose.yml where docker is installed.
if command -v docker >/dev/null && ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null; then
  apt_install docker-compose
fi

# Schemathesis fuzzes the running API from its OpenAPI document in `npm test` (pinned; PyPI).
SCHEMATHESIS_VERSION=4.32.5
if [ ! -x .tools/schemathesis/bin/st ] || ! grep -qx "$SCHEMATHESIS_VERSION" .tools/schemathesis/VERSION 2>/dev/null; then
  echo "› schemathesis $SCHEMATHESIS_VERSION"
  python3 -m venv .tools/schemathesis
  .tools/schemathesis/bin/pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  echo "$SCHEMATHESIS_VERSION" > .tools/schemathesis/VERSION
fi

# Headless Chromium for the Temporal UI test (driven by playwright-core, which downloads no browser).
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  apt_install chromium
fi
