#!/usr/bin/env bash
# Quick-start command 1: install everything, then bring up a local federation
# (federation API server + two member clusters with real Docker kubelets + DNS) in the background.
# `npm run down` stops it. State and logs live in .flotilla/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash hack/install.sh
npx tsx hack/local-up.ts --detach "$@"
