#!/usr/bin/env bash
# npm run bench:peer: healthchecks (the open-source peer; SQLite and PostgreSQL) and edgebeat's
# ping benchmark, one after the other in the same sitting on this machine.
# The peer's scripts live in ../shared/peers/healthchecks; its source is not ours to ship:
# HC_SOURCE names a bare git directory or a tree of github.com/healthchecks/healthchecks
# (setup is skipped when /tmp/hcbench already holds a prepared one).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$EDGEBEAT_ROOT"
PEER="${HC_PEER_DIR:-$EDGEBEAT_ROOT/../shared/peers/healthchecks}"
SECONDS_EACH="${BENCH_SECONDS:-10}"
if [ ! -x "$PEER/bench.sh" ] && [ ! -f "$PEER/bench.sh" ]; then
  echo "bench:peer: no peer scripts at $PEER" >&2
  exit 2
fi
if [ ! -f /tmp/hcbench/uuids.txt ]; then
  bash "$PEER/setup.sh" ${HC_SOURCE:+"$HC_SOURCE"}
fi
mkdir -p bench/results
{
  echo "# $(date -u +%FT%TZ) bench:peer, ${SECONDS_EACH} s per run, $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
  bash "$PEER/bench.sh" sqlite "$SECONDS_EACH" | tail -1
  bash "$PEER/bench.sh" pg "$SECONDS_EACH" | tail -1
} | tee bench/results/peer.txt
bash scripts/bench.sh bench/beacon.mjs
