//! The event limits an admin sets on a project: `PATCH /v1/projects/{id}` with `status`,
//! `event_rate_per_min` and `monthly_event_quota` (null: no quota).
//!
//! Why: the ingest API sells higher rates and quotas per plan; one declared input shape keeps the
//! checks in one place and the route a parse, a write and a notice to the project's object.

use serde_json::{Map, Value};

use crate::core::http_contract::validation::{optional_integer, Checked, FieldError};

pub const MAX_EVENT_RATE_PER_MIN: i64 = 100_000_000;
pub const MAX_MONTHLY_EVENT_QUOTA: i64 = 1_000_000_000_000;

/// The fields a request names; `monthly_event_quota: Some(None)` removes the quota.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LimitsChange {
    pub status: Option<String>,
    pub event_rate_per_min: Option<i64>,
    pub monthly_event_quota: Option<Option<i64>>,
}

pub fn parse_limits_change(body: &Map<String, Value>) -> Checked<LimitsChange> {
    let status = match body.get("status") {
        None => None,
        Some(Value::String(s)) if s == "active" || s == "inactive" => Some(s.clone()),
        Some(_) => return Err(FieldError::new("status", "must be active or inactive")),
    };
    let event_rate_per_min = match body.get("event_rate_per_min") {
        Some(Value::Null) => return Err(FieldError::new("event_rate_per_min", "must not be null")),
        _ => optional_integer(body, "event_rate_per_min", 1, MAX_EVENT_RATE_PER_MIN)?,
    };
    let monthly_event_quota = match body.get("monthly_event_quota") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(_) => Some(optional_integer(
            body,
            "monthly_event_quota",
            0,
            MAX_MONTHLY_EVENT_QUOTA,
        )?),
    };
    let change = LimitsChange {
        status,
        event_rate_per_min,
        monthly_event_quota,
    };
    if change == LimitsChange::default() {
        return Err(FieldError::new(
            "body",
            "must name status, event_rate_per_min or monthly_event_quota",
        ));
    }
    Ok(change)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Checked<LimitsChange> {
        parse_limits_change(v.as_object().unwrap())
    }

    #[test]
    fn every_limit_parses() {
        assert_eq!(
            parse(json!({"status": "inactive", "event_rate_per_min": 600000, "monthly_event_quota": 1000})).unwrap(),
            LimitsChange {
                status: Some("inactive".into()),
                event_rate_per_min: Some(600_000),
                monthly_event_quota: Some(Some(1_000)),
            }
        );
    }

    #[test]
    fn a_null_quota_removes_it_and_an_absent_one_keeps_it() {
        assert_eq!(
            parse(json!({"monthly_event_quota": null})).unwrap().monthly_event_quota,
            Some(None)
        );
        assert_eq!(parse(json!({"status": "active"})).unwrap().monthly_event_quota, None);
    }

    #[test]
    fn bad_values_name_their_field() {
        for (body, field) in [
            (json!({"status": "paused"}), "status"),
            (json!({"event_rate_per_min": 0}), "event_rate_per_min"),
            (json!({"event_rate_per_min": null}), "event_rate_per_min"),
            (json!({"event_rate_per_min": 1.5}), "event_rate_per_min"),
            (json!({"monthly_event_quota": -1}), "monthly_event_quota"),
            (json!({"monthly_event_quota": "10"}), "monthly_event_quota"),
            (json!({}), "body"),
        ] {
            assert_eq!(parse(body.clone()).unwrap_err().field, field, "{body}");
        }
    }

    #[test]
    fn a_quota_of_zero_is_allowed() {
        assert_eq!(
            parse(json!({"monthly_event_quota": 0})).unwrap().monthly_event_quota,
            Some(Some(0))
        );
    }
}
