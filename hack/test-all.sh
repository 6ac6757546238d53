#!/usr/bin/env bash
# Quick-start command 2 (and what CI runs): install what is missing, then type-check, lint, check import
# cycles and run every test project (unit, integration, e2e) against real etcd, redis-server, dockerd,
# docker-registry and kubectl.
set -euo pipefail
cd "$(dirname "$0")/.."
bash hack/install.sh
export PATH="$PWD/node_modules/.bin:$PATH"
hash -r
echo "== runtime: node $(node --version)"
echo "== build (tsc -> dist/)"
npm run --silent build
echo "== typecheck"
npx tsc --noEmit -p tsconfig.json
npx tsc -p dashboard/web/tsconfig.json
echo "== lint (eslint + prettier --check) and import cycles"
npm run --silent lint
npm run --silent check:cycles
echo "== tests"
npx vitest run --config test/vitest.config.ts --reporter=default
