#!/usr/bin/env bash
# Fails, naming the files, when git tracks what tools write: mutation-testing and benchmark
# results, test artifacts, builds, dependencies, logs, screenshots. Such files bloat every
# clone and go stale at once; .gitignore keeps new ones out, this catches a forced add.
# Run by `npm test` before anything slow; alone: bash scripts/check-tree.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  echo "[check-tree] not a git checkout: nothing is tracked, nothing to check" >&2
  exit 0
fi

# One extended regex per kind of tool output, matched against each tracked path.
patterns=(
  '(^|/)mutants\.out[^/]*/'   # cargo-mutants
  '^bench/results/'           # benchmark runs
  '^tests/artifacts/'         # what failing specs leave behind
  '(^|/)\.wrangler/'          # wrangler's build and local state
  '(^|/)target/'              # cargo
  '(^|/)build/'               # worker-build
  '(^|/)node_modules/'        # npm
  '\.log$'                    # any log
)
# Screenshots belong to the dashboard (public/) or the docs (docs/) only.
stray_png='^(public|docs)/'

tracked="$(git -c core.quotePath=false ls-files)"
offenders="$(
  {
    for pattern in "${patterns[@]}"; do
      grep -E -- "$pattern" <<< "$tracked" || true
    done
    grep -E -i -- '\.png$' <<< "$tracked" | grep -E -v -- "$stray_png" || true
  } | sort -u
)"

if [ -n "$offenders" ]; then
  echo "[check-tree] git tracks tool output; untrack it (git rm --cached) and keep it ignored:" >&2
  sed 's/^/  /' <<< "$offenders" >&2
  exit 1
fi
echo "[check-tree] no tool output is tracked"
