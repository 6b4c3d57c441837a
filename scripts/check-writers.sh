#!/usr/bin/env bash
# Fails, naming the file and the statement, when a file under src/ other than a table's
# owner holds a statement that changes the monitors or pings table (INSERT, REPLACE, UPDATE,
# DELETE; in code, a string or a comment alike, so say "the monitor's row" in prose).
# README/STYLE: each table row has one writer, so a rule such as "mark for pruning" cannot be
# missed by a second path. Run by `npm test` before anything slow; alone:
# bash scripts/check-writers.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Each table's one writer (issue 16, item 1): every statement that changes a row lives in
# its owner, and other modules call the owner's functions (which may hand back a statement
# for the caller's batch). Never add a file here to make the check pass: move the statement.
monitors_writers=(
  src/edge/heartbeat/monitors.rs  # create, settings, pause, token, delete, status, flush counters, pruning mark and count
)
pings_writers=(
  src/edge/heartbeat/pings.rs     # the flush's insert, pruning's deletion
)

# A statement that changes table $1: the verb, whitespace (or a string's line continuation),
# then the table name, maybe schema-qualified or quoted, as a whole word.
changes() {
  local table="$1"
  printf '%s' "(insert([[:space:]]+or[[:space:]]+[a-z]+)?[[:space:]]+into|replace[[:space:]]+into|update([[:space:]]+or[[:space:]]+[a-z]+)?|delete[[:space:]]+from)[[:space:]\\\\]+([a-z_]+\\.)?[\"\`[]?${table}([^a-z0-9_]|\$)"
}

failed=0
check() {
  local table="$1"
  shift
  local owners=" $* "
  local file statement
  while IFS= read -r file; do
    [[ "$owners" == *" $file "* ]] && continue
    # Whitespace collapsed, so a statement split over lines is still one match.
    statement="$(tr -s '[:space:]' ' ' < "$file" | { grep -oiE -- "$(changes "$table")" || true; } | head -n 1)"
    if [ -n "$statement" ]; then
      echo "[check-writers] $file changes $table (\"$statement\"); only its owner may: ${*}" >&2
      failed=1
    fi
  done < <(find src -name '*.rs' | sort)
}
check monitors "${monitors_writers[@]}"
check pings "${pings_writers[@]}"

if [ "$failed" = 1 ]; then
  echo "[check-writers] move the statement into the owner (a function the other file calls)" >&2
  exit 1
fi
echo "[check-writers] monitors written only by ${monitors_writers[*]}, pings only by ${pings_writers[*]}"
