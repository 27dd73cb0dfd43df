#!/usr/bin/env bash
# The README's test command (`npm test`): setup, type check, the production build (the
# compiled-stack test runs dist/), then every test file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "› type check"
node_modules/.bin/tsc --noEmit

echo "› build"
bash scripts/build.sh > /dev/null

echo "› tests"
mapfile -t files < <(find test -name '*.test.ts' -o -name '*.test.tsx' | sort)
# A test that hangs (an activity a fake lacks, retried forever) fails after 5 minutes instead
# of holding the whole run until CI's limit.
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-3}" --test-timeout="${TEST_TIMEOUT_MS:-300000}" "${files[@]}"
