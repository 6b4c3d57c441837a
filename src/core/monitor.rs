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
}

pub fn parse_new_monitor(body: &Map<String, Value>) -> Checked<NewMonitor> {
    let name = required_text(body, "name", MAX_NAME_CHARS)?;
    let interval_s = optional_integer(body, "interval", MIN_INTERVAL_S, MAX_INTERVAL_S)?
        .ok_or_else(|| super::validation::FieldError::new("interval", "is required"))?;
    let grace_s = optional_integer(body, "grace", 0, MAX_GRACE_S)?.unwrap_or(DEFAULT_GRACE_S);
    let enabled = optional_bool(body, "enabled")?.unwrap_or(true);
    Ok(NewMonitor {
        name,
        interval_s,
        grace_s,
        enabled,
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
        assert_eq!(
            m,
            NewMonitor {
                name: "backup".into(),
                interval_s: 3600,
                grace_s: DEFAULT_GRACE_S,
                enabled: true
            }
        );
    }

    #[test]
    fn interval_bounds_are_60_seconds_to_365_days() {
        assert_eq!(
            parse(json!({"name": "x", "interval": 59}))
                .unwrap_err()
                .field,
            "interval"
        );
        assert!(parse(json!({"name": "x", "interval": 60})).is_ok());
        assert!(parse(json!({"name": "x", "interval": 31_536_000})).is_ok());
        assert!(parse(json!({"name": "x", "interval": 31_536_001})).is_err());
        assert_eq!(
            parse(json!({"name": "x"})).unwrap_err().message,
            "is required"
        );
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
