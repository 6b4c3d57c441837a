#!/usr/bin/env bash
# The wrangler.toml build command: worker-build with pinned, local tools (no downloads).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$EDGEBEAT_ROOT"
# The OpenAPI document is a static asset (Workers Static Assets serves public/ before the
# worker runs): minified from the readable openapi.json the repository keeps, out of the wasm.
"$EDGEBEAT_NODE" -e 'const fs = require("fs");
fs.writeFileSync("public/openapi.json", JSON.stringify(JSON.parse(fs.readFileSync("openapi.json", "utf8"))));'
worker-build --release
# A few of binaryen's passes, not its -O pipeline: -O makes this wasm ~10% smaller raw and
# ~10% larger gzipped (the size the platform counts), while these only merge identical
# functions and fold or drop redundant code, 542,682 -> 537,922 bytes gzip on 2026-12-05
# (docs/wasm-size.md). -g keeps the function names stack traces show.
"$WASM_OPT_BIN" --all-features -g --duplicate-function-elimination --reorder-locals --code-folding \
  --optimize-instructions --remove-unused-brs --dce --vacuum --merge-blocks --coalesce-locals --reorder-locals \
  build/index_bg.wasm -o build/index_bg.wasm
