//! Seed 001's statistic: per bucket of time, the check-ins the schedule expected
//! (`tick_count`), the pings that came (`run_count`), the expected check-ins met by a timely
//! success (`complete_count`), and the failures (`fail_count`: expected check-ins missed,
//! plus pings reporting failure).
//!
//! An expected check-in at `T` is met by a success or tick ping in `(previous T, T + grace]`.
//! One whose deadline `T + grace` has not passed yet is neither met nor missed.

use super::ping::PingKind;
use super::validation::{Checked, FieldError};

/// At most this many buckets per request.
pub const MAX_BUCKETS: i64 = 1_000;
/// At most this many expected check-ins are evaluated per request.
pub const MAX_TICKS: usize = 50_000;

/// `5m`, `1h`, `1d`, `7d`, ...: N minutes, hours or days, as milliseconds.
pub fn parse_bucket(text: &str) -> Checked<i64> {
    let invalid = || {
        FieldError::new(
            "interval",
            "must be a whole number followed by m, h or d, like 5m, 1h or 7d",
        )
    };
    let (digits, unit) = text.split_at(text.len().saturating_sub(1));
    let n: i64 = digits
        .parse()
        .ok()
        .filter(|n| *n >= 1 && *n <= 100_000)
        .ok_or_else(invalid)?;
    let unit_ms = match unit {
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(invalid()),
    };
    Ok(n * unit_ms)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub start: i64,
    pub tick_count: u32,
    pub run_count: u32,
    pub fail_count: u32,
    pub complete_count: u32,
}

/// An expected check-in at `at`, met by a ping after `window_start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpectedTick {
    pub at: i64,
    pub window_start: i64,
}

/// The buckets covering `[start, end)`, each `bucket_ms` long (the last may be shorter).
/// `pings` must be sorted by time.
pub fn bucketize(
    start: i64,
    end: i64,
    bucket_ms: i64,
    ticks: &[ExpectedTick],
    pings: &[(i64, PingKind)],
    grace_ms: i64,
    now: i64,
) -> Vec<Bucket> {
    let count = ((end - start + bucket_ms - 1) / bucket_ms).max(0) as usize;
    let mut buckets: Vec<Bucket> = (0..count)
        .map(|i| Bucket {
            start: start + i as i64 * bucket_ms,
            tick_count: 0,
            run_count: 0,
            fail_count: 0,
            complete_count: 0,
        })
        .collect();
    let slot = |t: i64| -> Option<usize> { (t >= start && t < end).then(|| ((t - start) / bucket_ms) as usize) };
    let successes: Vec<i64> = pings
        .iter()
        .filter(|(_, k)| matches!(k, PingKind::Success | PingKind::Tick))
        .map(|(t, _)| *t)
        .collect();
    // Each ping meets at most one expected check-in: ticks take them in order.
    let mut used_until = i64::MIN;
    for tick in ticks {
        let Some(i) = slot(tick.at) else { continue };
        buckets[i].tick_count += 1;
        let deadline = tick.at + grace_ms;
        // The first unused success after the window opens; met if it is not after the deadline.
        let first = successes.partition_point(|&t| t <= tick.window_start.max(used_until));
        if let Some(&t) = successes.get(first).filter(|&&t| t <= deadline) {
            used_until = t;
            buckets[i].complete_count += 1;
        } else if deadline < now {
            buckets[i].fail_count += 1;
        }
    }
    for &(at, kind) in pings {
        let Some(i) = slot(at) else { continue };
        if kind.is_check_in() {
            buckets[i].run_count += 1;
        }
        if kind == PingKind::Fail {
            buckets[i].fail_count += 1;
        }
    }
    buckets
}

/// Expected check-ins of a simple schedule: every `interval_ms` from `anchor`, within
/// `[from, to)`, each expecting a ping since the one before.
pub fn interval_ticks(anchor: i64, interval_ms: i64, from: i64, to: i64) -> Vec<ExpectedTick> {
    let first_k = ((from - anchor) as f64 / interval_ms as f64).ceil().max(1.0) as i64;
    (first_k..)
        .map(|k| anchor + k * interval_ms)
        .take_while(|&at| at < to)
        .take(MAX_TICKS)
        .map(|at| ExpectedTick {
            at,
            window_start: at - interval_ms,
        })
        .collect()
}

/// Expected check-ins at given firing times (a cron schedule's): each expects a ping since
/// the firing before it (the first, since as long before it as the gap to the second).
pub fn firing_ticks(firings: &[i64]) -> Vec<ExpectedTick> {
    firings
        .iter()
        .enumerate()
        .map(|(i, &at)| {
            let window_start = match i {
                0 => at - firings.get(1).map_or(86_400_000, |next| next - at),
                _ => firings[i - 1],
            };
            ExpectedTick { at, window_start }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;
    const HOUR: i64 = 3_600_000;

    #[test]
    fn bucket_sizes_parse() {
        assert_eq!(parse_bucket("5m").unwrap(), 5 * MIN);
        assert_eq!(parse_bucket("1h").unwrap(), HOUR);
        assert_eq!(parse_bucket("7d").unwrap(), 7 * 86_400_000);
        for bad in ["", "m", "0h", "1w", "1.5h", "-1d", "h1"] {
            assert_eq!(parse_bucket(bad).unwrap_err().field, "interval", "{bad:?}");
        }
    }

    #[test]
    fn interval_ticks_start_after_the_anchor() {
        let ticks = interval_ticks(0, 10 * MIN, 0, HOUR);
        assert_eq!(ticks.len(), 5, "10, 20, 30, 40, 50 minutes; 60 is outside");
        assert_eq!(
            ticks[0],
            ExpectedTick {
                at: 10 * MIN,
                window_start: 0
            }
        );
        assert_eq!(
            interval_ticks(0, 10 * MIN, 25 * MIN, 45 * MIN)
                .iter()
                .map(|t| t.at)
                .collect::<Vec<_>>(),
            [30 * MIN, 40 * MIN]
        );
    }

    #[test]
    fn a_range_without_pings_reports_every_past_tick_as_missed() {
        let ticks = interval_ticks(0, 10 * MIN, 0, HOUR);
        let buckets = bucketize(0, HOUR, 30 * MIN, &ticks, &[], 0, 10 * HOUR);
        assert_eq!(buckets.len(), 2);
        assert_eq!(
            (buckets[0].tick_count, buckets[0].fail_count, buckets[0].complete_count),
            (2, 2, 0)
        );
        assert_eq!((buckets[1].tick_count, buckets[1].fail_count), (3, 3));
    }

    #[test]
    fn timely_pings_complete_ticks_and_count_as_runs() {
        let ticks = interval_ticks(0, 10 * MIN, 0, HOUR);
        // Pings just before 10 and 20 minutes, one within grace after 30, none for 40 and 50.
        let pings = [
            (9 * MIN, PingKind::Success),
            (19 * MIN, PingKind::Tick),
            (31 * MIN, PingKind::Success),
        ];
        let b = bucketize(0, HOUR, HOUR, &ticks, &pings, 2 * MIN, 10 * HOUR);
        assert_eq!(
            b[0],
            Bucket {
                start: 0,
                tick_count: 5,
                run_count: 3,
                complete_count: 3,
                fail_count: 2
            }
        );
    }

    #[test]
    fn fail_pings_count_as_failures_and_do_not_complete() {
        let ticks = interval_ticks(0, 10 * MIN, 0, 20 * MIN);
        let pings = [(9 * MIN, PingKind::Fail)];
        let b = bucketize(0, 20 * MIN, 20 * MIN, &ticks, &pings, 0, HOUR);
        assert_eq!(
            b[0],
            Bucket {
                start: 0,
                tick_count: 1,
                run_count: 1,
                complete_count: 0,
                fail_count: 2
            }
        );
    }

    #[test]
    fn ticks_not_yet_due_are_neither_met_nor_missed() {
        let ticks = interval_ticks(0, 10 * MIN, 0, HOUR);
        let b = bucketize(0, HOUR, HOUR, &ticks, &[], 5 * MIN, 32 * MIN);
        // 10 and 20 (+5 grace) have passed at 32 min; 30 has not (35).
        assert_eq!((b[0].tick_count, b[0].fail_count, b[0].complete_count), (5, 2, 0));
    }

    #[test]
    fn logs_and_starts_are_not_runs() {
        let pings = [(MIN, PingKind::Log), (2 * MIN, PingKind::Start)];
        let b = bucketize(0, HOUR, HOUR, &[], &pings, 0, HOUR);
        assert_eq!(b[0].run_count, 0);
    }

    #[test]
    fn cron_firings_expect_a_ping_since_the_previous_firing() {
        let ticks = firing_ticks(&[HOUR, 2 * HOUR, 5 * HOUR]);
        assert_eq!(ticks[0].window_start, 0);
        assert_eq!(ticks[2].window_start, 2 * HOUR);
    }

    #[test]
    fn the_last_bucket_may_be_short() {
        let b = bucketize(0, 90 * MIN, HOUR, &[], &[(80 * MIN, PingKind::Success)], 0, 0);
        assert_eq!(b.len(), 2);
        assert_eq!(b[1].run_count, 1);
    }
}
