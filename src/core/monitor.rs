//! What a heartbeat monitor is made of, and the checks on a request to create one.

use serde_json::{Map, Value};

use super::validation::{optional_bool, optional_integer, required_text, Checked};

pub const MIN_INTERVAL_S: i64 = 60;
pub const MAX_INTERVAL_S: i64 = 365 * 86_400;
pub const MAX_GRACE_S: i64 = 365 * 86_400;
/// Grace when a request names none: one minute, enough for a cron job's start-up jitter.
pub const DEFAULT_GRACE_S: i64 = 60;
pub const MAX_NAME_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMonitor {
    pub name: String,
    pub interval_s: i64,
    pub grace_s: i64,
    pub enabled: bool,
    /// Methods the heartbeat ping route accepts (seed 001's `methods`).
    pub methods: Vec<String>,
}

pub const PING_METHODS: [&str; 3] = ["GET", "POST", "HEAD"];

/// A non-empty list drawn from GET, POST and HEAD (any case), without repeats.
pub fn parse_methods(body: &Map<String, Value>) -> Checked<Option<Vec<String>>> {
    let Some(raw) = body.get("methods").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let invalid = || super::validation::FieldError::new("methods", "must be a non-empty list of GET, POST, HEAD");
    let list = raw.as_array().filter(|l| !l.is_empty()).ok_or_else(invalid)?;
    let mut methods = Vec::new();
    for item in list {
        let method = item
            .as_str()
            .map(str::to_ascii_uppercase)
            .filter(|m| PING_METHODS.contains(&m.as_str()))
            .ok_or_else(invalid)?;
        if !methods.contains(&method) {
            methods.push(method);
        }
    }
    Ok(Some(methods))
}

pub fn parse_new_monitor(body: &Map<String, Value>) -> Checked<NewMonitor> {
    let name = required_text(body, "name", MAX_NAME_CHARS)?;
    let interval_s = optional_integer(body, "interval", MIN_INTERVAL_S, MAX_INTERVAL_S)?
        .ok_or_else(|| super::validation::FieldError::new("interval", "is required"))?;
    let grace_s = optional_integer(body, "grace", 0, MAX_GRACE_S)?.unwrap_or(DEFAULT_GRACE_S);
    let enabled = optional_bool(body, "enabled")?.unwrap_or(true);
    let methods = parse_methods(body)?.unwrap_or_else(|| PING_METHODS.map(String::from).to_vec());
    Ok(NewMonitor {
        name,
        interval_s,
        grace_s,
        enabled,
        methods,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Checked<NewMonitor> {
        parse_new_monitor(v.as_object().unwrap())
    }

    #[test]
    fn a_minimal_monitor_gets_defaults() {
        let m = parse(json!({"name": "backup", "interval": 3600})).unwrap();
        assert_eq!(m.name, "backup");
        assert_eq!((m.interval_s, m.grace_s, m.enabled), (3600, DEFAULT_GRACE_S, true));
        assert_eq!(m.methods, ["GET", "POST", "HEAD"]);
    }

    #[test]
    fn interval_bounds_are_60_seconds_to_365_days() {
        assert_eq!(
            parse(json!({"name": "x", "interval": 59})).unwrap_err().field,
            "interval"
        );
        assert!(parse(json!({"name": "x", "interval": 60})).is_ok());
        assert!(parse(json!({"name": "x", "interval": 31_536_000})).is_ok());
        assert!(parse(json!({"name": "x", "interval": 31_536_001})).is_err());
        assert_eq!(parse(json!({"name": "x"})).unwrap_err().message, "is required");
    }

    #[test]
    fn methods_are_a_subset_of_get_post_head() {
        let m = parse(json!({"name": "x", "interval": 60, "methods": ["get", "GET", "post"]})).unwrap();
        assert_eq!(m.methods, ["GET", "POST"]);
        for bad in [json!([]), json!(["PUT"]), json!("GET"), json!([1])] {
            let err = parse(json!({"name": "x", "interval": 60, "methods": bad})).unwrap_err();
            assert_eq!(err.field, "methods");
        }
    }

    #[test]
    fn grace_and_enabled_are_checked() {
        assert_eq!(
            parse(json!({"name": "x", "interval": 60, "grace": -1}))
                .unwrap_err()
                .field,
            "grace"
        );
        assert_eq!(
            parse(json!({"name": "x", "interval": 60, "enabled": "yes"}))
                .unwrap_err()
                .field,
            "enabled"
        );
        assert_eq!(
            parse(json!({"name": "x", "interval": 60, "grace": 0, "enabled": false, "extra": 1}))
                .unwrap()
                .grace_s,
            0
        );
    }
}
