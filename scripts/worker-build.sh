#!/usr/bin/env bash
# The wrangler.toml build command: worker-build with pinned, local tools (no downloads).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$EDGEBEAT_ROOT"
# The OpenAPI document is a static asset (Workers Static Assets serves public/ before the
# worker runs): minified from the readable openapi.json the repository keeps, out of the wasm.
"$EDGEBEAT_NODE" -e 'const fs = require("fs");
fs.writeFileSync("public/openapi.json", JSON.stringify(JSON.parse(fs.readFileSync("openapi.json", "utf8"))));'
exec worker-build --release
