#!/usr/bin/env bash
# Quick-start command 1: install everything, then bring up a local federation
# (federation API server + two member clusters with real Docker kubelets + DNS) in the background.
# `npm run down` stops it. State and logs live in .flotilla/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash hack/install.sh
# the Node 24 runtime from node_modules (npm run already puts it first; this also covers `bash hack/setup.sh`)
export PATH="$PWD/node_modules/.bin:$PATH"
hash -r
npm run --silent build
node --enable-source-maps dist/hack/local-up.js --detach "$@"
