//! Deploy-time settings read from the environment's vars and secrets, one reader per shape, so every
//! setting is read alike (surrounding spaces ignored; unset or not a number means the default).

use worker::Env;

/// An integer var (a delay in ms, a limit, a count of days), or `None` when it is unset or
/// not a whole number.
pub fn integer(env: &Env, name: &str) -> Option<i64> {
    env.var(name).ok().and_then(|v| v.to_string().trim().parse().ok())
}

/// A text setting that may be a secret or a var (a mail API's key, its sender), trimmed;
/// `None` when it is unset or blank.
pub fn setting(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Where this deployment is reached (`PUBLIC_URL`, without a trailing slash), for the URLs in
/// answers and alerts. Never the Host header: any caller can set it and would get ping URLs
/// that point elsewhere. Unset, URLs are relative to wherever the caller reached edgebeat
/// (and alerts carry no link).
pub fn public_url(env: &Env) -> String {
    env.var("PUBLIC_URL")
        .map(|v| v.to_string().trim().trim_end_matches('/').to_string())
        .unwrap_or_default()
}

/// A switch var: on only when it is exactly `1`.
pub fn switched_on(env: &Env, name: &str) -> bool {
    env.var(name).is_ok_and(|v| v.to_string().trim() == "1")
}
