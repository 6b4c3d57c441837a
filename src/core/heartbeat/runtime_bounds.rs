//! Runtime bounds (issue 18, rule 3): how long a job's run may take (`min_runtime`,
//! `max_runtime`, seconds). A run is a start ping and its end (the success or fail with the
//! same `rid`, or without one the next end; `core::heartbeat::run` pairs them and the end
//! carries the run's duration). A run that ended too soon or too late is a failure; a run
//! still open at `max_runtime` after its start is a failure at that moment, which the sweep
//! finds: with `max_runtime` set, it is the open run's deadline in place of the grace.

use serde_json::{Map, Value};

use crate::core::heartbeat::flip_reason::Reason;
use crate::core::http_contract::validation::{optional_integer, Checked, FieldError};

/// The largest bound, in seconds: 30 days.
pub const MAX_RUNTIME_S: i64 = 30 * 86_400;

/// How long a run may take; either bound may be absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RuntimeBounds {
    pub min_ms: Option<i64>,
    pub max_ms: Option<i64>,
}

impl RuntimeBounds {
    /// No bounds: any run is fine, and an open run has the grace to end.
    pub const NONE: RuntimeBounds = RuntimeBounds {
        min_ms: None,
        max_ms: None,
    };

    /// The bounds of the stored columns (seconds, NULL for none).
    pub fn from_seconds(min_s: Option<i64>, max_s: Option<i64>) -> RuntimeBounds {
        RuntimeBounds {
            min_ms: min_s.map(|s| s * 1_000),
            max_ms: max_s.map(|s| s * 1_000),
        }
    }

    /// Why a run that lasted `ran_ms` is a failure, if it is one: shorter than the minimum,
    /// or longer than the maximum. Exactly a bound is within it.
    pub fn judge_run(&self, ran_ms: i64) -> Option<Reason> {
        match (self.min_ms, self.max_ms) {
            (Some(min_ms), _) if ran_ms < min_ms => Some(Reason::RanTooShort { ran_ms, min_ms }),
            (_, Some(max_ms)) if ran_ms > max_ms => Some(Reason::RanTooLong { ran_ms, max_ms }),
            _ => None,
        }
    }

    /// When a run started at `started` and still open is a failure: at `max_runtime` when
    /// there is one (without waiting for the grace), else at the grace.
    pub fn open_run_deadline(&self, started: i64, grace_ms: i64) -> i64 {
        started + self.max_ms.unwrap_or(grace_ms)
    }

    /// Why a run still open at its deadline is a failure.
    pub fn open_run_reason(&self) -> Reason {
        match self.max_ms {
            Some(max_ms) => Reason::StillRunning { max_ms },
            None => Reason::RunUnfinished,
        }
    }
}

/// Applies `min_runtime` / `max_runtime` (seconds, `null` to clear) from `body` over
/// `current`, then checks the pair: the minimum may not exceed the maximum.
pub fn apply_runtime_fields(current: RuntimeBounds, body: &Map<String, Value>) -> Checked<RuntimeBounds> {
    let mut bounds = current;
    if body.contains_key("min_runtime") {
        bounds.min_ms = optional_integer(body, "min_runtime", 1, MAX_RUNTIME_S)?.map(|s| s * 1_000);
    }
    if body.contains_key("max_runtime") {
        bounds.max_ms = optional_integer(body, "max_runtime", 1, MAX_RUNTIME_S)?.map(|s| s * 1_000);
    }
    if let (Some(min), Some(max)) = (bounds.min_ms, bounds.max_ms) {
        if min > max {
            return Err(FieldError::new("min_runtime", "must not be more than max_runtime"));
        }
    }
    Ok(bounds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const BOTH: RuntimeBounds = RuntimeBounds {
        min_ms: Some(60_000),
        max_ms: Some(600_000),
    };

    fn apply(current: RuntimeBounds, body: Value) -> Checked<RuntimeBounds> {
        apply_runtime_fields(current, body.as_object().unwrap())
    }

    #[test]
    fn a_run_shorter_than_the_minimum_fails_with_its_figures() {
        assert_eq!(
            BOTH.judge_run(3_000),
            Some(Reason::RanTooShort {
                ran_ms: 3_000,
                min_ms: 60_000
            })
        );
        assert_eq!(
            BOTH.judge_run(59_999).map(|r| r.to_string()).as_deref(),
            Some("ran 59 s, expected at least 1 min")
        );
    }

    #[test]
    fn a_run_longer_than_the_maximum_fails_with_its_figures() {
        assert_eq!(
            BOTH.judge_run(600_001),
            Some(Reason::RanTooLong {
                ran_ms: 600_001,
                max_ms: 600_000
            })
        );
    }

    #[test]
    fn a_run_of_exactly_a_bound_is_within_it() {
        assert_eq!(BOTH.judge_run(60_000), None);
        assert_eq!(BOTH.judge_run(600_000), None);
        assert_eq!(BOTH.judge_run(300_000), None);
    }

    #[test]
    fn without_bounds_every_run_is_fine() {
        assert_eq!(RuntimeBounds::NONE.judge_run(0), None);
        assert_eq!(RuntimeBounds::NONE.judge_run(i64::MAX), None);
        let only_min = RuntimeBounds {
            min_ms: Some(10),
            max_ms: None,
        };
        assert_eq!(only_min.judge_run(i64::MAX), None);
        assert!(only_min.judge_run(9).is_some());
    }

    #[test]
    fn an_open_run_is_due_at_the_maximum_without_the_grace() {
        assert_eq!(BOTH.open_run_deadline(1_000, 120_000), 601_000);
        assert_eq!(BOTH.open_run_reason(), Reason::StillRunning { max_ms: 600_000 });
        assert_eq!(RuntimeBounds::NONE.open_run_deadline(1_000, 120_000), 121_000);
        assert_eq!(RuntimeBounds::NONE.open_run_reason(), Reason::RunUnfinished);
    }

    #[test]
    fn stored_seconds_become_milliseconds() {
        assert_eq!(RuntimeBounds::from_seconds(Some(60), Some(600)), BOTH);
        assert_eq!(RuntimeBounds::from_seconds(None, None), RuntimeBounds::NONE);
    }

    #[test]
    fn fields_set_and_clear_each_bound() {
        assert_eq!(
            apply(RuntimeBounds::NONE, json!({"min_runtime": 60, "max_runtime": 600})),
            Ok(BOTH)
        );
        assert_eq!(
            apply(BOTH, json!({"min_runtime": null})),
            Ok(RuntimeBounds {
                min_ms: None,
                max_ms: Some(600_000)
            })
        );
        assert_eq!(
            apply(BOTH, json!({"name": "x"})),
            Ok(BOTH),
            "absent fields keep their value"
        );
        assert_eq!(
            apply(RuntimeBounds::NONE, json!({"min_runtime": 5, "max_runtime": 5})).map(|b| b.judge_run(5_000)),
            Ok(None),
            "equal bounds are allowed"
        );
    }

    #[test]
    fn bad_bounds_are_400s_naming_the_field() {
        for (body, field) in [
            (json!({"min_runtime": 0}), "min_runtime"),
            (json!({"max_runtime": 0}), "max_runtime"),
            (json!({"max_runtime": MAX_RUNTIME_S + 1}), "max_runtime"),
            (json!({"min_runtime": "60"}), "min_runtime"),
            (json!({"min_runtime": 1.5}), "min_runtime"),
            (json!({"min_runtime": 601, "max_runtime": 600}), "min_runtime"),
        ] {
            assert_eq!(
                apply(RuntimeBounds::NONE, body.clone()).unwrap_err().field,
                field,
                "{body}"
            );
        }
        assert_eq!(
            apply(BOTH, json!({"max_runtime": 30})).unwrap_err().field,
            "min_runtime",
            "a new maximum below the kept minimum"
        );
        assert!(apply(RuntimeBounds::NONE, json!({"max_runtime": MAX_RUNTIME_S})).is_ok());
        assert!(
            apply(RuntimeBounds::NONE, json!({"max_runtime": 2_592_000})).is_ok(),
            "30 days"
        );
        assert!(apply(RuntimeBounds::NONE, json!({"max_runtime": 2_592_001})).is_err());
        assert!(apply(RuntimeBounds::NONE, json!({"min_runtime": 1})).is_ok());
    }
}
