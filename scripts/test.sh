#!/usr/bin/env bash
# npm test: set up, run the native core tests, build the worker once, then run the
# integration specs against it in workerd (local D1 + Durable Objects).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$EDGEBEAT_ROOT"
# First, since it takes a moment: no tool output tracked by git.
bash scripts/check-tree.sh
# Seconds too: imports point down the README's layers with no circle; each table's writers.
node scripts/check-imports.mjs
bash scripts/check-writers.sh
bash scripts/setup.sh
# The browser spec drives Debian's Chromium; install it when this machine can (root + apt).
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
  echo "[setup] installing Debian's chromium for the browser spec" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } > .chromium-install.log 2>&1 \
    || echo "[setup] could not install chromium (see .chromium-install.log): the browser spec will be skipped" >&2
fi

# The metrics spec checks the exposition with promtool, from Debian's prometheus package.
if ! command -v promtool > /dev/null && [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
  echo "[setup] installing Debian's prometheus (for promtool) for the metrics spec" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; } > .promtool-install.log 2>&1 \
    || echo "[setup] could not install prometheus (see .promtool-install.log): the promtool check will be skipped" >&2
fi

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
