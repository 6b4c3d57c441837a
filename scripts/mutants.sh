#!/usr/bin/env bash
# npm run mutants [-- extra cargo-mutants args]: mutation testing of the pure core, natively.
# Each mutant is a small bug put into src/core; a mutant the native tests do not catch
# points at behaviour nothing checks. One file: npm run mutants -- --file src/core/heartbeat/status.rs
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$EDGEBEAT_ROOT"

CARGO_MUTANTS_VERSION=27.1.0

installed="$("$EDGEBEAT_TOOLS/bin/cargo-mutants" mutants --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1 || true)"
if [ "$installed" != "$CARGO_MUTANTS_VERSION" ]; then
  echo "[mutants] installing cargo-mutants $CARGO_MUTANTS_VERSION (once per machine, a few minutes)" >&2
  cargo install cargo-mutants --version "$CARGO_MUTANTS_VERSION" --locked --root "$EDGEBEAT_TOOLS" >&2
fi

# Each mutant runs the whole native suite: sixteen cases per property keep that quick
# (the named tests are what must catch a mutant; `npm run fuzz` runs the properties long).
export PROPTEST_CASES="${PROPTEST_CASES:-16}"
# No debug info: each mutant relinks the test binary, and faster without it.
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-0}"
# The machine is shared: one mutant at a time by default (MUTANTS_JOBS=2 to go faster).
# Without --file arguments every file under src/core is mutated (.cargo/mutants.toml).
exec cargo mutants --jobs "${MUTANTS_JOBS:-1}" "$@"
