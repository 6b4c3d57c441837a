//! What a heartbeat monitor is made of, the checks on a request to create or change one,
//! and when it is next due.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::core::access::credentials::is_api_key_id;
use crate::core::alerting::policy::AlertPolicy;
use crate::core::events::event::parse_event_name;
use crate::core::heartbeat::cron::{CronExpr, Zone};
use crate::core::heartbeat::dependencies::parse_depends_on;
use crate::core::heartbeat::runtime_bounds::{apply_runtime_fields, RuntimeBounds};
use crate::core::heartbeat::tolerance::Tolerance;
use crate::core::heartbeat::volume_band::{apply_band_fields, VolumeBand};
use crate::core::http_contract::validation::{
    line_text, optional_bool, optional_free_text, optional_integer, optional_text, parse_uuid, Checked, FieldError,
};
use crate::core::stable_sort;

pub const MIN_INTERVAL_S: i64 = 60;
pub const MAX_INTERVAL_S: i64 = 365 * 86_400;
pub const MAX_GRACE_S: i64 = 365 * 86_400;
/// Grace when a request names none: one minute, enough for a cron job's start-up jitter.
pub const DEFAULT_GRACE_S: i64 = 60;
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 50;
pub const MAX_EVENT_KEYS: usize = 20;
pub const PING_METHODS: [&str; 3] = ["GET", "POST", "HEAD"];

/// When pings are expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    /// Every `interval_s` seconds after the last ping.
    Every { interval_s: i64 },
    /// At each firing of a cron expression in a time zone.
    Cron { expr: String, tz: String },
}

impl Schedule {
    /// The schedule a monitor row's columns make: a cron expression (in `tz`) when there is
    /// one, else the interval.
    pub fn from_columns(interval_s: i64, cron: Option<String>, tz: String) -> Schedule {
        match cron {
            Some(expr) => Schedule::Cron { expr, tz },
            None => Schedule::Every { interval_s },
        }
    }

    /// When the next ping is due after one received at `last_ping_ms`.
    pub fn next_due_after(&self, last_ping_ms: i64, zone: &dyn Zone) -> Option<i64> {
        match self {
            Schedule::Every { interval_s } => Some(last_ping_ms + interval_s * 1_000),
            Schedule::Cron { expr, .. } => CronExpr::parse(expr).ok()?.next_after(last_ping_ms, zone),
        }
    }
}

/// Everything a user sets on a monitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorSpec {
    pub name: String,
    pub service_id: Option<String>,
    /// Seconds between pings for the simple schedule; `None` with a cron schedule.
    pub interval_s: Option<i64>,
    pub grace_s: i64,
    /// A five-field cron expression; `None` for the simple schedule.
    pub cron: Option<String>,
    /// IANA time zone of the cron expression.
    pub tz: String,
    pub enabled: bool,
    /// Methods the heartbeat ping route accepts (the heartbeat API's `methods`).
    pub methods: Vec<String>,
    pub slug: Option<String>,
    pub tags: Vec<String>,
    pub description: String,
    /// Channel ids to notify; `None` means every channel of the project.
    pub channels: Option<Vec<String>>,
    /// Events of this name in the project count as pings (an `error` event as a fail).
    pub event_name: Option<String>,
    /// Only these keys' events feed the monitor; `None`: any key that may feed monitors
    /// (never a browser key, whatever this says).
    pub event_key_ids: Option<Vec<String>>,
    /// `failure_tolerance` and `recovery_threshold` (`core::heartbeat::status`).
    pub tolerance: Tolerance,
    /// `realert_every`, `realert_max`, `escalation` (`core::alerting::policy`).
    pub alerts: AlertPolicy,
    /// The monitors this one depends on (`core::heartbeat::dependencies`); `None`: none.
    pub depends_on: Option<Vec<String>>,
    /// `min_runtime` and `max_runtime` (`core::heartbeat::runtime_bounds`).
    pub runtime: RuntimeBounds,
    /// `expect_min`, `expect_max` per `expect_window` (`core::heartbeat::volume_band`).
    pub band: VolumeBand,
}

impl MonitorSpec {
    pub fn schedule(&self) -> Schedule {
        match &self.cron {
            Some(expr) => Schedule::Cron {
                expr: expr.clone(),
                tz: self.tz.clone(),
            },
            None => Schedule::Every {
                interval_s: self.interval_s.unwrap_or(MIN_INTERVAL_S),
            },
        }
    }
}

fn parse_methods(raw: &Value) -> Checked<Vec<String>> {
    let invalid = || FieldError::new("methods", "must be a non-empty list of GET, POST, HEAD");
    let list = raw.as_array().filter(|l| !l.is_empty()).ok_or_else(invalid)?;
    let mut methods = Vec::new();
    for item in list {
        let method = item.as_str().filter(|m| PING_METHODS.contains(m)).ok_or_else(invalid)?;
        if !methods.iter().any(|m| m == method) {
            methods.push(method.to_string());
        }
    }
    Ok(methods)
}

fn parse_tags(raw: &Value) -> Checked<Vec<String>> {
    let list = raw.as_array().filter(|l| l.len() <= MAX_TAGS).ok_or_else(|| {
        FieldError::new(
            "tags",
            format!("must be a list of at most {MAX_TAGS} non-empty strings of at most {MAX_TAG_CHARS} characters"),
        )
    })?;
    let mut tags = Vec::new();
    for item in list {
        let tag = match item {
            Value::String(s) => line_text("tags", s, MAX_TAG_CHARS)?,
            _ => return Err(FieldError::new("tags", "must be a list of strings")),
        };
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    Ok(tags)
}

/// Lower-case letters, digits, `-` and `_`, 1..=100 characters: safe in a ping URL.
pub fn is_slug(s: &str) -> bool {
    (1..=100).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// The IANA time zones a monitor may use: the `tz` list of openapi.json (build.rs), every
/// name of the IANA database that the runtime's `Intl` knows, sorted.
pub const ZONES: &[&str] = include!(concat!(env!("OUT_DIR"), "/zones.rs"));

pub fn is_zone_name(s: &str) -> bool {
    ZONES.binary_search(&s).is_ok()
}

/// A field that is present, with `null` meaning "clear it".
fn present<'a>(body: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    body.get(field)
}

/// A schedule is removed only with the other one given in the same body (`interval: null`
/// with a `schedule`, `schedule: null` with an `interval`), so whether a body is valid
/// never depends on the monitor it changes.
fn check_schedule_removal(body: &Map<String, Value>) -> Checked<()> {
    let gives = |field: &str| body.get(field).is_some_and(|v| !v.is_null());
    for (removed, other) in [("interval", "schedule"), ("schedule", "interval")] {
        if body.get(removed).is_some_and(Value::is_null) && !gives(other) {
            return Err(FieldError::new(
                removed,
                format!("may be null only when {other} is given"),
            ));
        }
    }
    Ok(())
}

/// Applies the fields present in `body` to `spec` (all of them for a create, any subset for
/// an update), then checks the result as a whole. Unknown fields are ignored.
pub fn apply_fields(mut spec: MonitorSpec, body: &Map<String, Value>) -> Checked<MonitorSpec> {
    check_schedule_removal(body)?;
    if present(body, "name").is_some() {
        spec.name =
            optional_text(body, "name", MAX_NAME_CHARS)?.ok_or_else(|| FieldError::new("name", "must not be null"))?;
    }
    if let Some(raw) = present(body, "service_id") {
        spec.service_id = match raw {
            Value::Null => None,
            Value::String(s) => Some(parse_uuid(s).ok_or_else(|| FieldError::new("service_id", "must be a UUID"))?),
            _ => return Err(FieldError::new("service_id", "must be a UUID")),
        };
    }
    if present(body, "interval").is_some() {
        spec.interval_s = optional_integer(body, "interval", MIN_INTERVAL_S, MAX_INTERVAL_S)?;
    }
    if present(body, "grace").is_some() {
        spec.grace_s = optional_integer(body, "grace", 0, MAX_GRACE_S)?.unwrap_or(DEFAULT_GRACE_S);
    }
    if let Some(raw) = present(body, "schedule") {
        spec.cron = match raw {
            Value::Null => None,
            Value::String(expr) => {
                CronExpr::parse(expr)?;
                Some(expr.trim().to_string())
            }
            _ => return Err(FieldError::new("schedule", "must be a cron expression string")),
        };
    }
    if let Some(raw) = present(body, "tz") {
        spec.tz = match raw {
            Value::Null => "UTC".to_string(),
            Value::String(tz) if is_zone_name(tz) => tz.clone(),
            _ => return Err(FieldError::new("tz", "must be an IANA time zone name the API lists")),
        };
    }
    if present(body, "enabled").is_some() {
        spec.enabled = optional_bool(body, "enabled")?.unwrap_or(true);
    }
    if let Some(raw) = present(body, "methods") {
        spec.methods = if raw.is_null() {
            PING_METHODS.map(String::from).to_vec()
        } else {
            parse_methods(raw)?
        };
    }
    if let Some(raw) = present(body, "slug") {
        spec.slug = match raw {
            Value::Null => None,
            Value::String(s) if is_slug(s) => Some(s.clone()),
            _ => {
                return Err(FieldError::new(
                    "slug",
                    "must be 1-100 lower-case letters, digits, - or _",
                ))
            }
        };
    }
    if let Some(raw) = present(body, "tags") {
        spec.tags = if raw.is_null() { Vec::new() } else { parse_tags(raw)? };
    }
    if present(body, "description").is_some() {
        spec.description = optional_free_text(body, "description", MAX_DESCRIPTION_CHARS)?.unwrap_or_default();
    }
    if let Some(raw) = present(body, "channels") {
        spec.channels = match raw {
            Value::Null => None,
            Value::Array(items) if items.len() <= 20 => {
                let ids: Option<Vec<String>> = items.iter().map(|v| v.as_str().and_then(parse_uuid)).collect();
                Some(ids.ok_or_else(|| FieldError::new("channels", "must be a list of channel ids"))?)
            }
            _ => {
                return Err(FieldError::new(
                    "channels",
                    "must be a list of at most 20 channel ids, or null for all",
                ))
            }
        };
    }
    if let Some(raw) = present(body, "event_name") {
        spec.event_name = match raw {
            Value::Null => None,
            Value::String(name) => Some(parse_event_name("event_name", name)?),
            _ => return Err(FieldError::new("event_name", "must be a string or null")),
        };
    }
    if let Some(raw) = present(body, "event_key_ids") {
        spec.event_key_ids = match raw {
            Value::Null => None,
            Value::Array(items) if items.len() <= MAX_EVENT_KEYS => {
                let ids: Option<Vec<String>> = items
                    .iter()
                    .map(|v| v.as_str().filter(|id| is_api_key_id(id)).map(String::from))
                    .collect();
                let mut ids = ids.ok_or_else(|| FieldError::new("event_key_ids", "must be a list of API key ids"))?;
                stable_sort::sort(&mut ids);
                ids.dedup();
                Some(ids)
            }
            _ => {
                return Err(FieldError::new(
                    "event_key_ids",
                    "must be a list of at most 20 API key ids, or null for any ingest or manage key",
                ))
            }
        };
    }
    if present(body, "failure_tolerance").is_some() {
        let max = i64::from(Tolerance::MAX_FAILURES);
        let n = optional_integer(body, "failure_tolerance", 0, max)?.unwrap_or(0);
        spec.tolerance.failures = u32::try_from(n).unwrap_or(0);
    }
    if present(body, "recovery_threshold").is_some() {
        let max = i64::from(Tolerance::MAX_RECOVERY);
        let n = optional_integer(body, "recovery_threshold", 1, max)?.unwrap_or(1);
        spec.tolerance.recovery = u32::try_from(n).unwrap_or(1);
    }
    spec.alerts = spec.alerts.apply(body)?;
    if let Some(raw) = present(body, "depends_on") {
        spec.depends_on = parse_depends_on(raw)?;
    }
    spec.runtime = apply_runtime_fields(spec.runtime, body)?;
    spec.band = apply_band_fields(spec.band, body)?;
    if spec.cron.is_none() && spec.interval_s.is_none() {
        return Err(FieldError::new("interval", "is required unless a schedule is given"));
    }
    Ok(spec)
}

/// A monitor from a create request: `name`, and `interval` or `schedule`, are required.
pub fn parse_new_monitor(body: &Map<String, Value>) -> Checked<MonitorSpec> {
    if !body.contains_key("name") {
        return Err(FieldError::new("name", "is required"));
    }
    let blank = MonitorSpec {
        name: String::new(),
        service_id: None,
        interval_s: None,
        grace_s: DEFAULT_GRACE_S,
        cron: None,
        tz: "UTC".into(),
        enabled: true,
        methods: PING_METHODS.map(String::from).to_vec(),
        slug: None,
        tags: Vec::new(),
        description: String::new(),
        channels: None,
        event_name: None,
        event_key_ids: None,
        tolerance: Tolerance::NONE,
        alerts: AlertPolicy::default(),
        depends_on: None,
        runtime: RuntimeBounds::NONE,
        band: VolumeBand::NONE,
    };
    apply_fields(blank, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::heartbeat::cron::FixedZone;
    use serde_json::json;

    fn parse(v: Value) -> Checked<MonitorSpec> {
        parse_new_monitor(v.as_object().unwrap())
    }

    fn update(spec: MonitorSpec, v: Value) -> Checked<MonitorSpec> {
        apply_fields(spec, v.as_object().unwrap())
    }

    #[test]
    fn columns_with_a_cron_expression_make_a_cron_schedule() {
        assert_eq!(
            Schedule::from_columns(3600, Some("0 3 * * *".into()), "Europe/Berlin".into()),
            Schedule::Cron {
                expr: "0 3 * * *".into(),
                tz: "Europe/Berlin".into()
            }
        );
    }

    #[test]
    fn columns_without_a_cron_expression_make_an_interval_schedule() {
        assert_eq!(
            Schedule::from_columns(3600, None, "Europe/Berlin".into()),
            Schedule::Every { interval_s: 3600 }
        );
    }

    #[test]
    fn a_minimal_monitor_gets_defaults() {
        let m = parse(json!({"name": "backup", "interval": 3600})).unwrap();
        assert_eq!(m.name, "backup");
        assert_eq!(
            (m.interval_s, m.grace_s, m.enabled),
            (Some(3600), DEFAULT_GRACE_S, true)
        );
        assert_eq!(m.methods, ["GET", "POST", "HEAD"]);
        assert_eq!((m.cron.as_deref(), m.tz.as_str(), m.tags.len()), (None, "UTC", 0));
    }

    #[test]
    fn the_heartbeat_api_example_body_parses() {
        let m = parse(json!({"service_id": "6766163A-568d-47b4-a1fa-91a0957e06d4", "name": "Pinghome", "interval": 60, "enabled": true})).unwrap();
        assert_eq!(m.service_id.as_deref(), Some("6766163a-568d-47b4-a1fa-91a0957e06d4"));
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
        assert_eq!(parse(json!({"name": "x"})).unwrap_err().field, "interval");
        assert_eq!(parse(json!({"interval": 60})).unwrap_err().field, "name");
    }

    #[test]
    fn a_cron_schedule_needs_no_interval() {
        let m = parse(json!({"name": "x", "schedule": "0 3 * * *", "tz": "Europe/Berlin", "grace": 600})).unwrap();
        assert_eq!(
            m.schedule(),
            Schedule::Cron {
                expr: "0 3 * * *".into(),
                tz: "Europe/Berlin".into()
            }
        );
        assert_eq!(
            parse(json!({"name": "x", "schedule": "61 * * * *"})).unwrap_err().field,
            "schedule"
        );
        assert_eq!(
            parse(json!({"name": "x", "schedule": 5})).unwrap_err().field,
            "schedule"
        );
    }

    #[test]
    fn every_field_is_checked_and_named() {
        let cases = [
            (json!({"service_id": "nope"}), "service_id"),
            (json!({"grace": -1}), "grace"),
            (json!({"grace": 31_536_001}), "grace"),
            (json!({"enabled": "yes"}), "enabled"),
            (json!({"methods": []}), "methods"),
            (json!({"methods": ["PUT"]}), "methods"),
            (json!({"tz": "../etc/passwd"}), "tz"),
            (json!({"tz": 5}), "tz"),
            (json!({"slug": "Has Spaces"}), "slug"),
            (json!({"tags": "prod"}), "tags"),
            (json!({"tags": [""]}), "tags"),
            (json!({"description": ["x"]}), "description"),
            (json!({"name": null}), "name"),
            (json!({"event_name": 7}), "event_name"),
            (json!({"event_name": ""}), "event_name"),
            (json!({"event_name": "a\nb"}), "event_name"),
        ];
        for (extra, field) in cases {
            let mut body = json!({"name": "x", "interval": 60});
            body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            assert_eq!(parse(body.clone()).unwrap_err().field, field, "{body}");
        }
    }

    #[test]
    fn text_fields_follow_the_text_rule() {
        let cases = [
            (json!({"name": "backup\u{202E}"}), "name"),
            (json!({"name": "back\u{0}up"}), "name"),
            (json!({"tags": ["prod\u{0}"]}), "tags"),
            (json!({"tags": ["\u{1b}[31m"]}), "tags"),
            (json!({"tags": ["a\u{2066}"]}), "tags"),
            (json!({"description": "a\u{0}b"}), "description"),
            (json!({"description": "a\u{1b}b"}), "description"),
            (json!({"slug": "a\u{202E}b"}), "slug"),
        ];
        for (extra, field) in cases {
            let mut body = json!({"name": "x", "interval": 60});
            body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            assert_eq!(parse(body.clone()).unwrap_err().field, field, "{body}");
        }
        let m = parse(json!({"name": "x", "interval": 60, "description": "line 1\n\tline 2"})).unwrap();
        assert_eq!(m.description, "line 1\n\tline 2");
    }

    #[test]
    fn event_key_ids_are_sorted_key_ids_and_null_means_any_key() {
        let m = parse(json!({"name": "x", "interval": 60, "event_name": "backup",
            "event_key_ids": ["bbbbbbbbbbbb", "aaaaaaaaaaaa", "bbbbbbbbbbbb"]}))
        .unwrap();
        assert_eq!(
            m.event_key_ids,
            Some(vec!["aaaaaaaaaaaa".to_string(), "bbbbbbbbbbbb".to_string()])
        );
        assert_eq!(update(m, json!({"event_key_ids": null})).unwrap().event_key_ids, None);
        let twenty: Vec<String> = (0..20).map(|i| format!("key{i:09}")).collect();
        assert_eq!(
            parse(json!({"name": "x", "interval": 60, "event_key_ids": twenty}))
                .unwrap()
                .event_key_ids
                .map(|k| k.len()),
            Some(20)
        );
        for bad in [
            json!("aaaaaaaaaaaa"),
            json!([7]),
            json!(["ebk_aaaaaaaaaaaa_secret"]),
            json!(["short"]),
            json!((0..21).map(|i| format!("key{i:09}")).collect::<Vec<_>>()),
        ] {
            let err = parse(json!({"name": "x", "interval": 60, "event_key_ids": bad})).unwrap_err();
            assert_eq!(err.field, "event_key_ids");
        }
    }

    #[test]
    fn an_event_name_is_trimmed_and_null_clears_it() {
        let m = parse(json!({"name": "x", "interval": 60, "event_name": " backup-completed "})).unwrap();
        assert_eq!(m.event_name.as_deref(), Some("backup-completed"));
        let cleared = update(m, json!({"event_name": null})).unwrap();
        assert_eq!(cleared.event_name, None);
    }

    #[test]
    fn methods_tags_and_slug_are_normalised() {
        let m = parse(json!({"name": "x", "interval": 60, "methods": ["GET", "GET", "POST"], "tags": ["prod", " prod ", "db"], "slug": "nightly-backup_2"})).unwrap();
        assert_eq!(m.methods, ["GET", "POST"]);
        assert_eq!(m.tags, ["prod", "db"]);
        assert_eq!(m.slug.as_deref(), Some("nightly-backup_2"));
    }

    #[test]
    fn an_update_changes_only_the_fields_it_names() {
        let m = parse(json!({"name": "x", "interval": 60, "tags": ["a"], "description": "d"})).unwrap();
        let changed = update(m.clone(), json!({"name": "y", "unknown": 1})).unwrap();
        assert_eq!(changed.name, "y");
        assert_eq!(
            (changed.interval_s, changed.tags, changed.description),
            (m.interval_s, m.tags, m.description)
        );
    }

    #[test]
    fn an_update_can_switch_schedules_both_ways() {
        let m = parse(json!({"name": "x", "interval": 60})).unwrap();
        let cron = update(m, json!({"schedule": "*/5 * * * *", "interval": null})).unwrap();
        assert!(matches!(cron.schedule(), Schedule::Cron { .. }));
        assert_eq!(
            update(cron.clone(), json!({"schedule": null})).unwrap_err().field,
            "schedule"
        );
        let back = update(cron, json!({"schedule": null, "interval": 120})).unwrap();
        assert_eq!(back.schedule(), Schedule::Every { interval_s: 120 });
    }

    #[test]
    fn a_schedule_is_removed_only_with_the_other_given() {
        let m = parse(json!({"name": "x", "interval": 60, "schedule": "0 3 * * *"})).unwrap();
        // The monitor has both, yet the rule reads the body alone.
        assert_eq!(
            update(m.clone(), json!({"interval": null})).unwrap_err().field,
            "interval"
        );
        assert_eq!(
            update(m.clone(), json!({"schedule": null})).unwrap_err().field,
            "schedule"
        );
        assert!(update(m.clone(), json!({"interval": null, "schedule": "*/5 * * * *"})).is_ok());
        assert!(update(m, json!({"schedule": null, "interval": 120})).is_ok());
    }

    #[test]
    fn methods_are_spelled_as_in_http() {
        let body = json!({"name": "x", "interval": 60, "methods": ["get"]});
        assert_eq!(parse(body).unwrap_err().field, "methods");
    }

    #[test]
    fn next_due_follows_the_schedule() {
        let utc = FixedZone(0);
        assert_eq!(
            Schedule::Every { interval_s: 60 }.next_due_after(1_000, &utc),
            Some(61_000)
        );
        let cron = Schedule::Cron {
            expr: "0 * * * *".into(),
            tz: "UTC".into(),
        };
        assert_eq!(cron.next_due_after(60_000, &utc), Some(3_600_000));
    }

    #[test]
    fn zone_names_have_a_safe_shape() {
        for ok in ["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5"] {
            assert!(is_zone_name(ok), "{ok}");
        }
        for bad in ["", "/etc", "Europe/../x", "Europe Berlin"] {
            assert!(!is_zone_name(bad), "{bad}");
        }
    }

    const CHANNEL: &str = "6766163a-568d-47b4-a1fa-91a0957e06d4";

    #[test]
    fn null_clears_a_field_back_to_its_default() {
        let full = parse(json!({
            "name": "x", "interval": 600, "grace": 300, "service_id": CHANNEL, "tz": "Europe/Berlin",
            "enabled": false, "methods": ["POST"], "slug": "nightly", "tags": ["a"], "description": "d",
            "channels": [CHANNEL], "schedule": "0 3 * * *"
        }))
        .unwrap();
        let cleared = update(
            full,
            json!({
                "service_id": null, "grace": null, "tz": null, "enabled": null, "methods": null,
                "slug": null, "tags": null, "description": null, "channels": null, "schedule": null,
                "interval": 600
            }),
        )
        .unwrap();
        let blank = parse(json!({"name": "x", "interval": 600})).unwrap();
        assert_eq!(cleared, blank);
        assert_eq!(
            update(blank, json!({"interval": null})).unwrap_err().field,
            "interval",
            "a monitor without a schedule keeps its interval"
        );
    }

    #[test]
    fn limits_are_inclusive() {
        let tags: Vec<String> = (0..MAX_TAGS).map(|i| format!("t{i}")).collect();
        let channels: Vec<String> = (0..20).map(|i| format!("{}{i:02}", &CHANNEL[..34])).collect();
        let at_limit = json!({
            "name": "x", "interval": 60, "tags": tags, "channels": channels,
            "description": "d".repeat(MAX_DESCRIPTION_CHARS), "slug": "s".repeat(100), "tz": "America/Argentina/ComodRivadavia"
        });
        let m = parse(at_limit).unwrap();
        assert_eq!((m.tags.len(), m.channels.map(|c| c.len())), (MAX_TAGS, Some(20)));
        let long_tag = json!({"name": "x", "interval": 60, "tags": ["é".repeat(MAX_TAG_CHARS)]});
        assert_eq!(parse(long_tag).unwrap().tags[0].chars().count(), MAX_TAG_CHARS);

        let mut more_tags = tags.clone();
        more_tags.push("one-more".into());
        let cases = [
            (json!({"tags": more_tags}), "tags"),
            (json!({"tags": ["é".repeat(MAX_TAG_CHARS + 1)]}), "tags"),
            (json!({"channels": vec![CHANNEL; 21]}), "channels"),
            (
                json!({"description": "d".repeat(MAX_DESCRIPTION_CHARS + 1)}),
                "description",
            ),
            (json!({"slug": "s".repeat(101)}), "slug"),
            (json!({"slug": ""}), "slug"),
            (json!({"tz": "A".repeat(65)}), "tz"),
        ];
        for (extra, field) in cases {
            let mut body = json!({"name": "x", "interval": 60});
            body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            assert_eq!(parse(body.clone()).unwrap_err().field, field, "{body}");
        }
    }

    #[test]
    fn channel_ids_are_uuids_kept_in_lower_case() {
        let m = parse(json!({"name": "x", "interval": 60, "channels": [CHANNEL.to_uppercase()]})).unwrap();
        assert_eq!(m.channels, Some(vec![CHANNEL.to_string()]));
        let bad = parse(json!({"name": "x", "interval": 60, "channels": [CHANNEL, "nope"]}));
        assert_eq!(bad.unwrap_err().field, "channels");
        let bad = parse(json!({"name": "x", "interval": 60, "channels": "all"}));
        assert_eq!(bad.unwrap_err().field, "channels");
    }

    #[test]
    fn a_simple_schedule_without_an_interval_waits_the_minimum() {
        let mut m = parse(json!({"name": "x", "interval": 600})).unwrap();
        m.interval_s = None;
        assert_eq!(
            m.schedule(),
            Schedule::Every {
                interval_s: MIN_INTERVAL_S
            }
        );
    }

    #[test]
    fn slugs_are_lower_case_letters_digits_dashes_and_underscores() {
        assert!(is_slug("a-b_c-9"));
        for bad in ["A", "a b", "a/b", "é", "a.b"] {
            assert!(!is_slug(bad), "{bad:?}");
        }
    }

    #[test]
    fn zone_names_may_hold_plus_and_dash_but_no_spaces_backslashes_or_dot_dot() {
        assert!(is_zone_name("Etc/GMT-14") && is_zone_name("Etc/GMT+12"));
        for bad in [
            "Europe/Berlin ",
            "Europe\\Berlin",
            "Europe/../../x",
            "../x",
            "Europe/Berlin;",
        ] {
            assert!(!is_zone_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn grace_bounds_are_0_seconds_to_365_days() {
        for grace in [0, 31_536_000] {
            let m = parse(json!({"name": "x", "interval": 60, "grace": grace})).unwrap();
            assert_eq!(m.grace_s, grace);
        }
        assert_eq!(
            parse(json!({"name": "x", "interval": 60, "grace": 31_536_001}))
                .unwrap_err()
                .field,
            "grace"
        );
    }
}

#[cfg(test)]
mod rule_fields {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Checked<MonitorSpec> {
        parse_new_monitor(v.as_object().unwrap())
    }

    #[test]
    fn a_new_monitor_has_no_runtime_bounds_and_no_band() {
        let m = parse(json!({"name": "x", "interval": 60})).unwrap();
        assert_eq!((m.runtime, m.band), (RuntimeBounds::NONE, VolumeBand::NONE));
    }

    #[test]
    fn runtime_bounds_and_a_band_are_monitor_fields() {
        let m = parse(
            json!({"name": "x", "interval": 60, "min_runtime": 60, "max_runtime": 3600,
            "expect_min": 100, "expect_max": 10000, "expect_window": 7200}),
        )
        .unwrap();
        assert_eq!(m.runtime, RuntimeBounds::from_seconds(Some(60), Some(3_600)));
        assert_eq!(
            m.band,
            VolumeBand {
                min: Some(100),
                max: Some(10_000),
                window_s: 7_200
            }
        );
        let kept = apply_fields(m.clone(), json!({"name": "y"}).as_object().unwrap()).unwrap();
        assert_eq!(
            (kept.runtime, kept.band),
            (m.runtime, m.band),
            "an update keeps what it does not name"
        );
    }

    #[test]
    fn a_bad_rule_field_is_a_400_naming_it() {
        let e = parse(json!({"name": "x", "interval": 60, "expect_window": 60})).unwrap_err();
        assert_eq!(e.field, "expect_window");
        let e = parse(json!({"name": "x", "interval": 60, "max_runtime": -1})).unwrap_err();
        assert_eq!(e.field, "max_runtime");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::core::http_contract::validation::properties::json_value;
    use proptest::prelude::*;

    const FIELDS: [&str; 18] = [
        "name",
        "service_id",
        "interval",
        "grace",
        "schedule",
        "tz",
        "enabled",
        "methods",
        "slug",
        "tags",
        "description",
        "channels",
        "min_runtime",
        "max_runtime",
        "expect_min",
        "expect_max",
        "expect_window",
        "unknown",
    ];

    /// Request bodies naming the monitor's fields, with any JSON at all as their values.
    fn body() -> impl Strategy<Value = Map<String, Value>> {
        prop::collection::vec((prop::sample::select(FIELDS.to_vec()), json_value()), 0..8)
            .prop_map(|fields| fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    proptest! {
        #[test]
        fn any_body_is_a_monitor_within_its_limits_or_a_field_error(body in body()) {
            match parse_new_monitor(&body) {
                Ok(m) => {
                    prop_assert!(!m.name.is_empty() && m.name.chars().count() <= MAX_NAME_CHARS);
                    prop_assert!(m.interval_s.is_none_or(|i| (MIN_INTERVAL_S..=MAX_INTERVAL_S).contains(&i)));
                    prop_assert!((0..=MAX_GRACE_S).contains(&m.grace_s));
                    prop_assert!(m.cron.is_some() || m.interval_s.is_some());
                    prop_assert!(m.cron.as_deref().is_none_or(|c| CronExpr::parse(c).is_ok()));
                    prop_assert!(is_zone_name(&m.tz));
                    prop_assert!(!m.methods.is_empty() && m.methods.iter().all(|x| PING_METHODS.contains(&x.as_str())));
                    prop_assert!(m.slug.as_deref().is_none_or(is_slug));
                    prop_assert!(m.tags.len() <= MAX_TAGS && m.description.chars().count() <= MAX_DESCRIPTION_CHARS);
                    prop_assert!(m.channels.is_none_or(|c| c.len() <= 20 && c.iter().all(|id| parse_uuid(id).as_deref() == Some(id.as_str()))));
                    let RuntimeBounds { min_ms, max_ms } = m.runtime;
                    prop_assert!(min_ms.zip(max_ms).is_none_or(|(min, max)| 0 < min && min <= max));
                    prop_assert!(crate::core::heartbeat::volume_band::WINDOWS_S.contains(&m.band.window_s));
                    prop_assert!(m.band.min.zip(m.band.max).is_none_or(|(min, max)| min <= max));
                }
                Err(e) => prop_assert!(FIELDS.contains(&e.field.as_str()), "{e:?}"),
            }
        }

        #[test]
        fn applying_the_same_update_twice_changes_nothing_more(body in body()) {
            let base = parse_new_monitor(&serde_json::from_value(serde_json::json!({"name": "x", "interval": 60})).unwrap()).unwrap();
            if let Ok(once) = apply_fields(base, &body) {
                prop_assert_eq!(apply_fields(once.clone(), &body), Ok(once));
            }
        }
    }
}
