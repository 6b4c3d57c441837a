#!/usr/bin/env bash
# npm test: set up, run the native core tests, build the worker once, then run the
# integration specs against it in workerd (local D1 + Durable Objects).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$EDGEBEAT_ROOT"
bash scripts/setup.sh

echo "== native core tests (cargo test)"
cargo test --quiet

echo "== building the worker (wrangler deploy --dry-run runs worker-build)"
export EDGEBEAT_PREBUILT="$EDGEBEAT_ROOT/.wrangler/dist"
mkdir -p .wrangler
bash scripts/wrangler.sh deploy --dry-run --outdir "$EDGEBEAT_PREBUILT" > .wrangler/build.log 2>&1 || { cat .wrangler/build.log; exit 1; }
grep -E "Total Upload" .wrangler/build.log || true

echo "== integration tests (node --test, real worker in workerd)"
specs=("${@:-tests/*.test.mjs}")
# shellcheck disable=SC2068
exec "$EDGEBEAT_NODE" --test --test-concurrency=2 --test-reporter=spec ${specs[@]}
