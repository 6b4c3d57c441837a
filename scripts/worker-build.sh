#!/usr/bin/env bash
# The wrangler.toml build command: worker-build with pinned, local tools (no downloads).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$EDGEBEAT_ROOT"
exec worker-build --release
