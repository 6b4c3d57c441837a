//! Maintenance windows (issue 18, rule 4): times when a monitor's alerts are held because
//! someone said work is going on. A window is one-off (`from` .. `until`) or recurring (each
//! firing of a cron expression in a time zone opens a window of `duration` seconds). Inside
//! one, pings are recorded and the status machine runs as always, but every flip's alert is
//! held (`core::alerting::hold::Hold::Maintenance`); when the maintenance ends, a monitor
//! that is down then gets the one alert of the down it was held in (`releases_at`).
//!
//! The windows that apply to a monitor travel with its row as one JSON array (`Windows`), so
//! the sweep and the flush decide from what they already read.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::core::heartbeat::cron::{CronExpr, Zone};
use crate::core::heartbeat::monitor::{is_zone_name, MAX_TAG_CHARS};
use crate::core::http_contract::validation::{line_text, optional_integer, Checked, FieldError};
use crate::core::time::parse_rfc3339;

/// The longest one-off window: a month.
pub const MAX_ONCE_MS: i64 = 31 * 86_400_000;
/// How far ahead a one-off window may begin.
pub const MAX_LEAD_MS: i64 = 365 * 86_400_000;
/// A recurring window lasts from a minute to a day.
pub const MIN_DURATION_S: i64 = 60;
pub const MAX_DURATION_S: i64 = 86_400;
/// Windows one after another (ending as the next begins) count as one maintenance, up to this
/// many links: a chain never runs unbounded.
const MAX_CHAIN: usize = 64;

/// One window, as stored on the monitor's row and given in a request: its fields alone, the
/// variant told by which are there (read through `WindowJson`, not serde's buffering of
/// untagged enums).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, try_from = "WindowJson")]
pub enum Window {
    /// From `from` (inclusive) to `until` (exclusive), in ms.
    Once { from: i64, until: i64 },
    /// Each firing of `schedule` in `tz` opens a window of `duration_s` seconds.
    Recurring {
        schedule: String,
        duration_s: i64,
        tz: String,
    },
}

/// A `Window` as its JSON has it: a one-off window's fields, or a recurring one's.
#[derive(Deserialize)]
struct WindowJson {
    from: Option<i64>,
    until: Option<i64>,
    schedule: Option<String>,
    duration_s: Option<i64>,
    tz: Option<String>,
}

impl TryFrom<WindowJson> for Window {
    type Error = &'static str;

    fn try_from(json: WindowJson) -> Result<Self, &'static str> {
        match json {
            WindowJson {
                from: Some(from),
                until: Some(until),
                ..
            } => Ok(Window::Once { from, until }),
            WindowJson {
                schedule: Some(schedule),
                duration_s: Some(duration_s),
                tz: Some(tz),
                ..
            } => Ok(Window::Recurring {
                schedule,
                duration_s,
                tz,
            }),
            _ => Err("a window has from and until, or schedule, duration_s and tz"),
        }
    }
}

/// Time zones by name: the runtime's `Intl` at the edge, fixed offsets in tests.
pub type Zones<'a> = &'a dyn Fn(&str) -> Box<dyn Zone>;

impl Window {
    /// The end of this window's span that contains `at`, if one does.
    pub fn end_if_open(&self, at: i64, zones: Zones) -> Option<i64> {
        match self {
            Window::Once { from, until } => (*from <= at && at < *until).then_some(*until),
            Window::Recurring {
                schedule,
                duration_s,
                tz,
            } => {
                let expr = CronExpr::parse(schedule).ok()?;
                let length = duration_s * 1_000;
                // The newest firing in (at - length, at] opened the span holding `at`.
                let cap = usize::try_from(duration_s / 60 + 1).unwrap_or(1);
                let opened = expr.firings(at - length, at, zones(tz).as_ref(), cap);
                opened.last().map(|start| start + length)
            }
        }
    }
}

/// The windows that apply to one monitor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Windows(pub Vec<Window>);

impl Windows {
    /// The monitor row's `maintenance` column (NULL or unreadable: none).
    pub fn from_column(column: Option<&str>) -> Windows {
        Windows(column.and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// When the maintenance holding `at` ends (windows that touch count as one), or `None`
    /// when no window holds `at`.
    pub fn open_until(&self, at: i64, zones: Zones) -> Option<i64> {
        let latest_end = |t: i64| self.0.iter().filter_map(|w| w.end_if_open(t, zones)).max();
        let mut end = latest_end(at)?;
        // A window open at `end` ends after it, so each step moves the end on.
        for _ in 0..MAX_CHAIN {
            let Some(later) = latest_end(end) else { break };
            end = later;
        }
        Some(end)
    }

    /// Whether a flip at `at` is held by maintenance.
    pub fn holds(&self, at: i64, zones: Zones) -> bool {
        self.open_until(at, zones).is_some()
    }

    /// Whether, at `now`, a monitor that is down gets the alert its maintenance held: no
    /// window holds `now` (a window deleted meanwhile holds nothing either). Releasing is
    /// idempotent: only a down flip still held by maintenance is queued, once.
    pub fn releases_at(&self, now: i64, zones: Zones) -> bool {
        !self.holds(now, zones)
    }

    /// When the sweep must look at the monitor for its maintenance: at the end of the
    /// maintenance holding any of `moments` (the write's time and its flips' times), the
    /// earliest, so a flip held inside a window is released as it ends.
    pub fn check_at(&self, moments: &[i64], zones: Zones) -> Option<i64> {
        moments.iter().filter_map(|t| self.open_until(*t, zones)).min()
    }
}

/// A one-off or recurring window from a request body: `from` (default `now`) and `until`, or
/// `schedule`, `duration` (seconds) and `tz` (default UTC).
pub fn parse_window(body: &Map<String, Value>, now: i64) -> Checked<Window> {
    let has = |f: &str| body.get(f).is_some_and(|v| !v.is_null());
    let once = has("from") || has("until");
    let recurring = has("schedule") || has("duration") || has("tz");
    match (once, recurring) {
        (true, true) => Err(FieldError::new(
            "schedule",
            "give either from and until, or schedule and duration, not both",
        )),
        (false, false) => Err(FieldError::new(
            "until",
            "is required (or a schedule and duration for a recurring window)",
        )),
        (true, false) => parse_once(body, now),
        (false, true) => parse_recurring(body),
    }
}

fn time_field(body: &Map<String, Value>, field: &str) -> Checked<Option<i64>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse_rfc3339(s)
            .map(Some)
            .ok_or_else(|| FieldError::new(field, "must be an RFC 3339 time")),
        Some(_) => Err(FieldError::new(field, "must be an RFC 3339 time")),
    }
}

fn parse_once(body: &Map<String, Value>, now: i64) -> Checked<Window> {
    let from = time_field(body, "from")?.unwrap_or(now);
    let until = time_field(body, "until")?.ok_or_else(|| FieldError::new("until", "is required"))?;
    if until <= now {
        return Err(FieldError::new("until", "must be in the future"));
    }
    if until <= from {
        return Err(FieldError::new("until", "must be after from"));
    }
    if until - from > MAX_ONCE_MS {
        return Err(FieldError::new(
            "until",
            "must be at most 31 days after from (pause the monitor for longer)",
        ));
    }
    if from - now > MAX_LEAD_MS {
        return Err(FieldError::new("from", "must be at most a year ahead"));
    }
    Ok(Window::Once { from, until })
}

fn parse_recurring(body: &Map<String, Value>) -> Checked<Window> {
    let schedule = match body.get("schedule") {
        Some(Value::String(expr)) => {
            CronExpr::parse(expr)?;
            expr.trim().to_string()
        }
        None | Some(Value::Null) => return Err(FieldError::new("schedule", "is required with a duration")),
        Some(_) => return Err(FieldError::new("schedule", "must be a cron expression string")),
    };
    let duration_s = optional_integer(body, "duration", MIN_DURATION_S, MAX_DURATION_S)?
        .ok_or_else(|| FieldError::new("duration", "is required with a schedule"))?;
    let tz = match body.get("tz") {
        None | Some(Value::Null) => "UTC".to_string(),
        Some(Value::String(tz)) if is_zone_name(tz) => tz.clone(),
        Some(_) => return Err(FieldError::new("tz", "must be an IANA time zone name the API lists")),
    };
    Ok(Window::Recurring {
        schedule,
        duration_s,
        tz,
    })
}

/// The `tag` of a project-wide window: the monitors with that tag, or every monitor when
/// absent or null.
pub fn parse_window_tag(body: &Map<String, Value>) -> Checked<Option<String>> {
    match body.get("tag") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => line_text("tag", s, MAX_TAG_CHARS).map(Some),
        Some(_) => Err(FieldError::new("tag", "must be a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::heartbeat::cron::FixedZone;
    use serde_json::json;

    const MIN: i64 = 60_000;
    const HOUR: i64 = 60 * MIN;
    const NOW: i64 = 1_796_292_000_000; // 2026-12-03T10:00:00Z

    fn utc(_: &str) -> Box<dyn Zone> {
        Box::new(FixedZone(0))
    }

    #[test]
    fn windows_are_read_as_written_each_told_by_its_fields() {
        let once = Window::Once { from: 1, until: 2 };
        let recurring = Window::Recurring {
            schedule: "0 3 * * *".into(),
            duration_s: 600,
            tz: "UTC".into(),
        };
        let text = serde_json::to_string(&vec![once.clone(), recurring.clone()]).unwrap();
        assert_eq!(
            text,
            r#"[{"from":1,"until":2},{"schedule":"0 3 * * *","duration_s":600,"tz":"UTC"}]"#
        );
        assert_eq!(
            serde_json::from_str::<Vec<Window>>(&text).unwrap(),
            vec![once, recurring]
        );
        // As serde's untagged form read them: the first variant whose fields are all there.
        let both = json!({"from": 1, "until": 2, "schedule": "x", "duration_s": 60, "tz": "UTC"});
        assert_eq!(
            serde_json::from_value::<Window>(both).unwrap(),
            Window::Once { from: 1, until: 2 }
        );
        for bad in [json!({"from": 1}), json!({"schedule": "x", "tz": "UTC"}), json!({})] {
            assert!(serde_json::from_value::<Window>(bad.clone()).is_err(), "{bad}");
        }
    }

    /// Berlin in winter, and UTC for any other name.
    fn zones(tz: &str) -> Box<dyn Zone> {
        Box::new(FixedZone(if tz == "Europe/Berlin" { 3_600 } else { 0 }))
    }

    fn window(v: Value) -> Checked<Window> {
        parse_window(v.as_object().unwrap(), NOW)
    }

    fn nightly(duration_s: i64) -> Window {
        Window::Recurring {
            schedule: "0 3 * * *".into(),
            duration_s,
            tz: "UTC".into(),
        }
    }

    #[test]
    fn a_one_off_window_holds_from_its_start_until_just_before_its_end() {
        let w = Windows(vec![Window::Once {
            from: NOW,
            until: NOW + HOUR,
        }]);
        assert_eq!(w.open_until(NOW - 1, &utc), None);
        assert_eq!(w.open_until(NOW, &utc), Some(NOW + HOUR));
        assert_eq!(w.open_until(NOW + HOUR - 1, &utc), Some(NOW + HOUR));
        assert_eq!(w.open_until(NOW + HOUR, &utc), None);
        assert!(w.holds(NOW, &utc));
        assert!(!w.holds(NOW + HOUR, &utc));
    }

    #[test]
    fn a_recurring_window_opens_at_each_firing_for_its_duration() {
        let w = Windows(vec![nightly(3_600)]);
        let three = NOW + 17 * HOUR; // 2026-12-04T03:00Z
        assert_eq!(w.open_until(three - 1, &utc), None);
        assert_eq!(w.open_until(three, &utc), Some(three + HOUR));
        assert_eq!(w.open_until(three + 59 * MIN, &utc), Some(three + HOUR));
        assert_eq!(w.open_until(three + HOUR, &utc), None);
        assert_eq!(
            w.open_until(three + 24 * HOUR + MIN, &utc),
            Some(three + 25 * HOUR),
            "the next night too"
        );
    }

    #[test]
    fn a_window_opened_by_a_frequent_schedule_ends_after_its_newest_firing() {
        // Every minute, open for 90 s: two firings can hold one moment, and the newer one
        // decides when it ends; open for 5 min, five can.
        let every_minute = |duration_s| Window::Recurring {
            schedule: "* * * * *".into(),
            duration_s,
            tz: "UTC".into(),
        };
        let at = NOW + 2 * MIN + 10_000; // 10 s after a firing
        assert_eq!(every_minute(90).end_if_open(at, &utc), Some(NOW + 2 * MIN + 90_000));
        assert_eq!(every_minute(300).end_if_open(at, &utc), Some(NOW + 2 * MIN + 300_000));
    }

    #[test]
    fn a_recurring_window_follows_its_own_time_zone() {
        let w = Windows(vec![Window::Recurring {
            schedule: "0 3 * * *".into(),
            duration_s: 1_800,
            tz: "Europe/Berlin".into(),
        }]);
        let two_utc = NOW + 16 * HOUR; // 03:00 in Berlin
        assert_eq!(w.open_until(two_utc, &zones), Some(two_utc + 30 * MIN));
        assert_eq!(w.open_until(two_utc + HOUR, &zones), None);
    }

    #[test]
    fn windows_that_touch_are_one_maintenance() {
        let w = Windows(vec![
            Window::Once {
                from: NOW,
                until: NOW + HOUR,
            },
            Window::Once {
                from: NOW + HOUR,
                until: NOW + 2 * HOUR,
            },
            Window::Once {
                from: NOW + 3 * HOUR,
                until: NOW + 4 * HOUR,
            },
        ]);
        assert_eq!(w.open_until(NOW + MIN, &utc), Some(NOW + 2 * HOUR));
        assert_eq!(w.open_until(NOW + 2 * HOUR, &utc), None, "a gap ends it");
    }

    #[test]
    fn overlapping_windows_end_with_the_later() {
        let w = Windows(vec![
            Window::Once {
                from: NOW,
                until: NOW + 2 * HOUR,
            },
            Window::Once {
                from: NOW + HOUR,
                until: NOW + 90 * MIN,
            },
        ]);
        assert_eq!(w.open_until(NOW + 80 * MIN, &utc), Some(NOW + 2 * HOUR));
    }

    #[test]
    fn a_window_every_minute_for_a_day_is_one_long_maintenance() {
        let w = Windows(vec![Window::Recurring {
            schedule: "* * * * *".into(),
            duration_s: 60,
            tz: "UTC".into(),
        }]);
        let end = w.open_until(NOW, &utc).unwrap();
        assert_eq!(end, NOW + (MAX_CHAIN as i64 + 1) * MIN, "bounded by the chain's links");
    }

    #[test]
    fn a_down_monitor_is_released_only_outside_its_windows() {
        let w = Windows(vec![Window::Once {
            from: NOW,
            until: NOW + HOUR,
        }]);
        assert!(!w.releases_at(NOW + MIN, &utc));
        assert!(w.releases_at(NOW + HOUR, &utc));
        assert!(
            Windows::default().releases_at(NOW, &utc),
            "a deleted window holds nothing"
        );
    }

    #[test]
    fn the_sweep_looks_at_the_end_of_the_earliest_held_moment() {
        let w = Windows(vec![
            Window::Once {
                from: NOW,
                until: NOW + HOUR,
            },
            Window::Once {
                from: NOW + 2 * HOUR,
                until: NOW + 3 * HOUR,
            },
        ]);
        assert_eq!(w.check_at(&[NOW + 2 * HOUR, NOW + MIN], &utc), Some(NOW + HOUR));
        assert_eq!(w.check_at(&[NOW + 2 * HOUR], &utc), Some(NOW + 3 * HOUR));
        assert_eq!(w.check_at(&[NOW + 90 * MIN], &utc), None);
        assert_eq!(w.check_at(&[], &utc), None);
    }

    #[test]
    fn the_column_reads_both_kinds_and_nothing_else() {
        let column = r#"[{"from":1,"until":2},{"schedule":"0 3 * * *","duration_s":3600,"tz":"UTC"}]"#;
        assert_eq!(
            Windows::from_column(Some(column)),
            Windows(vec![Window::Once { from: 1, until: 2 }, nightly(3_600)])
        );
        assert_eq!(Windows::from_column(None), Windows::default());
        assert_eq!(Windows::from_column(Some("not json")), Windows::default());
        assert!(Windows::from_column(None).is_empty());
        assert!(!Windows::from_column(Some(column)).is_empty());
    }

    #[test]
    fn a_one_off_window_is_from_now_or_a_given_time_to_a_future_end_within_a_month() {
        assert_eq!(
            window(json!({"until": "2026-12-03T11:00:00Z"})),
            Ok(Window::Once {
                from: NOW,
                until: NOW + HOUR
            })
        );
        assert_eq!(
            window(json!({"from": "2026-12-03T09:00:00Z", "until": "2026-12-03T11:00:00Z"})),
            Ok(Window::Once {
                from: NOW - HOUR,
                until: NOW + HOUR
            }),
            "a window may have begun already"
        );
        assert_eq!(
            window(json!({"until": "2027-01-03T10:00:00Z"})),
            Ok(Window::Once {
                from: NOW,
                until: NOW + MAX_ONCE_MS
            })
        );
        let refused = |v: Value| window(v).unwrap_err();
        let month = "must be at most 31 days after from (pause the monitor for longer)";
        assert_eq!(refused(json!({"until": "2027-01-03T10:00:00.001Z"})).message, month);
        assert_eq!(
            refused(json!({"from": "2026-11-01T00:00:00Z", "until": "2026-12-03T11:00:00Z"})).message,
            month
        );
        assert_eq!(
            refused(json!({"from": "2026-12-05T00:00:00Z", "until": "2027-01-05T00:00:00.001Z"})).message,
            month
        );
        assert!(window(json!({"from": "2027-12-03T10:00:00Z", "until": "2027-12-04T10:00:00Z"})).is_ok());
        assert_eq!(
            refused(json!({"from": "2027-12-03T10:00:00.001Z", "until": "2027-12-04T10:00:00Z"})).message,
            "must be at most a year ahead"
        );
        assert_eq!(
            refused(json!({"until": "2026-12-03T10:00:00Z"})).message,
            "must be in the future"
        );
        assert_eq!(
            refused(json!({"from": "2026-12-03T12:00:00Z", "until": "2026-12-03T11:00:00Z"})).message,
            "must be after from"
        );
        assert_eq!(
            refused(json!({"from": "2026-12-03T11:00:00Z", "until": "2026-12-03T11:00:00Z"})).message,
            "must be after from"
        );
        assert_eq!(refused(json!({"until": "soon"})).message, "must be an RFC 3339 time");
        assert_eq!(refused(json!({"until": 5})).message, "must be an RFC 3339 time");
        assert_eq!(
            (
                refused(json!({"from": "2026-12-03T11:00:00Z"})).field,
                refused(json!({"from": "2026-12-03T11:00:00Z"})).message
            ),
            ("until".to_string(), "is required".to_string())
        );
        assert_eq!(
            refused(json!({"from": 1, "until": "2026-12-03T11:00:00Z"})).field,
            "from"
        );
    }

    #[test]
    fn a_recurring_window_needs_a_schedule_and_a_duration_of_a_minute_to_a_day() {
        assert_eq!(
            window(json!({"schedule": " 0 3 * * * ", "duration": 3600})),
            Ok(nightly(3_600))
        );
        assert_eq!(
            window(json!({"schedule": "0 3 * * *", "duration": 60, "tz": "Europe/Berlin"})),
            Ok(Window::Recurring {
                schedule: "0 3 * * *".into(),
                duration_s: 60,
                tz: "Europe/Berlin".into()
            })
        );
        assert_eq!(
            window(json!({"schedule": "0 3 * * *", "duration": 86_400})),
            Ok(nightly(86_400))
        );
        let refused = |v: Value| {
            let e = window(v).unwrap_err();
            (e.field, e.message)
        };
        let pair = |f: &str, m: &str| (f.to_string(), m.to_string());
        assert_eq!(
            refused(json!({"schedule": "0 3 * * *", "duration": 59})),
            pair("duration", "must be between 60 and 86400")
        );
        assert_eq!(
            refused(json!({"schedule": "0 3 * * *", "duration": 86_401})),
            pair("duration", "must be between 60 and 86400")
        );
        assert_eq!(
            refused(json!({"schedule": "0 3 * * *"})),
            pair("duration", "is required with a schedule")
        );
        assert_eq!(
            refused(json!({"duration": 60})),
            pair("schedule", "is required with a duration")
        );
        assert_eq!(
            refused(json!({"schedule": 3, "duration": 60})),
            pair("schedule", "must be a cron expression string")
        );
        assert_eq!(refused(json!({"schedule": "61 * * * *", "duration": 60})).0, "schedule");
        assert_eq!(
            refused(json!({"schedule": "0 3 * * *", "duration": 60, "tz": "Mars/Olympus"})),
            pair("tz", "must be an IANA time zone name the API lists")
        );
        assert_eq!(
            refused(json!({"tz": "UTC"})),
            pair("schedule", "is required with a duration")
        );
    }

    #[test]
    fn a_window_is_one_kind_or_the_other() {
        let e = window(json!({"until": "2026-12-03T11:00:00Z", "schedule": "0 3 * * *", "duration": 60})).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            (
                "schedule",
                "give either from and until, or schedule and duration, not both"
            )
        );
        let e = window(json!({})).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            (
                "until",
                "is required (or a schedule and duration for a recurring window)"
            )
        );
        assert_eq!(
            window(json!({"until": null, "schedule": null})).unwrap_err().field,
            "until"
        );
    }

    #[test]
    fn a_project_window_names_a_tag_or_none() {
        let tag = |v: Value| parse_window_tag(v.as_object().unwrap());
        assert_eq!(tag(json!({"tag": "db"})), Ok(Some("db".into())));
        assert_eq!(tag(json!({})), Ok(None));
        assert_eq!(tag(json!({"tag": null})), Ok(None));
        assert_eq!(tag(json!({"tag": 1})).unwrap_err().message, "must be a string");
        assert_eq!(tag(json!({"tag": "a\u{7}"})).unwrap_err().field, "tag");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Whether some window holds `t`, by its definition: a one-off span, or a span of
        /// `duration` from a firing found by walking every minute.
        fn held_by_definition(windows: &[Window], t: i64) -> bool {
            windows.iter().any(|w| match w {
                Window::Once { from, until } => *from <= t && t < *until,
                Window::Recurring {
                    schedule, duration_s, ..
                } => {
                    let expr = CronExpr::parse(schedule).unwrap();
                    let mut start = (t - duration_s * 1_000).div_euclid(MIN) * MIN;
                    while start <= t {
                        if start > t - duration_s * 1_000 && expr.next_after(start - 1, &FixedZone(0)) == Some(start) {
                            return true;
                        }
                        start += MIN;
                    }
                    false
                }
            })
        }

        fn a_window() -> impl Strategy<Value = Window> {
            prop_oneof![
                (0..48 * HOUR, 1..6 * HOUR).prop_map(|(from, len)| Window::Once {
                    from: NOW + from,
                    until: NOW + from + len
                }),
                (
                    prop::sample::select(vec!["0 3 * * *", "*/20 * * * *", "30 */6 * * *", "0 0 * * 1"]),
                    60..7_200i64
                )
                    .prop_map(|(s, d)| Window::Recurring {
                        schedule: s.into(),
                        duration_s: d,
                        tz: "UTC".into()
                    }),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]

            /// A window never lets an alert out inside it: a flip at any moment a window holds
            /// is held, and a release happens only at a moment no window holds.
            #[test]
            fn a_window_never_produces_an_alert_inside_it(
                windows in prop::collection::vec(a_window(), 1..4),
                t in 0..72 * HOUR,
            ) {
                let t = NOW + t;
                let w = Windows(windows.clone());
                let inside = held_by_definition(&windows, t);
                prop_assert_eq!(w.holds(t, &utc), inside);
                if w.releases_at(t, &utc) {
                    prop_assert!(!inside);
                }
            }

            /// The maintenance's end is the first moment after it that no window holds, and
            /// every moment before it is held.
            #[test]
            fn maintenance_ends_at_the_first_moment_no_window_holds(
                windows in prop::collection::vec(a_window(), 1..4),
                t in 0..72 * HOUR,
            ) {
                let t = NOW + t;
                let w = Windows(windows.clone());
                if let Some(end) = w.open_until(t, &utc) {
                    prop_assert!(end > t);
                    prop_assert!(!held_by_definition(&windows, end) || end - t >= MAX_CHAIN as i64 * MIN);
                    let step = ((end - t) / 7).max(1);
                    let mut probe = t;
                    while probe < end {
                        prop_assert!(held_by_definition(&windows, probe), "held at {}", probe);
                        probe += step;
                    }
                }
            }
        }
    }
}
