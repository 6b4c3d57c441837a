//! Deploy-time settings read from the environment's vars, one reader per shape, so every
//! setting is read alike (surrounding spaces ignored; unset or not a number means the default).

use worker::Env;

/// An integer var (a delay in ms, a limit, a count of days), or `None` when it is unset or
/// not a whole number.
pub fn integer(env: &Env, name: &str) -> Option<i64> {
    env.var(name).ok().and_then(|v| v.to_string().trim().parse().ok())
}

/// A switch var: on only when it is exactly `1`.
pub fn switched_on(env: &Env, name: &str) -> bool {
    env.var(name).is_ok_and(|v| v.to_string().trim() == "1")
}
