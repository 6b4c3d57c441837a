//! The heartbeat API's statistic: per bucket of time, the check-ins the schedule expected
//! (`tick_count`), the pings that came (`run_count`), the expected check-ins met by a timely
//! success (`complete_count`), and the failures (`fail_count`: expected check-ins missed,
//! plus pings reporting failure).
//!
//! An expected check-in at `T` is met by a success or tick ping in `(previous T, T + grace]`.
//! One whose deadline `T + grace` has not passed yet is neither met nor missed.

use crate::core::heartbeat::cron::{CronExpr, Zone};
use crate::core::heartbeat::monitor::Schedule;
use crate::core::heartbeat::ping::PingKind;
use crate::core::http_contract::validation::{Checked, FieldError};

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
    // Split off the unit as a character: the last byte of "1é" is inside a character.
    let mut chars = text.chars();
    let unit_ms = match chars.next_back() {
        Some('m') => 60_000,
        Some('h') => 3_600_000,
        Some('d') => 86_400_000,
        _ => return Err(invalid()),
    };
    let digits = chars.as_str();
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
    let mut buckets = empty_buckets(start, count, bucket_ms);
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

/// The check-ins a schedule expected in `[from, to)`: a cron schedule's firings, or a simple
/// schedule's ticks by the status machine's rule over the check-ins among `pings` (sorted).
pub fn expected_ticks(
    schedule: &Schedule,
    pings: &[(i64, PingKind)],
    grace_ms: i64,
    from: i64,
    to: i64,
    zone: &dyn Zone,
) -> Vec<ExpectedTick> {
    match schedule {
        Schedule::Cron { expr, .. } => {
            let firings = CronExpr::parse(expr)
                .map(|c| c.firings(from - 1, to - 1, zone, MAX_TICKS))
                .unwrap_or_default();
            firing_ticks(&firings)
        }
        Schedule::Every { interval_s } => {
            let check_ins: Vec<i64> = pings.iter().filter(|(_, k)| k.is_check_in()).map(|(t, _)| *t).collect();
            interval_ticks(&check_ins, (*interval_s).max(60) * 1_000, grace_ms, from, to)
        }
    }
}

/// What the statistic reads of a monitor's pings for a range `[start, end)`: the last
/// check-in before `start` (it anchors what was expected at the start), the pings from
/// `start` to `end` plus the monitor's grace, sorted by time, the hourly figures of pings
/// pruned in the range, and when its oldest stored ping came.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PingHistory {
    pub anchor: Option<i64>,
    pub pings: Vec<(i64, PingKind)>,
    pub pruned: Vec<PrunedHour>,
    pub oldest_ping_at: Option<i64>,
}

/// What the statistic needs of the monitor itself.
pub struct Watched<'a> {
    pub created_at: i64,
    pub grace_ms: i64,
    pub schedule: &'a Schedule,
    pub zone: &'a dyn Zone,
}

/// The statistic's buckets over `[start, end)`: one rule for a single monitor's statistic and
/// the list's 24-hour strips, so both say the same.
pub fn statistic_buckets(
    monitor: &Watched,
    history: &PingHistory,
    start: i64,
    end: i64,
    bucket_ms: i64,
    now: i64,
) -> Vec<Bucket> {
    // Hours whose pings were pruned count from their hourly figures; the pings still stored
    // (from the oldest one on) count as always.
    let kept_from = match history.pruned.is_empty() {
        true => i64::MIN,
        false => history.oldest_ping_at.unwrap_or(end),
    };
    // Nothing was expected before the monitor existed.
    let from = start.max(monitor.created_at).max(kept_from);
    let mut pings: Vec<(i64, PingKind)> = history.anchor.into_iter().map(|t| (t, PingKind::Tick)).collect();
    pings.extend(history.pings.iter().copied());
    let ticks = expected_ticks(monitor.schedule, &pings, monitor.grace_ms, from, end, monitor.zone);
    let mut buckets = bucketize(start, end, bucket_ms, &ticks, &pings, monitor.grace_ms, now);
    add_pruned_hours(&mut buckets, start, bucket_ms, &history.pruned);
    buckets
}

/// A strip's range: the statistic's default, the 24 hours before `now`, in hours.
pub const STRIP_HOURS: i64 = 24;
pub const HOUR_MS: i64 = 3_600_000;

pub fn strip_range(now: i64) -> (i64, i64) {
    (now - STRIP_HOURS * HOUR_MS, now)
}

/// `count` empty buckets from `start`, each `bucket_ms` long.
fn empty_buckets(start: i64, count: usize, bucket_ms: i64) -> Vec<Bucket> {
    (0..count)
        .map(|i| Bucket {
            start: start + i as i64 * bucket_ms,
            tick_count: 0,
            run_count: 0,
            fail_count: 0,
            complete_count: 0,
        })
        .collect()
}

/// What a pruned hour's pings said (the raw pings are gone; see `ping_hours`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrunedHour {
    pub hour: i64,
    pub check_ins: u32,
    pub fails: u32,
}

/// Adds pruned hours to the buckets computed from the pings still stored. Without the pings'
/// times nothing can say which expected check-ins were met, so a pruned hour counts what
/// its pings said: each check-in one expected and run, met unless it reported failure.
pub fn add_pruned_hours(buckets: &mut [Bucket], start: i64, bucket_ms: i64, hours: &[PrunedHour]) {
    for h in hours.iter().filter(|h| h.hour >= start) {
        let Some(b) = buckets.get_mut(((h.hour - start) / bucket_ms) as usize) else {
            continue;
        };
        b.tick_count += h.check_ins;
        b.run_count += h.check_ins;
        b.fail_count += h.fails;
        b.complete_count += h.check_ins.saturating_sub(h.fails);
    }
}

#[cfg(test)]
mod pruned_hours_tests {
    use super::*;

    use super::empty_buckets as empty;

    #[test]
    fn pruned_hours_land_in_their_buckets() {
        let day = 86_400_000;
        let mut buckets = empty(0, 2, day);
        let hours = [
            PrunedHour {
                hour: 3_600_000,
                check_ins: 4,
                fails: 1,
            },
            PrunedHour {
                hour: day + 7_200_000,
                check_ins: 2,
                fails: 0,
            },
            PrunedHour {
                hour: 2 * day,
                check_ins: 9,
                fails: 9,
            }, // after the range
        ];
        add_pruned_hours(&mut buckets, 0, day, &hours);
        assert_eq!(
            (
                buckets[0].tick_count,
                buckets[0].run_count,
                buckets[0].fail_count,
                buckets[0].complete_count
            ),
            (4, 4, 1, 3)
        );
        assert_eq!(
            (
                buckets[1].tick_count,
                buckets[1].run_count,
                buckets[1].fail_count,
                buckets[1].complete_count
            ),
            (2, 2, 0, 2)
        );
    }

    #[test]
    fn buckets_count_from_the_ranges_start() {
        let hour = 3_600_000;
        let start = 100 * hour;
        let mut buckets = empty(start, 3, hour);
        add_pruned_hours(
            &mut buckets,
            start,
            hour,
            &[PrunedHour {
                hour: start + 2 * hour,
                check_ins: 3,
                fails: 1,
            }],
        );
        assert_eq!(buckets.iter().map(|b| b.run_count).collect::<Vec<_>>(), vec![0, 0, 3]);
        assert_eq!(buckets[2].fail_count, 1);
    }

    #[test]
    fn hours_before_the_range_are_left_out() {
        let mut buckets = empty(7_200_000, 1, 3_600_000);
        add_pruned_hours(
            &mut buckets,
            7_200_000,
            3_600_000,
            &[PrunedHour {
                hour: 3_600_000,
                check_ins: 5,
                fails: 0,
            }],
        );
        assert_eq!(buckets[0].run_count, 0);
    }
}

#[cfg(test)]
mod tests {
    use crate::core::heartbeat::cron::FixedZone;

    #[test]
    fn expected_ticks_of_a_cron_schedule_are_its_firings_in_the_range() {
        let daily_3am = Schedule::Cron {
            expr: "0 3 * * *".into(),
            tz: "UTC".into(),
        };
        let day = 86_400_000;
        let ticks = expected_ticks(&daily_3am, &[], 0, day, 3 * day, &FixedZone(0));
        let at: Vec<i64> = ticks.iter().map(|t| t.at).collect();
        assert_eq!(at, vec![day + 3 * 3_600_000, 2 * day + 3 * 3_600_000]);
        // In a zone two hours east, 03:00 local is 01:00 UTC.
        let east = expected_ticks(&daily_3am, &[], 0, day, 2 * day, &FixedZone(7_200));
        assert_eq!(east[0].at, day + 3_600_000);
    }

    #[test]
    fn expected_ticks_of_a_simple_schedule_follow_the_check_ins_and_ignore_other_pings() {
        let every_10_min = Schedule::Every { interval_s: 600 };
        let min = 60_000;
        let pings = [
            (0, PingKind::Tick),
            (5 * min, PingKind::Start),
            (7 * min, PingKind::Log),
        ];
        let ticks = expected_ticks(&every_10_min, &pings, 0, 0, 35 * min, &FixedZone(0));
        let at: Vec<i64> = ticks.iter().map(|t| t.at).collect();
        assert_eq!(
            at,
            vec![10 * min, 20 * min, 30 * min],
            "start and log pings are no check-ins"
        );
        let after_success = [(0, PingKind::Tick), (12 * min, PingKind::Success)];
        let at: Vec<i64> = expected_ticks(&every_10_min, &after_success, 0, 0, 35 * min, &FixedZone(0))
            .iter()
            .map(|t| t.at)
            .collect();
        assert_eq!(at, vec![10 * min, 20 * min, 22 * min, 32 * min]);
    }

    #[test]
    fn expected_ticks_never_come_faster_than_a_minute() {
        let too_fast = Schedule::Every { interval_s: 1 };
        let ticks = expected_ticks(&too_fast, &[(0, PingKind::Tick)], 0, 0, 180_000, &FixedZone(0));
        assert_eq!(ticks.iter().map(|t| t.at).collect::<Vec<_>>(), vec![60_000, 120_000]);
    }

    #[test]
    fn a_cron_firing_exactly_at_the_start_of_the_range_is_expected() {
        let daily_3am = Schedule::Cron {
            expr: "0 3 * * *".into(),
            tz: "UTC".into(),
        };
        let firing = 86_400_000 + 3 * 3_600_000;
        let ticks = expected_ticks(&daily_3am, &[], 0, firing, firing + 60_000, &FixedZone(0));
        assert_eq!(ticks.iter().map(|t| t.at).collect::<Vec<_>>(), vec![firing]);
    }

    #[test]
    fn a_cron_firing_exactly_at_the_end_of_the_range_is_not_expected() {
        let daily_3am = Schedule::Cron {
            expr: "0 3 * * *".into(),
            tz: "UTC".into(),
        };
        let day = 86_400_000;
        let firing = day + 3 * 3_600_000;
        assert!(expected_ticks(&daily_3am, &[], 0, firing - 60_000, firing, &FixedZone(0)).is_empty());
        let ticks = expected_ticks(&daily_3am, &[], 0, firing - day, firing, &FixedZone(0));
        assert_eq!(ticks.iter().map(|t| t.at).collect::<Vec<_>>(), vec![firing - day]);
    }

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
    fn a_leading_zero_is_an_invalid_interval() {
        for bad in ["05m", "01h", "0007d"] {
            assert_eq!(parse_bucket(bad).unwrap_err().field, "interval", "{bad:?}");
        }
    }

    #[test]
    fn a_plus_sign_is_an_invalid_interval() {
        assert_eq!(parse_bucket("+5m").unwrap_err().field, "interval");
    }

    #[test]
    fn a_range_of_max_buckets_is_answered_whole() {
        let end = START + MAX_BUCKETS * HOUR;
        assert_eq!(answered_range(START, end, HOUR), (START, end));
        assert_eq!(answered_range(START, START + 1, HOUR), (START, START + 1));
    }

    #[test]
    fn a_longer_range_is_cut_to_its_last_max_buckets() {
        let end = START + MAX_BUCKETS * HOUR;
        assert_eq!(answered_range(START - 1, end, HOUR), (START, end));
        assert_eq!(answered_range(START - 7 * 86_400_000, end, HOUR), (START, end));
        assert_eq!(answered_range(0, end, MIN), (end - MAX_BUCKETS * MIN, end));
    }

    #[test]
    fn a_range_that_does_not_end_after_it_starts_answers_nothing_at_its_end() {
        assert_eq!(answered_range(START, START, HOUR), (START, START));
        assert_eq!(answered_range(START + 1, START, HOUR), (START, START));
        assert_eq!(answered_range(START + 5 * HOUR, START, HOUR), (START, START));
    }

    #[test]
    fn a_unit_that_is_not_ascii_is_an_invalid_interval_not_a_panic() {
        for bad in ["1é", "é", "5€", "1h\u{301}", "\u{10FFFF}"] {
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

    #[test]
    fn the_largest_bucket_is_100000_units() {
        assert_eq!(parse_bucket("100000d").unwrap(), 100_000 * 86_400_000);
        assert_eq!(parse_bucket("100000m").unwrap(), 100_000 * MIN);
        assert!(parse_bucket("100001m").is_err());
    }

    /// 2026-01-01T00:00:00Z: a range that does not start at the epoch.
    const START: i64 = 1_767_225_600_000;

    #[test]
    fn buckets_of_a_real_range_count_only_what_falls_inside_it() {
        // Check-ins 5 minutes before the range, in it, exactly at its end and after it.
        let at = |m: i64| START + m * MIN;
        let pings = [
            (at(-5), PingKind::Success),
            (at(5), PingKind::Success),
            (at(20), PingKind::Tick),
            (at(60), PingKind::Success),
            (at(70), PingKind::Fail),
        ];
        let check_ins: Vec<i64> = pings.iter().map(|p| p.0).collect();
        let ticks = interval_ticks(&check_ins, 10 * MIN, 0, START, at(60));
        assert_eq!(
            ticks.iter().map(|t| (t.at - START) / MIN).collect::<Vec<_>>(),
            [5, 15, 25, 30, 40, 50]
        );
        let b = bucketize(START, at(60), 20 * MIN, &ticks, &pings, 0, at(120));
        let bucket = |m: i64, tick_count, run_count, complete_count, fail_count| Bucket {
            start: at(m),
            tick_count,
            run_count,
            complete_count,
            fail_count,
        };
        assert_eq!(
            b,
            [bucket(0, 2, 1, 1, 1), bucket(20, 2, 1, 1, 1), bucket(40, 2, 0, 0, 2)]
        );
    }

    #[test]
    fn a_ping_at_the_start_of_the_range_counts_and_one_at_its_end_does_not() {
        let pings = [(START, PingKind::Success), (START + HOUR, PingKind::Fail)];
        let b = bucketize(START, START + HOUR, 30 * MIN, &[], &pings, 0, START);
        assert_eq!(
            b.iter().map(|b| (b.run_count, b.fail_count)).collect::<Vec<_>>(),
            [(1, 0), (0, 0)]
        );
    }

    #[test]
    fn a_check_in_exactly_at_the_deadline_meets_the_tick() {
        // Due at 10 with 2 minutes of grace; the check-in at 12 answers it and anchors 22.
        let check_ins = [0, 12 * MIN];
        let ticks = interval_ticks(&check_ins, 10 * MIN, 2 * MIN, 0, 30 * MIN);
        assert_eq!(ticks.iter().map(|t| t.at / MIN).collect::<Vec<_>>(), [10, 22]);
        let pings = [(0, PingKind::Success), (12 * MIN, PingKind::Success)];
        let b = bucketize(0, 30 * MIN, 30 * MIN, &ticks[..1], &pings, 2 * MIN, HOUR);
        assert_eq!((b[0].complete_count, b[0].fail_count), (1, 0));
    }

    #[test]
    fn a_tick_is_missed_only_once_its_deadline_has_passed() {
        let ticks = ticks_for(&[0], 5, 11);
        assert_eq!(ticks.len(), 1, "due at 10");
        let at_deadline = bucketize(0, HOUR, HOUR, &ticks, &[(0, PingKind::Success)], 5 * MIN, 15 * MIN);
        assert_eq!((at_deadline[0].tick_count, at_deadline[0].fail_count), (1, 0));
        let after = bucketize(0, HOUR, HOUR, &ticks, &[(0, PingKind::Success)], 5 * MIN, 15 * MIN + 1);
        assert_eq!(after[0].fail_count, 1);
    }

    #[test]
    fn a_tick_exactly_at_the_start_of_the_range_is_expected() {
        let ticks = interval_ticks(&[0], 10 * MIN, 0, 10 * MIN, 30 * MIN);
        assert_eq!(ticks.iter().map(|t| t.at / MIN).collect::<Vec<_>>(), [10, 20]);
    }

    #[test]
    fn at_most_max_ticks_are_expected() {
        let ticks = interval_ticks(&[0], MIN, 0, 0, (MAX_TICKS as i64 + 10) * MIN);
        assert_eq!(ticks.len(), MAX_TICKS);
    }

    #[test]
    fn a_lone_cron_firing_expects_a_ping_in_the_day_before_it() {
        assert_eq!(
            firing_ticks(&[START]),
            [ExpectedTick {
                at: START,
                window_start: START - 24 * HOUR
            }]
        );
    }

    #[test]
    fn a_fail_ping_that_answers_no_tick_is_still_a_failure() {
        let b = bucketize(
            0,
            HOUR,
            HOUR,
            &[],
            &[(MIN, PingKind::Fail), (2 * MIN, PingKind::Fail)],
            0,
            HOUR,
        );
        assert_eq!((b[0].run_count, b[0].fail_count), (2, 2));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::core::time::properties::api_instant;
    use proptest::prelude::*;

    const UNITS: [(char, i64); 3] = [('m', 60_000), ('h', 3_600_000), ('d', 86_400_000)];

    proptest! {
        #[test]
        fn any_interval_text_is_a_bucket_or_an_interval_error(text in any::<String>()) {
            match parse_bucket(&text) {
                Ok(ms) => prop_assert!((60_000..=100_000 * 86_400_000).contains(&ms)),
                Err(e) => prop_assert_eq!(e.field, "interval"),
            }
        }

        #[test]
        fn interval_shaped_text_is_a_bucket_or_an_interval_error(text in "[+-]?[0-9]{0,8}[mhdwé€ ]?[mhd]?") {
            match parse_bucket(&text) {
                Ok(ms) => prop_assert!((60_000..=100_000 * 86_400_000).contains(&ms) && ms % 60_000 == 0),
                Err(e) => prop_assert_eq!(e.field, "interval"),
            }
        }

        #[test]
        fn a_written_interval_parses_to_its_length(n in 1i64..=100_000, unit in prop::sample::select(UNITS.to_vec())) {
            prop_assert_eq!(parse_bucket(&format!("{n}{}", unit.0)), Ok(n * unit.1));
        }

        #[test]
        fn buckets_tile_the_range_and_count_only_what_is_in_it(
            start in api_instant(),
            unit in prop::sample::select(UNITS.to_vec()),
            n in 1i64..=100,
            length_per_mille in 1i64..=1_000,
            buckets_wanted in 1i64..=20,
            interval_min in 1i64..=120,
            grace_min in 0i64..=120,
            pings in prop::collection::vec((0i64..=1_000, crate::core::heartbeat::ping::any_kind()), 0..40),
            now_per_mille in 0i64..=1_200,
        ) {
            let bucket_ms = n * unit.1;
            let end = start + (bucket_ms * buckets_wanted * length_per_mille / 1_000).max(1);
            let span = end - start;
            // Pings from a little before the range to a little after it, sorted.
            let mut pings: Vec<(i64, PingKind)> = pings
                .into_iter()
                .map(|(per_mille, kind)| (start - span / 10 + span * 12 / 10 * per_mille / 1_000, kind))
                .collect();
            pings.sort_by_key(|p| p.0);
            let check_ins: Vec<i64> = pings.iter().filter(|p| p.1.is_check_in()).map(|p| p.0).collect();
            let (interval_ms, grace_ms) = (interval_min * 60_000, grace_min * 60_000);
            let ticks = interval_ticks(&check_ins, interval_ms, grace_ms, start, end);
            let now = start + span * now_per_mille / 1_000;
            let buckets = bucketize(start, end, bucket_ms, &ticks, &pings, grace_ms, now);

            prop_assert_eq!(buckets.len() as i64, (span + bucket_ms - 1) / bucket_ms);
            for (i, b) in buckets.iter().enumerate() {
                prop_assert_eq!(b.start, start + i as i64 * bucket_ms);
                prop_assert!(b.complete_count <= b.tick_count);
                prop_assert!(b.fail_count <= b.tick_count + b.run_count);
            }
            let in_range = |t: i64| t >= start && t < end;
            let sum = |f: fn(&Bucket) -> u32| buckets.iter().map(f).sum::<u32>() as usize;
            prop_assert_eq!(sum(|b| b.run_count), check_ins.iter().filter(|&&t| in_range(t)).count());
            prop_assert_eq!(sum(|b| b.tick_count), ticks.len());
            prop_assert!(sum(|b| b.complete_count) <= check_ins.len());
            for t in &ticks {
                prop_assert!(in_range(t.at) && t.window_start < t.at);
            }
        }

        #[test]
        fn firing_ticks_open_each_window_at_the_previous_firing(mut firings in prop::collection::vec(api_instant(), 0..30)) {
            firings.sort_unstable();
            firings.dedup();
            let ticks = firing_ticks(&firings);
            prop_assert_eq!(ticks.len(), firings.len());
            for (i, t) in ticks.iter().enumerate() {
                prop_assert_eq!(t.at, firings[i]);
                prop_assert!(t.window_start < t.at);
                if i > 0 {
                    prop_assert_eq!(t.window_start, firings[i - 1]);
                }
            }
        }
    }
}

#[cfg(test)]
mod statistic_buckets_tests {
    use super::*;
    use crate::core::heartbeat::cron::FixedZone;

    const MIN: i64 = 60_000;

    static EVERY_MINUTE: Schedule = Schedule::Every { interval_s: 60 };
    static UTC: FixedZone = FixedZone(0);

    /// A monitor created at 0 that expects a ping every minute, in UTC.
    fn every_minute(grace_ms: i64) -> Watched<'static> {
        Watched {
            created_at: 0,
            grace_ms,
            schedule: &EVERY_MINUTE,
            zone: &UTC,
        }
    }

    #[test]
    fn the_anchor_before_the_range_makes_its_first_hour_expected() {
        let watched = every_minute(0);
        let start = 10 * HOUR_MS;
        let history = PingHistory {
            anchor: Some(start - MIN),
            ..PingHistory::default()
        };
        let buckets = statistic_buckets(&watched, &history, start, start + HOUR_MS, HOUR_MS, start + 2 * HOUR_MS);
        // Missed every minute of the hour, the first one expected from the anchor.
        assert_eq!(buckets[0].tick_count, 60);
        assert_eq!(buckets[0].fail_count, 60);
        let none = statistic_buckets(
            &watched,
            &PingHistory::default(),
            start,
            start + HOUR_MS,
            HOUR_MS,
            start + 2 * HOUR_MS,
        );
        assert_eq!(none[0].tick_count, 0, "a monitor never pinged expects nothing");
    }

    #[test]
    fn pings_in_the_range_are_runs_and_met_ticks() {
        let watched = every_minute(30_000);
        let start = 10 * HOUR_MS;
        let history = PingHistory {
            pings: vec![(start + MIN, PingKind::Success), (start + 2 * MIN, PingKind::Fail)],
            ..PingHistory::default()
        };
        let b = statistic_buckets(&watched, &history, start, start + HOUR_MS, HOUR_MS, start + 2 * MIN + 1);
        assert_eq!(
            (b[0].run_count, b[0].tick_count, b[0].complete_count, b[0].fail_count),
            (2, 58, 0, 1)
        );
    }

    #[test]
    fn pruned_hours_count_and_nothing_is_expected_before_the_oldest_kept_ping() {
        let watched = every_minute(0);
        let start = 10 * HOUR_MS;
        let history = PingHistory {
            anchor: Some(start - MIN),
            pruned: vec![PrunedHour {
                hour: start,
                check_ins: 5,
                fails: 1,
            }],
            oldest_ping_at: Some(start + HOUR_MS),
            pings: vec![(start + HOUR_MS, PingKind::Success)],
        };
        let b = statistic_buckets(
            &watched,
            &history,
            start,
            start + 2 * HOUR_MS,
            HOUR_MS,
            start + HOUR_MS + 1,
        );
        assert_eq!(
            (b[0].tick_count, b[0].run_count, b[0].fail_count),
            (5, 5, 1),
            "only the pruned figures"
        );
        assert_eq!(b[1].run_count, 1);
    }

    #[test]
    fn a_strip_is_the_24_hours_before_now() {
        assert_eq!(strip_range(100 * HOUR_MS), (76 * HOUR_MS, 100 * HOUR_MS));
    }
}
