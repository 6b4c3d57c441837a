#!/usr/bin/env bash
# Idempotent, pinned setup using only the package registries. Safe to run on every start/test.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$EDGEBEAT_ROOT"

say() { printf '[setup] %s\n' "$*" >&2; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown >&2
fi

# npm packages (wrangler, Node 22, esbuild, binaryen, autocannon) from package-lock.json.
if [ ! -x "$EDGEBEAT_NODE" ] || [ ! -x node_modules/.bin/wrangler ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund >&2
fi

installed_version() { # tool -> version printed by `tool --version`, or nothing
  [ -x "$EDGEBEAT_TOOLS/bin/$1" ] && "$EDGEBEAT_TOOLS/bin/$1" --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1 || true
}

if [ "$(installed_version worker-build)" != "$WORKER_BUILD_VERSION" ]; then
  say "installing worker-build $WORKER_BUILD_VERSION (once per machine, a few minutes)"
  cargo install worker-build --version "$WORKER_BUILD_VERSION" --locked --root "$EDGEBEAT_TOOLS" >&2
fi

# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)"
if [ "$(installed_version wasm-bindgen)" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (once per machine, a few minutes)"
  # No --locked: its lockfile names a crate version the registry index lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --root "$EDGEBEAT_TOOLS" >&2
fi

# schemathesis in a venv of its own, pinned; only a missing python3 skips it (and the spec
# says so when it runs).
if command -v python3 > /dev/null; then
  if ! "$EDGEBEAT_SCHEMATHESIS" --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION"; then
    venv="$(dirname "$(dirname "$EDGEBEAT_SCHEMATHESIS")")"
    say "installing schemathesis $SCHEMATHESIS_VERSION into $venv (once per machine)"
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
  fi
else
  say "python3 is missing: the OpenAPI conformance spec (schemathesis) will be skipped"
fi

if [ ! -f .dev.vars ]; then
  say "creating .dev.vars from .dev.vars.example (local ADMIN_TOKEN)"
  # Everything but the example's session secret: this machine gets its own, below.
  grep -v '^SESSION_SECRET=' .dev.vars.example > .dev.vars
fi
if ! grep -q '^PUBLIC_URL=' .dev.vars; then
  say "adding PUBLIC_URL to .dev.vars (the base of ping URLs in answers)"
  grep '^PUBLIC_URL=' .dev.vars.example >> .dev.vars
fi
if ! grep -q '^WEBHOOK_HOSTS=' .dev.vars; then
  say "adding WEBHOOK_HOSTS to .dev.vars (local webhook receivers; internal hosts are refused unless named)"
  grep '^WEBHOOK_HOSTS=' .dev.vars.example >> .dev.vars
fi
if ! grep -q '^SESSION_SECRET=' .dev.vars; then
  say "adding a random SESSION_SECRET to .dev.vars (it signs dashboard session cookies)"
  echo "SESSION_SECRET=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')" >> .dev.vars
fi
