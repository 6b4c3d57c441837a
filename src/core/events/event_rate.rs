//! A project's event budgets: a rate (events per minute) and a monthly quota, both charged
//! per event and all-or-nothing per batch.
//!
//! Why: the ingest API limits a tenant to 120,000 events a minute by default and to a monthly
//! quota per plan, and a batch that would cross either limit is refused whole, so a client's
//! retry never double-counts the part that got in.
//!
//! The rate is exact at one-second granularity: it counts admitted events per UTC second,
//! and no 60 consecutive whole seconds ever hold more than the limit. (A 60 s window that
//! starts mid-second can see the last second before it as well; that is the price of
//! keeping at most 60 counters instead of one timestamp per event.)

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

pub use crate::core::events::token_bucket::Refusal;
use crate::core::time::{civil_from_days, days_from_civil};

/// The ingest API's default rate per project.
pub const DEFAULT_EVENTS_PER_MINUTE: u64 = 120_000;

const WINDOW_SECONDS: i64 = 60;
const MS_PER_DAY: i64 = 86_400_000;

/// Events admitted per second over the last minute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectRate {
    limit: u64,
    /// (UTC second, events admitted in it), oldest first, at most one per second of the window.
    seconds: VecDeque<(i64, u64)>,
}

impl ProjectRate {
    pub fn new(limit_per_minute: u64) -> Self {
        Self {
            limit: limit_per_minute,
            seconds: VecDeque::new(),
        }
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// A new limit from now on; what was admitted still counts against it.
    pub fn set_limit(&mut self, limit_per_minute: u64) {
        self.limit = limit_per_minute;
    }

    /// Events admitted in the minute ending with the second of `now_ms`.
    pub fn used(&self, now_ms: i64) -> u64 {
        let now = self.second_of(now_ms);
        self.live(now).map(|&(_, n)| n).fold(0, u64::saturating_add)
    }

    /// Whether `n` events could be admitted at `now_ms`, without admitting them.
    pub fn check_admit(&self, n: u64, now_ms: i64) -> Result<(), Refusal> {
        if n > self.limit {
            return Err(Refusal::Never);
        }
        let now = self.second_of(now_ms);
        let mut used = self.used(now_ms);
        if used.saturating_add(n) <= self.limit {
            return Ok(());
        }
        // The oldest seconds leave the window first; find the first instant with room.
        for &(second, count) in self.live(now) {
            used = used.saturating_sub(count);
            if used.saturating_add(n) <= self.limit {
                let reopens = second.saturating_add(WINDOW_SECONDS);
                return Err(Refusal::RetryAt(reopens.saturating_mul(1_000)));
            }
        }
        // Unreachable while n <= limit: an empty window has room.
        Err(Refusal::Never)
    }

    /// Admits `n` events at `now_ms`, or none of them.
    pub fn try_admit(&mut self, n: u64, now_ms: i64) -> Result<(), Refusal> {
        self.check_admit(n, now_ms)?;
        let now = self.second_of(now_ms);
        self.seconds.retain(|&(second, _)| is_live(second, now));
        match self.seconds.back_mut() {
            Some((second, count)) if *second == now => *count = count.saturating_add(n),
            _ => self.seconds.push_back((now, n)),
        }
        Ok(())
    }

    /// The UTC second of `now_ms`; a clock that steps backwards counts in the latest second
    /// seen, so it cannot reopen room.
    fn second_of(&self, now_ms: i64) -> i64 {
        let second = now_ms.div_euclid(1_000);
        self.seconds.back().map_or(second, |&(last, _)| second.max(last))
    }

    fn live(&self, now: i64) -> impl Iterator<Item = &(i64, u64)> {
        self.seconds.iter().filter(move |&&(second, _)| is_live(second, now))
    }
}

/// Whether events counted in `second` are still inside the minute ending with `now`.
fn is_live(second: i64, now: i64) -> bool {
    second > now.saturating_sub(WINDOW_SECONDS)
}

/// A UTC calendar month.
pub type Month = (i64, u32);

/// The UTC month of an instant.
pub fn month_of(ms: i64) -> Month {
    let (year, month, _) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    (year, month)
}

/// The first instant of the month after `month`.
pub fn next_month_start_ms(month: Month) -> i64 {
    let (year, m) = month;
    let (year, m) = if m >= 12 {
        (year.saturating_add(1), 1)
    } else {
        (year, m + 1)
    };
    days_from_civil(year, m, 1).saturating_mul(MS_PER_DAY)
}

/// Why the monthly quota refused a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaExceeded {
    pub used: u64,
    pub limit: u64,
    /// When the quota starts again: the first instant of the next UTC month.
    pub resets_at_ms: i64,
}

/// Events used in one UTC calendar month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MonthlyQuota {
    pub month: Month,
    pub used: u64,
}

impl MonthlyQuota {
    /// Whether `n` more events fit under `limit` at `now_ms`, without using them.
    pub fn check_use(&self, n: u64, limit: u64, now_ms: i64) -> Result<(), QuotaExceeded> {
        let (month, used) = self.at(now_ms);
        if used.saturating_add(n) <= limit {
            Ok(())
        } else {
            Err(QuotaExceeded {
                used,
                limit,
                resets_at_ms: next_month_start_ms(month),
            })
        }
    }

    /// Events used in the month of `now_ms` (0 in a month not counted yet).
    pub fn used_at(&self, now_ms: i64) -> u64 {
        self.at(now_ms).1
    }

    /// Uses `n` events of the month of `now_ms`, or none of them.
    pub fn try_use(&mut self, n: u64, limit: u64, now_ms: i64) -> Result<(), QuotaExceeded> {
        self.check_use(n, limit, now_ms)?;
        let (month, used) = self.at(now_ms);
        self.month = month;
        self.used = used.saturating_add(n);
        Ok(())
    }

    /// The month counted at `now_ms` and what it has used: a new month starts from zero; a
    /// clock that steps back into an earlier month keeps counting in the later one.
    fn at(&self, now_ms: i64) -> (Month, u64) {
        let month = month_of(now_ms);
        if month > self.month {
            (month, 0)
        } else {
            (self.month, self.used)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::time::parse_rfc3339;

    /// A whole second, so `T0 + k * 1_000` is the start of a second.
    const T0: i64 = 1_780_000_000_000;

    fn at(s: &str) -> i64 {
        parse_rfc3339(s).unwrap()
    }

    #[test]
    fn a_lowered_limit_counts_what_was_already_admitted() {
        let mut r = ProjectRate::new(100);
        r.try_admit(80, T0).unwrap();
        r.set_limit(90);
        assert_eq!(r.limit(), 90);
        assert_eq!(r.try_admit(11, T0), Err(Refusal::RetryAt(T0 + 60_000)));
        assert_eq!(r.try_admit(10, T0), Ok(()));
    }

    #[test]
    fn a_raised_limit_admits_more_at_once() {
        let mut r = ProjectRate::new(10);
        r.try_admit(10, T0).unwrap();
        r.set_limit(1_000);
        assert_eq!(r.try_admit(990, T0), Ok(()));
    }

    #[test]
    fn admits_up_to_the_limit_in_one_batch() {
        let mut r = ProjectRate::new(100);
        assert_eq!(r.try_admit(100, T0), Ok(()));
        assert_eq!(r.used(T0), 100);
    }

    #[test]
    fn a_batch_one_over_the_limit_can_never_be_admitted() {
        let mut r = ProjectRate::new(100);
        assert_eq!(r.try_admit(101, T0), Err(Refusal::Never));
        assert_eq!(r.used(T0), 0);
    }

    #[test]
    fn a_batch_crossing_the_limit_is_refused_whole() {
        let mut r = ProjectRate::new(100);
        r.try_admit(60, T0).unwrap();
        assert!(r.try_admit(41, T0).is_err());
        assert_eq!(r.used(T0), 60);
        assert_eq!(r.try_admit(40, T0), Ok(()));
    }

    #[test]
    fn room_reopens_exactly_sixty_seconds_after_the_oldest_second() {
        let mut r = ProjectRate::new(100);
        r.try_admit(100, T0 + 250).unwrap();
        assert_eq!(r.try_admit(1, T0 + 59_999), Err(Refusal::RetryAt(T0 + 60_000)));
        assert_eq!(r.try_admit(1, T0 + 60_000), Ok(()));
    }

    #[test]
    fn retry_at_waits_for_enough_seconds_to_leave() {
        let mut r = ProjectRate::new(100);
        r.try_admit(30, T0).unwrap();
        r.try_admit(30, T0 + 1_000).unwrap();
        r.try_admit(40, T0 + 2_000).unwrap();
        assert_eq!(r.try_admit(30, T0 + 10_000), Err(Refusal::RetryAt(T0 + 60_000)));
        assert_eq!(r.try_admit(31, T0 + 10_000), Err(Refusal::RetryAt(T0 + 61_000)));
        assert_eq!(r.try_admit(61, T0 + 10_000), Err(Refusal::RetryAt(T0 + 62_000)));
        assert_eq!(r.try_admit(31, T0 + 61_000), Ok(()));
    }

    #[test]
    fn events_of_one_second_share_a_counter() {
        let mut r = ProjectRate::new(1_000);
        for _ in 0..5 {
            r.try_admit(10, T0 + 100).unwrap();
        }
        assert_eq!(r.seconds.len(), 1);
        assert_eq!(r.used(T0 + 999), 50);
    }

    #[test]
    fn expired_seconds_are_dropped_when_admitting() {
        let mut r = ProjectRate::new(1_000);
        r.try_admit(10, T0).unwrap();
        r.try_admit(10, T0 + 59_000).unwrap();
        r.try_admit(10, T0 + 60_000).unwrap();
        assert_eq!(
            r.seconds.iter().map(|s| s.0).collect::<Vec<_>>(),
            vec![T0 / 1_000 + 59, T0 / 1_000 + 60]
        );
    }

    #[test]
    fn used_counts_the_last_sixty_seconds_only() {
        let mut r = ProjectRate::new(1_000);
        r.try_admit(10, T0).unwrap();
        r.try_admit(5, T0 + 30_000).unwrap();
        assert_eq!(r.used(T0 + 59_999), 15);
        assert_eq!(r.used(T0 + 60_000), 5);
    }

    #[test]
    fn the_default_is_120000_a_minute() {
        let mut r = ProjectRate::new(DEFAULT_EVENTS_PER_MINUTE);
        for i in 0..240 {
            r.try_admit(500, T0 + i * 100).unwrap();
        }
        assert_eq!(r.try_admit(1, T0 + 24_000), Err(Refusal::RetryAt(T0 + 60_000)));
    }

    #[test]
    fn a_clock_stepping_back_opens_no_room() {
        let mut r = ProjectRate::new(100);
        r.try_admit(100, T0 + 60_000).unwrap();
        assert_eq!(r.try_admit(1, T0), Err(Refusal::RetryAt(T0 + 120_000)));
        assert_eq!(r.used(T0), 100);
    }

    #[test]
    fn admitting_zero_always_succeeds() {
        let mut r = ProjectRate::new(1);
        r.try_admit(1, T0).unwrap();
        assert_eq!(r.try_admit(0, T0), Ok(()));
    }

    #[test]
    fn a_check_admits_nothing() {
        let r = ProjectRate::new(10);
        assert_eq!(r.check_admit(10, T0), Ok(()));
        assert_eq!(r.used(T0), 0);
    }

    #[test]
    fn seconds_before_the_epoch_are_counted_by_their_floor() {
        let mut r = ProjectRate::new(10);
        r.try_admit(10, -1).unwrap();
        assert_eq!(r.try_admit(1, -1), Err(Refusal::RetryAt(59_000)));
        assert_eq!(r.try_admit(1, 59_000), Ok(()));
    }

    #[test]
    fn rate_survives_a_serde_round_trip() {
        let mut r = ProjectRate::new(10);
        r.try_admit(10, T0).unwrap();
        let mut back: ProjectRate = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.try_admit(1, T0), Err(Refusal::RetryAt(T0 + 60_000)));
    }

    #[test]
    fn rate_at_the_end_of_time_saturates() {
        let mut r = ProjectRate::new(1);
        r.try_admit(1, i64::MAX).unwrap();
        assert_eq!(r.try_admit(1, i64::MAX), Err(Refusal::RetryAt(i64::MAX)));
        let mut r = ProjectRate::new(1);
        r.try_admit(1, i64::MIN).unwrap();
        assert!(r.try_admit(1, i64::MIN).is_err());
    }

    #[test]
    fn month_of_uses_the_utc_calendar() {
        assert_eq!(month_of(at("2026-07-31T23:59:59.999Z")), (2026, 7));
        assert_eq!(month_of(at("2026-08-01T00:00:00Z")), (2026, 8));
        assert_eq!(month_of(at("2026-08-01T01:00:00+02:00")), (2026, 7));
        assert_eq!(month_of(-1), (1969, 12));
    }

    #[test]
    fn next_month_start_rolls_the_year_over_in_december() {
        assert_eq!(next_month_start_ms((2026, 7)), at("2026-08-01T00:00:00Z"));
        assert_eq!(next_month_start_ms((2026, 11)), at("2026-12-01T00:00:00Z"));
        assert_eq!(next_month_start_ms((2026, 12)), at("2027-01-01T00:00:00Z"));
    }

    #[test]
    fn quota_uses_up_to_the_limit_exactly() {
        let mut q = MonthlyQuota::default();
        let now = at("2026-07-15T12:00:00Z");
        assert_eq!(q.try_use(1_000, 1_000, now), Ok(()));
        assert_eq!(q.used, 1_000);
        assert_eq!(q.month, (2026, 7));
    }

    #[test]
    fn a_batch_crossing_the_quota_is_refused_and_uses_nothing() {
        let mut q = MonthlyQuota::default();
        let now = at("2026-07-15T12:00:00Z");
        q.try_use(990, 1_000, now).unwrap();
        assert_eq!(
            q.try_use(11, 1_000, now),
            Err(QuotaExceeded {
                used: 990,
                limit: 1_000,
                resets_at_ms: at("2026-08-01T00:00:00Z"),
            })
        );
        assert_eq!(q.used, 990);
        assert_eq!(q.try_use(10, 1_000, now), Ok(()));
    }

    #[test]
    fn quota_rolls_over_at_the_utc_month_boundary() {
        let mut q = MonthlyQuota::default();
        q.try_use(1_000, 1_000, at("2026-07-31T23:59:59.999Z")).unwrap();
        assert!(q.try_use(1, 1_000, at("2026-07-31T23:59:59.999Z")).is_err());
        assert_eq!(q.try_use(1, 1_000, at("2026-08-01T00:00:00Z")), Ok(()));
        assert_eq!((q.month, q.used), ((2026, 8), 1));
    }

    #[test]
    fn quota_rolls_over_at_new_year() {
        let mut q = MonthlyQuota::default();
        q.try_use(5, 5, at("2026-12-31T23:00:00Z")).unwrap();
        assert_eq!(q.try_use(5, 5, at("2027-01-01T00:00:00Z")), Ok(()));
        assert_eq!(q.month, (2027, 1));
    }

    #[test]
    fn a_clock_stepping_back_a_month_keeps_counting_the_later_month() {
        let mut q = MonthlyQuota::default();
        q.try_use(5, 5, at("2026-08-01T00:00:00Z")).unwrap();
        assert!(q.try_use(1, 5, at("2026-07-31T23:59:59Z")).is_err());
        assert_eq!(q.month, (2026, 8));
    }

    #[test]
    fn a_zero_quota_refuses_any_event_but_not_an_empty_batch() {
        let mut q = MonthlyQuota::default();
        assert_eq!(q.try_use(0, 0, T0), Ok(()));
        assert!(q.try_use(1, 0, T0).is_err());
    }

    #[test]
    fn a_quota_check_uses_nothing() {
        let q = MonthlyQuota::default();
        assert_eq!(q.check_use(5, 5, T0), Ok(()));
        assert_eq!(q.used, 0);
    }

    #[test]
    fn quota_survives_a_serde_round_trip() {
        let mut q = MonthlyQuota::default();
        q.try_use(7, 10, T0).unwrap();
        let back: MonthlyQuota = serde_json::from_str(&serde_json::to_string(&q).unwrap()).unwrap();
        assert_eq!(back, q);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn no_sixty_whole_seconds_hold_more_than_the_limit(
                limit in 1u64..50, steps in proptest::collection::vec((0i64..3_000, 0u64..20), 1..200)
            ) {
                let mut r = ProjectRate::new(limit);
                let mut now = T0;
                let mut per_second = std::collections::BTreeMap::<i64, u64>::new();
                for (dt, n) in steps {
                    now += dt;
                    if r.try_admit(n, now).is_ok() {
                        *per_second.entry(now / 1_000).or_default() += n;
                    }
                }
                for &start in per_second.keys() {
                    let in_minute: u64 = per_second.range(start..start + 60).map(|(_, n)| n).sum();
                    prop_assert!(in_minute <= limit);
                }
            }

            #[test]
            fn a_rate_refusal_is_admitted_exactly_at_its_retry_time(
                limit in 1u64..50, steps in proptest::collection::vec((0i64..3_000, 1u64..20), 1..50)
            ) {
                let mut r = ProjectRate::new(limit);
                let mut now = T0;
                for (dt, n) in steps {
                    now += dt;
                    if let Err(Refusal::RetryAt(at)) = r.try_admit(n, now) {
                        prop_assert!(at > now);
                        prop_assert!(r.check_admit(n, at - 1).is_err());
                        prop_assert_eq!(r.check_admit(n, at), Ok(()));
                    }
                }
            }

            #[test]
            fn never_panics(
                limit in any::<u64>(), takes in proptest::collection::vec((any::<u64>(), any::<i64>()), 0..8),
                quota in any::<u64>(), month in any::<i64>().prop_map(month_of), used in any::<u64>()
            ) {
                let mut r = ProjectRate::new(limit);
                let mut q = MonthlyQuota { month, used };
                for (n, now) in takes {
                    let _ = r.try_admit(n, now);
                    let _ = r.used(now);
                    let _ = q.try_use(n, quota, now);
                }
            }
        }
    }
}
