#!/usr/bin/env bash
# Runs the project's pinned wrangler under Node 22.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$EDGEBEAT_ROOT"
exec "$EDGEBEAT_NODE" node_modules/wrangler/bin/wrangler.js "$@"
