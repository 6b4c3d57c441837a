#!/usr/bin/env bash
# npm run bench: set up, build, then run the load benchmark against the real worker.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$EDGEBEAT_ROOT"
bash scripts/setup.sh
bash scripts/worker-build.sh > /dev/null
exec "$EDGEBEAT_NODE" bench/beacon.mjs "$@"
