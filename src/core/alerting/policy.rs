//! Who hears of a down monitor, and how often (issue 18, rules 2 and 6): reminders while it
//! stays down (`realert_every`, at most `realert_max`) and escalation (`escalation`: steps of
//! channels, each after a delay unless someone acknowledged). Declared once here; the
//! planner (`core::alerting::planner`) decides what goes out when.

use serde_json::{Map, Value};

use crate::core::http_contract::validation::{optional_integer, parse_uuid, Checked, FieldError};

/// Reminders come at most every 5 minutes: more often is noise, not news.
pub const MIN_REALERT_EVERY_S: i64 = 300;
/// A week: a reminder rarer than that is not a reminder.
pub const MAX_REALERT_EVERY_S: i64 = 7 * 86_400;
pub const DEFAULT_REALERT_MAX: u32 = 10;
pub const MAX_REALERT_MAX: u32 = 100;
/// Escalation stays short enough to read at a glance.
pub const MAX_STEPS: usize = 5;
pub const MAX_STEP_CHANNELS: usize = 10;
/// The last step comes within a day of going down.
pub const MAX_STEP_AFTER_S: i64 = 86_400;

/// One escalation step: these channels hear of the down period `after_s` seconds into it,
/// unless someone acknowledged it first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub channels: Vec<String>,
    pub after_s: i64,
}

/// A monitor's reminder and escalation settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertPolicy {
    /// Seconds between reminders while down; `None`: no reminders.
    pub realert_every_s: Option<i64>,
    pub realert_max: u32,
    /// `None`: the down alert goes to the monitor's `channels` at once, as one step.
    pub escalation: Option<Vec<Step>>,
}

impl Default for AlertPolicy {
    fn default() -> Self {
        AlertPolicy {
            realert_every_s: None,
            realert_max: DEFAULT_REALERT_MAX,
            escalation: None,
        }
    }
}

impl AlertPolicy {
    /// The policy its columns store (`escalation` as JSON, as `escalation_json` writes it).
    pub fn from_columns(realert_every_s: Option<i64>, realert_max: i64, escalation: Option<&str>) -> AlertPolicy {
        AlertPolicy {
            realert_every_s: realert_every_s.filter(|s| *s > 0),
            realert_max: u32::try_from(realert_max).unwrap_or(DEFAULT_REALERT_MAX),
            escalation: escalation
                .and_then(|json| serde_json::from_str::<Value>(json).ok())
                .and_then(|v| parse_steps(&v).ok()),
        }
    }

    /// The stored form of `escalation`: `[{"channels": [...], "after": 900}, ...]`.
    pub fn escalation_json(&self) -> Option<String> {
        self.escalation.as_ref().map(|steps| steps_value(steps).to_string())
    }

    /// `escalation` as the API shows it.
    pub fn escalation_value(&self) -> Value {
        self.escalation.as_ref().map_or(Value::Null, |steps| steps_value(steps))
    }

    /// When each step is due, in ms after the monitor went down: without escalation, one
    /// step at once (the monitor's channels).
    pub fn step_delays_ms(&self) -> Vec<i64> {
        match &self.escalation {
            Some(steps) => steps.iter().map(|s| s.after_s * 1_000).collect(),
            None => vec![0],
        }
    }

    /// The channels of steps `from..to`, each once, in order; `None` for the monitor's own
    /// channels (no escalation).
    pub fn channels_of_steps(&self, from: usize, to: usize) -> Option<Vec<String>> {
        let steps = self.escalation.as_ref()?;
        let mut ids: Vec<String> = Vec::new();
        for id in steps.iter().take(to).skip(from).flat_map(|s| &s.channels) {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        Some(ids)
    }

    /// Every channel the escalation names, for the edge's check that they are the project's.
    pub fn escalation_channels(&self) -> Vec<String> {
        self.channels_of_steps(0, MAX_STEPS).unwrap_or_default()
    }

    /// Applies `realert_every`, `realert_max` and `escalation` when `body` has them (`null`
    /// clears to the default).
    pub fn apply(mut self, body: &Map<String, Value>) -> Checked<AlertPolicy> {
        if body.contains_key("realert_every") {
            self.realert_every_s = optional_integer(body, "realert_every", MIN_REALERT_EVERY_S, MAX_REALERT_EVERY_S)?;
        }
        if body.contains_key("realert_max") {
            let max = optional_integer(body, "realert_max", 1, i64::from(MAX_REALERT_MAX))?;
            self.realert_max = max.map_or(DEFAULT_REALERT_MAX, |n| u32::try_from(n).unwrap_or(DEFAULT_REALERT_MAX));
        }
        if let Some(raw) = body.get("escalation") {
            self.escalation = match raw {
                Value::Null => None,
                steps => Some(parse_steps(steps)?),
            };
        }
        Ok(self)
    }
}

fn steps_value(steps: &[Step]) -> Value {
    Value::Array(
        steps
            .iter()
            .map(|s| serde_json::json!({"channels": s.channels, "after": s.after_s}))
            .collect(),
    )
}

fn step_error(message: impl Into<String>) -> FieldError {
    FieldError::new("escalation", message)
}

/// `[{"channels": [ids], "after": seconds}, ...]`: 1 to 5 steps, each with 1 to 10 channel
/// ids and a delay of 0 to 86,400 s, later than the step before.
fn parse_steps(raw: &Value) -> Checked<Vec<Step>> {
    let shape = || {
        step_error(format!(
            "must be a list of 1 to {MAX_STEPS} steps {{\"channels\": [channel ids], \"after\": seconds}}, or null"
        ))
    };
    let list = raw
        .as_array()
        .filter(|l| (1..=MAX_STEPS).contains(&l.len()))
        .ok_or_else(shape)?;
    let mut steps: Vec<Step> = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let obj = item.as_object().ok_or_else(shape)?;
        let after_s = match obj.get("after") {
            None => 0,
            Some(v) => {
                let one = Map::from_iter([("after".to_string(), v.clone())]);
                optional_integer(&one, "after", 0, MAX_STEP_AFTER_S)
                    .map_err(|e| step_error(format!("step {}: after {}", i + 1, e.message)))?
                    .unwrap_or(0)
            }
        };
        if steps.last().is_some_and(|prev| after_s <= prev.after_s) {
            return Err(step_error(format!(
                "step {}: after must be later than the step before",
                i + 1
            )));
        }
        let channels = obj
            .get("channels")
            .and_then(Value::as_array)
            .filter(|c| (1..=MAX_STEP_CHANNELS).contains(&c.len()))
            .and_then(|c| {
                c.iter()
                    .map(|id| id.as_str().and_then(parse_uuid))
                    .collect::<Option<Vec<_>>>()
            })
            .ok_or_else(|| {
                step_error(format!(
                    "step {}: channels must be a list of 1 to {MAX_STEP_CHANNELS} channel ids",
                    i + 1
                ))
            })?;
        let mut unique: Vec<String> = Vec::new();
        for id in channels {
            if !unique.contains(&id) {
                unique.push(id);
            }
        }
        steps.push(Step {
            channels: unique,
            after_s,
        });
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const A: &str = "0b6f8a52-3c1e-4d7e-9a55-0f1e2d3c4b5a";
    const B: &str = "1c7f9b63-4d2f-4e8f-8b66-1f2e3d4c5b6a";

    fn apply(v: Value) -> Checked<AlertPolicy> {
        AlertPolicy::default().apply(v.as_object().unwrap())
    }

    fn refused(v: Value) -> (String, String) {
        let e = apply(v).unwrap_err();
        (e.field, e.message)
    }

    #[test]
    fn the_default_is_no_reminders_ten_at_most_and_no_escalation() {
        let p = apply(json!({})).unwrap();
        assert_eq!(p, AlertPolicy::default());
        assert_eq!((p.realert_every_s, p.realert_max, p.escalation), (None, 10, None));
        assert_eq!(AlertPolicy::default().step_delays_ms(), vec![0]);
        assert_eq!(AlertPolicy::default().channels_of_steps(0, 1), None);
    }

    #[test]
    fn realert_every_is_at_least_five_minutes_and_at_most_a_week() {
        assert_eq!(apply(json!({"realert_every": 300})).unwrap().realert_every_s, Some(300));
        assert_eq!(
            apply(json!({"realert_every": 604_800})).unwrap().realert_every_s,
            Some(604_800)
        );
        assert_eq!(
            refused(json!({"realert_every": 299})),
            ("realert_every".into(), "must be between 300 and 604800".into())
        );
        assert_eq!(refused(json!({"realert_every": 604_801})).0, "realert_every");
        assert_eq!(refused(json!({"realert_every": "1h"})).0, "realert_every");
        let on = apply(json!({"realert_every": 600})).unwrap();
        assert_eq!(
            on.apply(json!({"realert_every": null}).as_object().unwrap())
                .unwrap()
                .realert_every_s,
            None
        );
    }

    #[test]
    fn realert_max_is_between_one_and_a_hundred_and_null_is_the_default() {
        assert_eq!(apply(json!({"realert_max": 1})).unwrap().realert_max, 1);
        assert_eq!(apply(json!({"realert_max": 100})).unwrap().realert_max, 100);
        assert_eq!(apply(json!({"realert_max": null})).unwrap().realert_max, 10);
        assert_eq!(
            refused(json!({"realert_max": 0})),
            ("realert_max".into(), "must be between 1 and 100".into())
        );
        assert_eq!(refused(json!({"realert_max": 101})).0, "realert_max");
    }

    #[test]
    fn escalation_steps_are_read_in_order_with_their_channels_once() {
        let p = apply(json!({"escalation": [
            {"channels": [A]},
            {"channels": [B, A, B.to_uppercase()], "after": 900},
        ]}))
        .unwrap();
        assert_eq!(
            p.escalation,
            Some(vec![
                Step {
                    channels: vec![A.into()],
                    after_s: 0
                },
                Step {
                    channels: vec![B.into(), A.into()],
                    after_s: 900
                },
            ])
        );
        assert_eq!(p.step_delays_ms(), vec![0, 900_000]);
        assert_eq!(p.channels_of_steps(0, 1), Some(vec![A.to_string()]));
        assert_eq!(p.channels_of_steps(1, 2), Some(vec![B.to_string(), A.to_string()]));
        assert_eq!(p.channels_of_steps(0, 2), Some(vec![A.to_string(), B.to_string()]));
        assert_eq!(p.escalation_channels(), vec![A.to_string(), B.to_string()]);
        let stored = p.escalation_json().unwrap();
        assert_eq!(
            stored,
            format!(r#"[{{"after":0,"channels":["{A}"]}},{{"after":900,"channels":["{B}","{A}"]}}]"#)
        );
        assert_eq!(
            AlertPolicy::from_columns(Some(600), 3, Some(&stored)).escalation,
            p.escalation
        );
        assert_eq!(p.escalation_value()[1]["after"], 900);
        assert_eq!(AlertPolicy::default().escalation_value(), Value::Null);
    }

    #[test]
    fn stored_columns_read_back_as_the_policy() {
        let p = AlertPolicy::from_columns(Some(600), 3, None);
        assert_eq!((p.realert_every_s, p.realert_max, p.escalation), (Some(600), 3, None));
        assert_eq!(
            AlertPolicy::from_columns(Some(0), -1, Some("not json")),
            AlertPolicy::default()
        );
    }

    #[test]
    fn escalation_refuses_what_is_not_a_short_ordered_list_of_steps() {
        let shape = "must be a list of 1 to 5 steps {\"channels\": [channel ids], \"after\": seconds}, or null";
        for bad in [
            json!([]),
            json!("pagerduty"),
            json!([1]),
            json!(vec![json!({"channels": [A]}); 6]),
        ] {
            assert_eq!(
                refused(json!({ "escalation": bad })),
                ("escalation".into(), shape.into())
            );
        }
        let channels = "step 1: channels must be a list of 1 to 10 channel ids";
        for bad in [
            json!({}),
            json!({"channels": []}),
            json!({"channels": ["ops"]}),
            json!({"channels": vec![A; 11]}),
        ] {
            assert_eq!(refused(json!({ "escalation": [bad] })).1, channels);
        }
        assert_eq!(
            refused(json!({"escalation": [{"channels": [A], "after": 600}, {"channels": [B], "after": 600}]})).1,
            "step 2: after must be later than the step before"
        );
        assert_eq!(
            refused(json!({"escalation": [{"channels": [A], "after": 86_401}]})).1,
            "step 1: after must be between 0 and 86400"
        );
        assert_eq!(
            refused(json!({"escalation": [{"channels": [A], "after": -1}]})).0,
            "escalation"
        );
        assert!(apply(json!({"escalation": [{"channels": vec![A; 10], "after": 86_400}]})).is_ok());
        let off = apply(json!({"escalation": [{"channels": [A]}]})).unwrap();
        assert_eq!(
            off.apply(json!({"escalation": null}).as_object().unwrap())
                .unwrap()
                .escalation,
            None
        );
    }
}
