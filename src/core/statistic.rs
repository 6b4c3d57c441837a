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
    // The unit is one ASCII letter, so cutting it off stays on a character boundary.
    let unit_ms = match text.chars().last() {
        Some('m') => 60_000,
        Some('h') => 3_600_000,
        Some('d') => 86_400_000,
        _ => return Err(invalid()),
    };
    let digits = &text[..text.len() - 1];
    // Plain digits without a leading zero, as openapi.json's pattern says.
    if digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let n: i64 = digits
        .parse()
        .ok()
        .filter(|n| *n >= 1 && *n <= 100_000)
        .ok_or_else(invalid)?;
    Ok(n * unit_ms)
}

/// The range a statistic answers for: at most `MAX_BUCKETS` buckets, the ones ending at
/// `end` when more were asked for, and nothing when the range does not end after it starts.
/// Cut rather than refused: the answer's dates say which range it covers.
pub fn answered_range(start: i64, end: i64, bucket_ms: i64) -> (i64, i64) {
    if start >= end {
        return (end, end);
    }
    (start.max(end - MAX_BUCKETS * bucket_ms), end)
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
    let check_ins: Vec<(i64, PingKind)> = pings.iter().copied().filter(|(_, k)| k.is_check_in()).collect();
    let mut answered_a_tick = vec![false; check_ins.len()];
    // Each check-in answers at most one expected check-in: ticks take them in order.
    let mut used_until = i64::MIN;
    for tick in ticks {
        let deadline = tick.at + grace_ms;
        // The first unused check-in after the window opens answers it, if not after the deadline.
        let first = check_ins.partition_point(|&(t, _)| t <= tick.window_start.max(used_until));
        let answer = check_ins.get(first).filter(|&&(t, _)| t <= deadline);
        if let Some(&(t, _)) = answer {
            used_until = t;
            answered_a_tick[first] = true;
        }
        let Some(i) = slot(tick.at) else { continue };
        buckets[i].tick_count += 1;
        match answer {
            Some((_, PingKind::Fail)) => buckets[i].fail_count += 1,
            Some(_) => buckets[i].complete_count += 1,
            None if deadline < now => buckets[i].fail_count += 1,
            None => {}
        }
    }
    for (k, &(at, kind)) in check_ins.iter().enumerate() {
        let Some(i) = slot(at) else { continue };
        buckets[i].run_count += 1;
        // A fail that answered no expected check-in is still a failure.
        if kind == PingKind::Fail && !answered_a_tick[k] {
            buckets[i].fail_count += 1;
        }
    }
    buckets
}

/// Expected check-ins of a simple schedule, by the status machine's rule: after each
/// check-in the next is due `interval_ms` later, and while none comes one is expected every
/// interval, until a check-in answers one. Before the first check-in nothing is expected
/// (a new monitor). `check_ins` are sorted times; ticks are returned within `[from, to)`.
pub fn interval_ticks(check_ins: &[i64], interval_ms: i64, grace_ms: i64, from: i64, to: i64) -> Vec<ExpectedTick> {
    let mut ticks = Vec::new();
    for (i, &anchor) in check_ins.iter().enumerate() {
        let next = check_ins.get(i + 1).copied();
        let mut window_start = anchor;
        let mut at = anchor + interval_ms;
        while at < to && ticks.len() < MAX_TICKS {
            if at >= from {
                ticks.push(ExpectedTick { at, window_start });
            }
            // The next check-in answers this tick if it comes by its deadline; it then anchors
            // the ticks after it.
            if next.is_some_and(|n| n <= at + grace_ms) {
                break;
            }
            window_start = at;
            at += interval_ms;
        }
    }
    ticks
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

    /// Ticks for check-ins every `every` minutes from 0, on a 10-minute schedule.
    fn ticks_for(check_ins_min: &[i64], grace_min: i64, to_min: i64) -> Vec<ExpectedTick> {
        let check_ins: Vec<i64> = check_ins_min.iter().map(|m| m * MIN).collect();
        interval_ticks(&check_ins, 10 * MIN, grace_min * MIN, 0, to_min * MIN)
    }

    #[test]
    fn nothing_is_expected_before_the_first_check_in() {
        assert!(interval_ticks(&[], 10 * MIN, 0, 0, HOUR).is_empty());
        let ticks = ticks_for(&[30], 0, 60);
        assert_eq!(ticks.iter().map(|t| t.at / MIN).collect::<Vec<_>>(), [40, 50]);
    }

    #[test]
    fn each_check_in_restarts_the_wait() {
        // On time at 9 and 19 (early is fine), then silence: expected at 29, 39, 49, 59.
        let ticks = ticks_for(&[0, 9, 19], 0, 60);
        assert_eq!(
            ticks.iter().map(|t| t.at / MIN).collect::<Vec<_>>(),
            [10, 19, 29, 39, 49, 59]
        );
        assert_eq!(
            ticks[3],
            ExpectedTick {
                at: 39 * MIN,
                window_start: 29 * MIN
            }
        );
    }

    #[test]
    fn a_late_check_in_answers_the_tick_it_lands_on() {
        // Due at 10; 31 is after 10 (+2 grace) and 20 (+2), inside 30 (+2): 10 and 20 missed.
        let check_ins = [0, 31 * MIN];
        let ticks = interval_ticks(&check_ins, 10 * MIN, 2 * MIN, 0, 40 * MIN);
        assert_eq!(ticks.iter().map(|t| t.at / MIN).collect::<Vec<_>>(), [10, 20, 30]);
        let pings = [(0, PingKind::Success), (31 * MIN, PingKind::Success)];
        let b = bucketize(0, 40 * MIN, 40 * MIN, &ticks, &pings, 2 * MIN, HOUR);
        assert_eq!(
            b[0],
            Bucket {
                start: 0,
                tick_count: 3,
                run_count: 2,
                complete_count: 1,
                fail_count: 2
            }
        );
    }

    #[test]
    fn a_range_without_pings_reports_every_past_tick_as_missed() {
        let ticks = ticks_for(&[0], 0, 60);
        let buckets = bucketize(0, HOUR, 30 * MIN, &ticks, &[(0, PingKind::Success)], 0, 10 * HOUR);
        assert_eq!(buckets.len(), 2);
        assert_eq!(
            (buckets[0].tick_count, buckets[0].fail_count, buckets[0].complete_count),
            (2, 2, 0)
        );
        assert_eq!((buckets[1].tick_count, buckets[1].fail_count), (3, 3));
    }

    #[test]
    fn timely_pings_complete_ticks_and_count_as_runs() {
        let pings = [
            (0, PingKind::Success),
            (9 * MIN, PingKind::Success),
            (19 * MIN, PingKind::Tick),
        ];
        let ticks = ticks_for(&[0, 9, 19], 0, 29);
        let b = bucketize(0, 29 * MIN, 29 * MIN, &ticks, &pings, 0, HOUR);
        assert_eq!(
            b[0],
            Bucket {
                start: 0,
                tick_count: 2,
                run_count: 3,
                complete_count: 2,
                fail_count: 0
            }
        );
    }

    #[test]
    fn a_fail_ping_answers_its_tick_as_one_failure() {
        let pings = [(0, PingKind::Success), (9 * MIN, PingKind::Fail)];
        let ticks = ticks_for(&[0, 9], 0, 15);
        let b = bucketize(0, 15 * MIN, 15 * MIN, &ticks, &pings, 0, HOUR);
        assert_eq!(
            b[0],
            Bucket {
                start: 0,
                tick_count: 1,
                run_count: 2,
                complete_count: 0,
                fail_count: 1
            }
        );
    }

    #[test]
    fn ticks_not_yet_due_are_neither_met_nor_missed() {
        let ticks = ticks_for(&[0], 5, 60);
        let b = bucketize(0, HOUR, HOUR, &ticks, &[(0, PingKind::Success)], 5 * MIN, 32 * MIN);
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
