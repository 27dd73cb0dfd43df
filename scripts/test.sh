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
# The longest files first, so that none of them starts last and holds the run alone at its end
# (the run ends with "slowest test files": keep this list in step with it).
slow_first=(
  test/scripts/demo.test.ts
  test/chaos/fault-injection.test.ts
  test/replay/billed-waste.test.ts
  test/integration/schemathesis.test.ts
  test/integration/relay.test.ts
  test/journeys/abandoned-cart.test.ts
  test/journeys/post-purchase.test.ts
  test/guardrails/no-marketing-leak.property.test.ts
)
mapfile -t rest < <(find test -name '*.test.ts' -o -name '*.test.tsx' | sort | grep -vxF -f <(printf '%s\n' "${slow_first[@]}"))
files=()
for f in "${slow_first[@]}"; do [[ -f "$f" ]] && files+=("$f"); done
files+=("${rest[@]}")
# A test that hangs (an activity a fake lacks, retried forever) fails after 5 minutes instead
# of holding the whole run until CI's limit.
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-3}" --test-timeout="${TEST_TIMEOUT_MS:-300000}" \
  --test-reporter="$([[ -t 1 ]] && echo spec || echo tap)" --test-reporter-destination=stdout \
  --test-reporter=./scripts/slowest-test-files.mjs --test-reporter-destination=stdout \
  "${files[@]}"
