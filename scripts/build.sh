#!/usr/bin/env bash
# `npm run build`: the production build in dist/, run by the Dockerfile's build stage.
#   dist/**/*.js               TypeScript compiled by tsc (tsconfig.build.json)
#   dist/workflow-bundle.js    the workflow bundle, built here so the worker starts without webpack
#   dist/db/migrations, dist/content, dist/api/dashboard   the files the compiled code reads next to itself
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist
node_modules/.bin/tsc -p tsconfig.build.json
node_modules/.bin/tsx scripts/bundle-workflows.ts dist/workflow-bundle.js
mkdir -p dist/db && cp -r db/migrations dist/db/
cp -r content dist/
mkdir -p dist/api && cp -r api/dashboard dist/api/
echo "› built dist/"
