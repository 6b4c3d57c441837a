#!/usr/bin/env bash
# npm run fuzz [-- test filter]: the core's property tests (every `properties` module under
# src/core), run long. `cargo test` runs the same properties with a few hundred cases each;
# here each gets PROPTEST_CASES (200000 unless set).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$EDGEBEAT_ROOT"

export PROPTEST_CASES="${PROPTEST_CASES:-200000}"
# Optimised, but still with overflow checks and debug assertions: an overflow on user input
# is a panic in a debug build, so it must fail here too. No LTO: it only slows the build.
for profile in RELEASE BENCH; do
  export "CARGO_PROFILE_${profile}_OVERFLOW_CHECKS=true" "CARGO_PROFILE_${profile}_DEBUG_ASSERTIONS=true"
  export "CARGO_PROFILE_${profile}_LTO=false" "CARGO_PROFILE_${profile}_CODEGEN_UNITS=16" "CARGO_PROFILE_${profile}_OPT_LEVEL=3"
done

filter="${1:-properties::}"
properties="$(cargo test --release --lib --quiet "$filter" -- --list 2>/dev/null | grep -c ': test$')"
echo "[fuzz] $properties properties x $PROPTEST_CASES cases" >&2
start=$(date +%s)
cargo test --release --lib "$filter"
echo "[fuzz] $((properties * PROPTEST_CASES)) cases passed in $(($(date +%s) - start)) s" >&2
