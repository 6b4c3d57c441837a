//! Fault injection for the durability specs: a route that panics, so a spec can reset the
//! Wasm application under load. It exists only where the `EDGEBEAT_FAULTS` var is "1" (the
//! specs set it; wrangler.toml and deployments never do).

use crate::edge::vars;
use worker::Env;

pub const PANIC_PATH: &str = "/__faults/panic";

pub fn enabled(env: &Env) -> bool {
    vars::switched_on(env, "EDGEBEAT_FAULTS")
}

/// Panics (an abort in Wasm: the runtime resets the application) when faults are enabled.
pub fn inject(path: &str, env: &Env) {
    if path == PANIC_PATH && enabled(env) {
        panic!("injected panic at {PANIC_PATH}");
    }
}
