//! Volume bands (issue 18, rule 7): how many pings a monitor expects per window
//! (`expect_min` / `expect_max` per `expect_window`: "between 100 and 10,000 page views an
//! hour"), for beacons and event-fed monitors whose health is a rate, not a deadline.
//!
//! Windows are whole hours that divide a day (1, 2, 3, 4, 6, 8, 12 or 24 h), aligned in UTC
//! (an hour's window starts on the hour, a day's at 00:00 UTC). Whole hours make the count
//! exact however many pings were pruned since: a window's count is its stored pings plus its
//! hours' figures in `ping_hours`, where pruning adds each ping to the UTC hour it was received
//! in before deleting it, so every ping of the window is in exactly one of the two.
//!
//! Each closed window is judged once, `SETTLE_MS` after it closes (the sweep's `check_at`):
//! out of the band, it is a failure (counted toward `failure_tolerance` like a miss); the
//! first window back inside the band after that is a success (counted toward
//! `recovery_threshold`). While the band is broken, pings do not end it (a beacon keeps
//! pinging however few its pings are); only a window back in the band does. The first window
//! judged is the first whole one after the band was set, so a band is never judged on part
//! of a window.

use serde_json::{Map, Value};

use crate::core::heartbeat::flip_reason::{Bound, Reason};
use crate::core::http_contract::validation::{optional_integer, Checked, FieldError};

/// The windows a band may use, in seconds: whole hours that divide a day.
pub const WINDOWS_S: [i64; 8] = [3_600, 7_200, 10_800, 14_400, 21_600, 28_800, 43_200, 86_400];
pub const DEFAULT_WINDOW_S: i64 = 3_600;
/// The largest `expect_min` / `expect_max`.
pub const MAX_EXPECT: i64 = 1_000_000_000;
/// A closed window is judged this long after it closes: its last pings are flushed to D1
/// within seconds, and the sweep still asks the token's object for any it holds.
pub const SETTLE_MS: i64 = 60_000;

/// How long after a window closes the sweep waits, at most, for events of an event-fed
/// monitor's name that its project's object still holds (it cannot say when they came).
pub const EVENTS_PATIENCE_MS: i64 = 10 * 60_000;

/// Whether a window ending at `until` can be counted at `now`: the token's object holds no
/// ping received before `until` (`held_since`: its oldest), and the project's object no
/// event of the monitor's name, unless it has held some for `EVENTS_PATIENCE_MS` past the end
/// (a busy name always has some on their way, received after the window).
pub fn window_settled(until: i64, held_since: Option<i64>, events_pending: bool, now: i64) -> bool {
    let pings_in = held_since.is_none_or(|since| since >= until);
    let events_in = !events_pending || now >= until + EVENTS_PATIENCE_MS;
    pings_in && events_in
}

/// A monitor's band: either bound may be absent; without both there is no band.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VolumeBand {
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub window_s: i64,
}

/// What a closed window came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Within(Reason),
    Outside(Reason),
}

impl VolumeBand {
    /// No band (the default): a window is never judged.
    pub const NONE: VolumeBand = VolumeBand {
        min: None,
        max: None,
        window_s: DEFAULT_WINDOW_S,
    };

    /// Whether there is a band to judge windows by.
    pub fn is_set(&self) -> bool {
        self.min.is_some() || self.max.is_some()
    }

    fn window_ms(&self) -> i64 {
        self.window_s * 1_000
    }

    /// The first window boundary at or after `now` (UTC-aligned): where judging starts when
    /// the band is set at `now`.
    pub fn boundary_at_or_after(&self, now: i64) -> i64 {
        let w = self.window_ms();
        now.div_euclid(w) * w + if now.rem_euclid(w) == 0 { 0 } else { w }
    }

    /// The next window to judge after windows up to `judged_until` were judged.
    pub fn next_window(&self, judged_until: i64) -> (i64, i64) {
        (judged_until, judged_until + self.window_ms())
    }

    /// When that window is judged: `SETTLE_MS` after it closes. `None` without a band.
    pub fn next_judgment(&self, judged_until: Option<i64>) -> Option<i64> {
        let judged_until = judged_until.filter(|_| self.is_set())?;
        Some(self.next_window(judged_until).1 + SETTLE_MS)
    }

    /// Judges the window `[from, until)` that received `pings`.
    pub fn judge(&self, from: i64, until: i64, pings: i64) -> Verdict {
        let broken = match (self.min, self.max) {
            (Some(min), _) if pings < min => Some(Bound::AtLeast(min)),
            (_, Some(max)) if pings > max => Some(Bound::AtMost(max)),
            _ => None,
        };
        match broken {
            Some(bound) => Verdict::Outside(Reason::OutOfBand {
                pings,
                from,
                until,
                bound,
            }),
            None => Verdict::Within(Reason::InBand { pings, from, until }),
        }
    }

    /// Where judging stands after the band changed from `old` to `self` at `now`: the same
    /// window keeps its place (`judged_until`); a new window, or a band just set, starts at
    /// the next boundary; no band, nothing.
    pub fn judged_until_after_change(&self, old: &VolumeBand, judged_until: Option<i64>, now: i64) -> Option<i64> {
        if !self.is_set() {
            return None;
        }
        match judged_until {
            Some(at) if old.is_set() && old.window_s == self.window_s => Some(at),
            _ => Some(self.boundary_at_or_after(now)),
        }
    }
}

/// Applies `expect_min`, `expect_max` (`null` clears either) and `expect_window` (`null` is
/// the default hour) from `body` over `current`, then checks the band as a whole.
pub fn apply_band_fields(current: VolumeBand, body: &Map<String, Value>) -> Checked<VolumeBand> {
    let mut band = current;
    if body.contains_key("expect_min") {
        band.min = optional_integer(body, "expect_min", 1, MAX_EXPECT)?;
    }
    if body.contains_key("expect_max") {
        band.max = optional_integer(body, "expect_max", 0, MAX_EXPECT)?;
    }
    if body.contains_key("expect_window") {
        let window = optional_integer(body, "expect_window", 0, i64::MAX)
            .ok()
            .map(|w| w.unwrap_or(DEFAULT_WINDOW_S))
            .filter(|w| WINDOWS_S.contains(w));
        band.window_s = window.ok_or_else(|| {
            FieldError::new(
                "expect_window",
                "must be 3600, 7200, 10800, 14400, 21600, 28800, 43200 or 86400 seconds (whole hours that divide a day)",
            )
        })?;
    }
    if let (Some(min), Some(max)) = (band.min, band.max) {
        if min > max {
            return Err(FieldError::new("expect_min", "must not be more than expect_max"));
        }
    }
    Ok(band)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HOUR: i64 = 3_600_000;
    /// 2026-12-03T00:00:00Z
    const DEC_3: i64 = 1_796_256_000_000;
    const HOURLY: VolumeBand = VolumeBand {
        min: Some(100),
        max: Some(10_000),
        window_s: 3_600,
    };

    fn apply(current: VolumeBand, body: Value) -> Checked<VolumeBand> {
        apply_band_fields(current, body.as_object().unwrap())
    }

    #[test]
    fn too_few_pings_break_the_band_from_below() {
        let verdict = HOURLY.judge(DEC_3 + 13 * HOUR, DEC_3 + 14 * HOUR, 99);
        let Verdict::Outside(reason) = verdict else {
            panic!("{verdict:?}")
        };
        assert_eq!(
            reason.to_string(),
            "99 pings from 13:00 to 14:00 UTC, expected at least 100"
        );
    }

    #[test]
    fn too_many_pings_break_the_band_from_above() {
        let Verdict::Outside(reason) = HOURLY.judge(DEC_3, DEC_3 + HOUR, 10_001) else {
            panic!()
        };
        assert_eq!(
            reason.to_string(),
            "10,001 pings from 00:00 to 01:00 UTC, expected at most 10,000"
        );
    }

    #[test]
    fn the_bounds_themselves_are_inside_the_band() {
        for pings in [100, 5_000, 10_000] {
            assert_eq!(
                HOURLY.judge(DEC_3, DEC_3 + HOUR, pings),
                Verdict::Within(Reason::InBand {
                    pings,
                    from: DEC_3,
                    until: DEC_3 + HOUR
                })
            );
        }
    }

    #[test]
    fn a_one_sided_band_is_broken_on_its_side_only() {
        let at_most = VolumeBand {
            min: None,
            max: Some(0),
            window_s: 3_600,
        };
        assert!(matches!(at_most.judge(0, HOUR, 0), Verdict::Within(_)));
        assert!(matches!(at_most.judge(0, HOUR, 1), Verdict::Outside(_)));
        let at_least = VolumeBand {
            min: Some(5),
            max: None,
            window_s: 3_600,
        };
        assert!(matches!(at_least.judge(0, HOUR, i64::MAX), Verdict::Within(_)));
        assert!(matches!(at_least.judge(0, HOUR, 4), Verdict::Outside(_)));
    }

    #[test]
    fn windows_are_aligned_in_utc() {
        assert_eq!(HOURLY.boundary_at_or_after(DEC_3 + 13 * HOUR + 1), DEC_3 + 14 * HOUR);
        assert_eq!(HOURLY.boundary_at_or_after(DEC_3 + 13 * HOUR), DEC_3 + 13 * HOUR);
        assert_eq!(HOURLY.boundary_at_or_after(DEC_3 + 14 * HOUR - 1), DEC_3 + 14 * HOUR);
        let daily = VolumeBand {
            window_s: 86_400,
            ..HOURLY
        };
        assert_eq!(daily.boundary_at_or_after(DEC_3 + 1), DEC_3 + 24 * HOUR);
        let six = VolumeBand {
            window_s: 21_600,
            ..HOURLY
        };
        assert_eq!(six.boundary_at_or_after(DEC_3 + 7 * HOUR), DEC_3 + 12 * HOUR);
    }

    #[test]
    fn a_window_is_judged_a_minute_after_it_closes() {
        assert_eq!(HOURLY.next_window(DEC_3), (DEC_3, DEC_3 + HOUR));
        assert_eq!(HOURLY.next_judgment(Some(DEC_3)), Some(DEC_3 + HOUR + SETTLE_MS));
        assert_eq!(HOURLY.next_judgment(None), None);
        assert_eq!(
            VolumeBand::NONE.next_judgment(Some(DEC_3)),
            None,
            "no band, nothing to judge"
        );
    }

    #[test]
    fn changing_the_window_or_setting_a_band_starts_at_the_next_boundary() {
        let now = DEC_3 + 13 * HOUR + 5;
        let narrower = VolumeBand { min: Some(1), ..HOURLY };
        assert_eq!(
            narrower.judged_until_after_change(&HOURLY, Some(DEC_3 + 12 * HOUR), now),
            Some(DEC_3 + 12 * HOUR),
            "new bounds, same window: the next window is still judged"
        );
        let two_hours = VolumeBand {
            window_s: 7_200,
            ..HOURLY
        };
        assert_eq!(
            two_hours.judged_until_after_change(&HOURLY, Some(DEC_3 + 12 * HOUR), now),
            Some(DEC_3 + 14 * HOUR)
        );
        assert_eq!(
            HOURLY.judged_until_after_change(&VolumeBand::NONE, Some(DEC_3), now),
            Some(DEC_3 + 14 * HOUR),
            "a band just set"
        );
        assert_eq!(
            HOURLY.judged_until_after_change(&HOURLY, None, now),
            Some(DEC_3 + 14 * HOUR)
        );
        assert_eq!(
            VolumeBand::NONE.judged_until_after_change(&HOURLY, Some(DEC_3), now),
            None
        );
    }

    #[test]
    fn a_window_waits_for_its_held_pings_but_not_for_later_ones() {
        let until = DEC_3 + HOUR;
        assert!(window_settled(until, None, false, until + SETTLE_MS));
        assert!(
            !window_settled(until, Some(until - 1), false, until + 10 * HOUR),
            "a ping of the window is on its way"
        );
        assert!(
            window_settled(until, Some(until), false, until + SETTLE_MS),
            "held pings came after the window"
        );
    }

    #[test]
    fn an_event_fed_window_waits_for_pending_events_a_while() {
        let until = DEC_3 + HOUR;
        assert!(!window_settled(until, None, true, until + SETTLE_MS));
        assert!(!window_settled(until, None, true, until + EVENTS_PATIENCE_MS - 1));
        assert!(window_settled(until, None, true, until + EVENTS_PATIENCE_MS));
        assert!(!window_settled(until, None, true, until + 599_999), "ten minutes");
        assert!(window_settled(until, None, true, until + 600_000));
        assert!(
            !window_settled(until, Some(until - 1), true, until + EVENTS_PATIENCE_MS),
            "held pings still hold it"
        );
    }

    #[test]
    fn fields_set_and_clear_the_band() {
        assert_eq!(
            apply(VolumeBand::NONE, json!({"expect_min": 100, "expect_max": 10000})),
            Ok(HOURLY)
        );
        assert!(apply(VolumeBand::NONE, json!({"expect_max": 0})).unwrap().is_set());
        let cleared = apply(HOURLY, json!({"expect_min": null, "expect_max": null})).unwrap();
        assert!(!cleared.is_set());
        assert_eq!(apply(HOURLY, json!({"expect_window": 86400})).unwrap().window_s, 86_400);
        assert_eq!(
            apply(
                VolumeBand {
                    window_s: 7_200,
                    ..HOURLY
                },
                json!({"expect_window": null})
            )
            .unwrap()
            .window_s,
            DEFAULT_WINDOW_S
        );
        assert_eq!(apply(HOURLY, json!({"name": "x"})), Ok(HOURLY));
        for w in WINDOWS_S {
            assert!(apply(HOURLY, json!({ "expect_window": w })).is_ok(), "{w}");
        }
    }

    #[test]
    fn bad_bands_are_400s_naming_the_field() {
        for (body, field) in [
            (json!({"expect_min": 0}), "expect_min"),
            (json!({"expect_min": MAX_EXPECT + 1}), "expect_min"),
            (json!({"expect_max": -1}), "expect_max"),
            (json!({"expect_max": "10"}), "expect_max"),
            (json!({"expect_window": 1800}), "expect_window"),
            (json!({"expect_window": 5400}), "expect_window"),
            (json!({"expect_window": 172800}), "expect_window"),
            (json!({"expect_window": "3600"}), "expect_window"),
            (json!({"expect_window": 3600.5}), "expect_window"),
            (json!({"expect_min": 11, "expect_max": 10}), "expect_min"),
        ] {
            assert_eq!(
                apply(VolumeBand::NONE, body.clone()).unwrap_err().field,
                field,
                "{body}"
            );
        }
        assert!(apply(
            VolumeBand::NONE,
            json!({"expect_min": MAX_EXPECT, "expect_max": MAX_EXPECT})
        )
        .is_ok());
        assert!(apply(VolumeBand::NONE, json!({"expect_min": 1})).is_ok());
    }
}
