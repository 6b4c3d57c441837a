//! Snooze: a person holds one monitor's alerts until a time (`POST /v1/heartbeat/{id}/snooze
//! {"until": "..."}`; `DELETE` ends it). Its status still moves and every flip is recorded;
//! only the alerts of flips made before `until` are not queued. A flip at or after `until`
//! alerts as usual (the outbox's queueing applies `holds_alerts`).

use serde_json::{Map, Value};

use crate::core::http_contract::validation::{Checked, FieldError};
use crate::core::time::parse_rfc3339;

/// The longest snooze: a month. A longer silence is what pausing is for.
pub const MAX_SNOOZE_MS: i64 = 31 * 86_400_000;

/// The `until` of a snooze request: an RFC 3339 time after `now` and at most a month ahead.
pub fn snooze_until(body: &Map<String, Value>, now: i64) -> Checked<i64> {
    let until = match body.get("until") {
        Some(Value::String(s)) => {
            parse_rfc3339(s).ok_or_else(|| FieldError::new("until", "must be an RFC 3339 time"))?
        }
        None | Some(Value::Null) => return Err(FieldError::new("until", "is required")),
        Some(_) => return Err(FieldError::new("until", "must be an RFC 3339 time")),
    };
    if until <= now {
        return Err(FieldError::new("until", "must be in the future"));
    }
    if until - now > MAX_SNOOZE_MS {
        return Err(FieldError::new(
            "until",
            "must be at most 31 days ahead (pause the monitor for longer)",
        ));
    }
    Ok(until)
}

/// Whether a flip at `at` is held by a snooze that lasts until `snoozed_until`.
pub fn holds_alerts(snoozed_until: Option<i64>, at: i64) -> bool {
    snoozed_until.is_some_and(|until| at < until)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_796_292_000_000; // 2026-12-03T10:00:00Z

    fn until(v: Value) -> Checked<i64> {
        snooze_until(json!({ "until": v }).as_object().unwrap(), NOW)
    }

    #[test]
    fn until_is_a_future_time_within_a_month() {
        assert_eq!(until(json!("2026-12-03T11:00:00Z")), Ok(NOW + 3_600_000));
        assert_eq!(
            until(json!("2027-01-03T10:00:00Z")),
            Ok(NOW + MAX_SNOOZE_MS),
            "exactly 31 days is allowed"
        );
        let refused = |v: Value| until(v).unwrap_err();
        assert_eq!(
            refused(json!("2027-01-03T10:00:00.001Z")).message,
            "must be at most 31 days ahead (pause the monitor for longer)"
        );
        assert_eq!(refused(json!("2026-12-03T10:00:00Z")).message, "must be in the future");
        assert_eq!(refused(json!("2026-12-03T09:00:00Z")).message, "must be in the future");
        assert_eq!(refused(json!("tomorrow")).message, "must be an RFC 3339 time");
        assert_eq!(
            refused(json!(1_796_295_600_000_i64)).message,
            "must be an RFC 3339 time"
        );
        assert_eq!(refused(Value::Null).message, "is required");
        assert_eq!(snooze_until(&Map::new(), NOW).unwrap_err().field, "until");
    }

    #[test]
    fn a_snooze_holds_flips_before_its_end_only() {
        assert!(holds_alerts(Some(NOW), NOW - 1));
        assert!(!holds_alerts(Some(NOW), NOW));
        assert!(!holds_alerts(Some(NOW), NOW + 1));
        assert!(!holds_alerts(None, NOW));
    }
}
