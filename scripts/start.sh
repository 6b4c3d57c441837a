#!/usr/bin/env bash
# npm start: set up, build, apply D1 migrations locally, serve on http://127.0.0.1:8787.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$EDGEBEAT_ROOT/scripts/setup.sh"
bash "$EDGEBEAT_ROOT/scripts/wrangler.sh" d1 migrations apply DB --local
exec bash "$EDGEBEAT_ROOT/scripts/wrangler.sh" dev --ip 127.0.0.1 --port "${PORT:-8787}" "$@"
