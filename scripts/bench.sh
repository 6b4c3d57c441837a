#!/usr/bin/env bash
# npm run bench [-- script]: set up, build, then run a benchmark against the real worker
# (bench/beacon.mjs by default; npm run bench:sweep runs bench/sweep.mjs).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$EDGEBEAT_ROOT"
bash scripts/setup.sh
bash scripts/worker-build.sh > /dev/null
exec "$EDGEBEAT_NODE" "${1:-bench/beacon.mjs}" "${@:2}"
