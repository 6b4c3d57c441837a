#!/usr/bin/env bash
# Fails, naming the file and the statement, when a file under src/ other than a table's
# owners holds a statement that changes the monitors or pings table (INSERT, REPLACE, UPDATE,
# DELETE; in code, a string or a comment alike, so say "the monitor's row" in prose).
# README/STYLE: each table row has one writer, so a rule such as "mark for pruning" cannot be
# missed by a second path. Run by `npm test` before anything slow; alone:
# bash scripts/check-writers.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Today's writers of each table. The target (issue 16, item 1) is ONE owner module for the
# monitors row and one for pings; a later step gets there by moving these statements into
# it, and shrinks each list to that one file. Never add a file here to make the check pass.
monitors_writers=(
  src/edge/monitors.rs       # create, settings, pause, rotate, delete, status, a flush's counters
)
pings_writers=(
  src/edge/pings.rs          # the flush's insert, pruning's deletion
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
      echo "[check-writers] $file changes $table (\"$statement\"); only its owners may: ${*}" >&2
      failed=1
    fi
  done < <(find src -name '*.rs' | sort)
}
check monitors "${monitors_writers[@]}"
check pings "${pings_writers[@]}"

if [ "$failed" = 1 ]; then
  echo "[check-writers] move the statement into an owner (a function the other file calls)" >&2
  exit 1
fi
echo "[check-writers] monitors written by ${#monitors_writers[@]} files, pings by ${#pings_writers[@]}; no other writer"
