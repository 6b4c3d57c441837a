//! Five-field cron expressions (minute hour day-of-month month day-of-week) and the next
//! time one fires in a time zone, correct across DST changes, month ends and 29 February.
//!
//! Written here rather than taken from a crate: the crates that parse cron well bring chrono
//! and a bundled time-zone database, which alone would add ~150 KB gzip to the worker. Time
//! zones come in through the `Zone` trait instead: the runtime's `Intl` at the edge, and
//! the IANA database (chrono-tz) in native tests.

use crate::core::http_contract::validation::FieldError;
use crate::core::time::{civil_from_days, days_from_civil};

/// UTC offsets of a time zone.
pub trait Zone {
    /// Seconds east of UTC in effect at the UTC instant `utc_ms`.
    fn offset_seconds_at(&self, utc_ms: i64) -> i32;
}

/// A zone with one fixed offset (UTC is `FixedZone(0)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedZone(pub i32);

impl Zone for FixedZone {
    fn offset_seconds_at(&self, _utc_ms: i64) -> i32 {
        self.0
    }
}

/// A parsed expression: one bit per allowed value of each field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronExpr {
    minutes: u64,
    hours: u32,
    days_of_month: u32,
    months: u16,
    days_of_week: u8,
    /// Vixie cron: when both day fields are restricted, a day matching either fires.
    dom_restricted: bool,
    dow_restricted: bool,
}

pub(crate) const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
pub(crate) const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn invalid(message: impl Into<String>) -> FieldError {
    FieldError::new("schedule", message)
}

/// One or two ASCII digits: the only numbers the grammar has (no sign, no long zero runs),
/// so that `core::heartbeat::cron_pattern` can spell it as a regular expression.
fn number(s: &str) -> Option<u32> {
    ((1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

/// The values from `lo` to `hi`, every `step`, in a field of `min..=max`: past `max` a
/// range goes on from `min` (`22-2` is 22, 23, 0, 1, 2), and the step counts across.
pub(crate) fn range_values(min: u32, max: u32, lo: u32, hi: u32, step: u32) -> impl Iterator<Item = u32> {
    let span = max - min + 1;
    let length = if lo <= hi { hi - lo } else { max - lo + 1 + hi - min };
    (0..=length)
        .step_by(step as usize)
        .map(move |d| min + (lo - min + d) % span)
}

/// Parses one field into a bit set of the values in `min..=max`.
fn parse_field(text: &str, what: &str, min: u32, max: u32, names: &[&str], name_base: u32) -> Result<u64, FieldError> {
    let value = |s: &str| -> Result<u32, FieldError> {
        let upper = s.to_ascii_uppercase();
        if let Some(i) = names.iter().position(|n| *n == upper) {
            return Ok(i as u32 + name_base);
        }
        match number(s) {
            Some(v) if (min..=max).contains(&v) => Ok(v),
            _ => Err(invalid(format!("{what} value {s:?} is not in {min}-{max}"))),
        }
    };
    let mut bits = 0u64;
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => match number(s) {
                Some(step) if step > 0 && step <= max => (r, step),
                _ => return Err(invalid(format!("{what} step {s:?} is not a positive number"))),
            },
            None => (item, 1),
        };
        let (lo, hi) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            // `22-2` (hours) and `FRI-MON` wrap around the field's end.
            (value(a)?, value(b)?)
        } else if range.is_empty() {
            return Err(invalid(format!("{what} has an empty item")));
        } else {
            let v = value(range)?;
            // `5/15` means from 5 to the end, every 15.
            (v, if item.contains('/') { max } else { v })
        };
        for v in range_values(min, max, lo, hi, step) {
            bits |= 1 << v;
        }
    }
    Ok(bits)
}

impl CronExpr {
    pub fn parse(text: &str) -> Result<CronExpr, FieldError> {
        // Fields are separated by spaces; tabs and other white space are not part of it.
        let text = text.trim_matches(' ');
        let expanded = match text.to_ascii_lowercase().as_str() {
            "@yearly" | "@annually" => "0 0 1 1 *".to_string(),
            "@monthly" => "0 0 1 * *".to_string(),
            "@weekly" => "0 0 * * 0".to_string(),
            "@daily" | "@midnight" => "0 0 * * *".to_string(),
            "@hourly" => "0 * * * *".to_string(),
            _ => text.to_string(),
        };
        let fields: Vec<&str> = expanded.split(' ').filter(|f| !f.is_empty()).collect();
        let [minute, hour, dom, month, dow] = fields[..] else {
            return Err(invalid(
                "must have five fields: minute hour day-of-month month day-of-week",
            ));
        };
        let days_of_week = parse_field(dow, "day-of-week", 0, 7, &DAY_NAMES, 0)?;
        let expr = CronExpr {
            minutes: parse_field(minute, "minute", 0, 59, &[], 0)?,
            hours: parse_field(hour, "hour", 0, 23, &[], 0)? as u32,
            days_of_month: parse_field(dom, "day-of-month", 1, 31, &[], 0)? as u32,
            months: parse_field(month, "month", 1, 12, &MONTH_NAMES, 1)? as u16,
            // 7 is Sunday too.
            days_of_week: ((days_of_week | (days_of_week >> 7)) & 0x7f) as u8,
            dom_restricted: !dom.starts_with('*'),
            dow_restricted: !dow.starts_with('*'),
        };
        if !(1..=12)
            .any(|m| expr.months & (1 << m) != 0 && (1..=max_day(m)).any(|d| expr.days_of_month & (1 << d) != 0))
            && !expr.dow_restricted
        {
            return Err(invalid("never fires: no month has that day"));
        }
        Ok(expr)
    }

    fn day_matches(&self, year: i64, month: u32, day: u32) -> bool {
        if self.months & (1 << month) == 0 {
            return false;
        }
        let weekday = (days_from_civil(year, month, day) + 4).rem_euclid(7) as u32; // 1970-01-01 was a Thursday
        let dom = self.days_of_month & (1 << day) != 0;
        let dow = self.days_of_week & (1 << weekday) != 0;
        match (self.dom_restricted, self.dow_restricted) {
            (true, true) => dom || dow,
            (true, false) => dom,
            (false, true) => dow,
            (false, false) => true,
        }
    }

    /// The first firing strictly after `after_ms` (UTC), in `zone`; `None` if none within
    /// eight years (only possible for expressions like "0 0 31 2 *" with a weekday).
    pub fn next_after(&self, after_ms: i64, zone: &dyn Zone) -> Option<i64> {
        let local_now = after_ms + offset_ms(zone, after_ms);
        let first_day = local_now.div_euclid(86_400_000);
        for day in first_day - 1..first_day + 8 * 366 {
            let (y, m, d) = civil_from_days(day);
            if !self.day_matches(y, m, d) {
                continue;
            }
            for hour in (0..24).filter(|h| self.hours & (1 << h) != 0) {
                for minute in (0..60).filter(|mi| self.minutes & (1u64 << mi) != 0) {
                    let local = day * 86_400_000 + (hour * 3_600 + minute * 60) * 1_000;
                    let at = local_to_utc(local, zone);
                    if at > after_ms {
                        return Some(at);
                    }
                }
            }
        }
        None
    }

    /// Every firing in `(from_ms, to_ms]`, oldest first, at most `cap` of them.
    pub fn firings(&self, from_ms: i64, to_ms: i64, zone: &dyn Zone, cap: usize) -> Vec<i64> {
        let mut out = Vec::new();
        let mut t = from_ms;
        while out.len() < cap {
            match self.next_after(t, zone) {
                Some(next) if next <= to_ms => {
                    out.push(next);
                    t = next;
                }
                _ => break,
            }
        }
        out
    }
}

fn max_day(month: u32) -> u32 {
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The zone's offset at the UTC instant `utc_ms`, in milliseconds.
fn offset_ms(zone: &dyn Zone, utc_ms: i64) -> i64 {
    i64::from(zone.offset_seconds_at(utc_ms)) * 1_000
}

/// The UTC instant of a local wall-clock time (`local_ms` counts local time as if it were
/// UTC). Ambiguous times (clocks going back) take the earlier instant; times skipped by
/// clocks going forward are shifted forward by the gap, like the job would run late.
pub fn local_to_utc(local_ms: i64, zone: &dyn Zone) -> i64 {
    let day = 86_400_000;
    let before = offset_ms(zone, local_ms - day);
    let after = offset_ms(zone, local_ms + day);
    let valid = |offset: i64| offset_ms(zone, local_ms - offset) == offset;
    match (valid(before), valid(after)) {
        (true, true) => (local_ms - before).min(local_ms - after),
        (true, false) => local_ms - before,
        (false, true) => local_ms - after,
        (false, false) => local_ms - before,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::time::{format_rfc3339, parse_rfc3339};

    struct Iana(chrono_tz::Tz);

    impl Zone for Iana {
        fn offset_seconds_at(&self, utc_ms: i64) -> i32 {
            use chrono::{Offset, TimeZone};
            self.0
                .timestamp_millis_opt(utc_ms)
                .unwrap()
                .offset()
                .fix()
                .local_minus_utc()
        }
    }

    fn zone(name: &str) -> Iana {
        Iana(name.parse().unwrap())
    }

    fn next(expr: &str, after: &str, z: &dyn Zone) -> String {
        let at = CronExpr::parse(expr)
            .unwrap()
            .next_after(parse_rfc3339(after).unwrap(), z)
            .unwrap();
        format_rfc3339(at)
    }

    const UTC: FixedZone = FixedZone(0);

    #[test]
    fn every_minute_fires_on_the_next_minute() {
        assert_eq!(
            next("* * * * *", "2026-01-01T00:00:00Z", &UTC),
            "2026-01-01T00:01:00.000Z"
        );
        assert_eq!(
            next("* * * * *", "2026-01-01T00:00:30Z", &UTC),
            "2026-01-01T00:01:00.000Z"
        );
    }

    #[test]
    fn steps_ranges_and_lists() {
        assert_eq!(
            next("*/15 * * * *", "2026-01-01T10:16:00Z", &UTC),
            "2026-01-01T10:30:00.000Z"
        );
        assert_eq!(
            next("5/20 * * * *", "2026-01-01T10:26:00Z", &UTC),
            "2026-01-01T10:45:00.000Z"
        );
        assert_eq!(
            next("0 9-17/4 * * *", "2026-01-01T13:00:00Z", &UTC),
            "2026-01-01T17:00:00.000Z"
        );
        assert_eq!(
            next("0 8,12,18 * * *", "2026-01-01T12:00:00Z", &UTC),
            "2026-01-01T18:00:00.000Z"
        );
    }

    #[test]
    fn ranges_wrap_around_the_field_s_end() {
        assert_eq!(
            next("0 22-2 * * *", "2026-01-01T03:00:00Z", &UTC),
            "2026-01-01T22:00:00.000Z"
        );
        assert_eq!(
            next("0 22-2/2 * * *", "2026-01-01T22:30:00Z", &UTC),
            "2026-01-02T00:00:00.000Z"
        );
        // 2026-01-02 is a Friday: FRI-MON skips to Friday, then the weekend.
        assert_eq!(
            next("0 6 * * fri-mon", "2026-01-01T07:00:00Z", &UTC),
            "2026-01-02T06:00:00.000Z"
        );
    }

    #[test]
    fn month_and_weekday_names() {
        // 2026-01-01 is a Thursday.
        assert_eq!(
            next("0 6 * * mon-fri", "2026-01-02T07:00:00Z", &UTC),
            "2026-01-05T06:00:00.000Z"
        );
        assert_eq!(
            next("0 0 1 jun *", "2026-01-01T00:00:00Z", &UTC),
            "2026-06-01T00:00:00.000Z"
        );
        assert_eq!(
            next("0 0 * * 7", "2026-01-01T00:00:00Z", &UTC),
            "2026-01-04T00:00:00.000Z",
            "7 is Sunday"
        );
    }

    #[test]
    fn month_ends_and_leap_days() {
        assert_eq!(
            next("0 0 31 * *", "2026-04-01T00:00:00Z", &UTC),
            "2026-05-31T00:00:00.000Z"
        );
        assert_eq!(
            next("0 12 29 2 *", "2026-01-01T00:00:00Z", &UTC),
            "2028-02-29T12:00:00.000Z"
        );
    }

    #[test]
    fn either_day_field_matches_when_both_are_restricted() {
        // The 13th, or any Friday: after Thu 2026-02-12 comes Fri the 13th, then Fri the 20th.
        assert_eq!(
            next("0 0 13 * 5", "2026-02-12T00:00:00Z", &UTC),
            "2026-02-13T00:00:00.000Z"
        );
        assert_eq!(
            next("0 0 13 * 5", "2026-02-13T00:00:00Z", &UTC),
            "2026-02-20T00:00:00.000Z"
        );
    }

    #[test]
    fn macros() {
        assert_eq!(next("@daily", "2026-01-01T00:00:00Z", &UTC), "2026-01-02T00:00:00.000Z");
        assert_eq!(
            next("@hourly", "2026-01-01T00:30:00Z", &UTC),
            "2026-01-01T01:00:00.000Z"
        );
        assert_eq!(
            next("@weekly", "2026-01-01T00:00:00Z", &UTC),
            "2026-01-04T00:00:00.000Z"
        );
    }

    #[test]
    fn follows_the_time_zone() {
        let z = zone("Asia/Kolkata"); // +05:30, no DST
        assert_eq!(
            next("0 9 * * *", "2026-01-01T00:00:00Z", &z),
            "2026-01-01T03:30:00.000Z"
        );
    }

    #[test]
    fn spring_forward_shifts_skipped_times_and_keeps_others() {
        let z = zone("Europe/Berlin"); // 2026-03-29 02:00 CET -> 03:00 CEST
                                       // 02:30 does not exist that day: shifted by the gap, to 03:30 CEST = 01:30Z.
        assert_eq!(
            next("30 2 * * *", "2026-03-28T12:00:00Z", &z),
            "2026-03-29T01:30:00.000Z"
        );
        // 09:00 local is 08:00Z before the change and 07:00Z after it.
        assert_eq!(
            next("0 9 * * *", "2026-03-28T09:00:00Z", &z),
            "2026-03-29T07:00:00.000Z"
        );
    }

    #[test]
    fn fall_back_fires_once_at_the_first_occurrence() {
        let z = zone("America/New_York"); // 2026-11-01 02:00 EDT -> 01:00 EST
        let expr = CronExpr::parse("30 1 * * *").unwrap();
        let from = parse_rfc3339("2026-10-31T12:00:00Z").unwrap();
        let to = parse_rfc3339("2026-11-02T12:00:00Z").unwrap();
        let fired: Vec<String> = expr.firings(from, to, &z, 10).into_iter().map(format_rfc3339).collect();
        assert_eq!(fired, ["2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"]);
    }

    #[test]
    fn hourly_across_fall_back_fires_every_real_hour() {
        let z = zone("America/New_York");
        let expr = CronExpr::parse("0 * * * *").unwrap();
        let from = parse_rfc3339("2026-11-01T04:30:00Z").unwrap();
        let to = parse_rfc3339("2026-11-01T07:30:00Z").unwrap();
        // 01:00 EDT (05Z), then 01:00 EST is the same wall time and is not repeated; 02:00 EST (07Z).
        let fired: Vec<String> = expr.firings(from, to, &z, 10).into_iter().map(format_rfc3339).collect();
        assert_eq!(fired, ["2026-11-01T05:00:00.000Z", "2026-11-01T07:00:00.000Z"]);
    }

    #[test]
    fn southern_hemisphere_dst() {
        let z = zone("Australia/Sydney"); // 2026-10-04 02:00 AEST -> 03:00 AEDT
        assert_eq!(
            next("0 12 * * *", "2026-10-03T03:00:00Z", &z),
            "2026-10-04T01:00:00.000Z"
        );
    }

    #[test]
    fn rejects_malformed_expressions() {
        for bad in [
            "",
            "* * * *",
            "* * * * * *",
            "60 * * * *",
            "* 24 * * *",
            "* * 0 * *",
            "* * * 13 *",
            "* * * * 8",
            "*/0 * * * *",
            "a * * * *",
            "* * * foo *",
            "1,,2 * * * *",
            "0 0 30 2 *",
        ] {
            let err = CronExpr::parse(bad).unwrap_err();
            assert_eq!(err.field, "schedule", "{bad:?}");
        }
    }

    #[test]
    fn local_to_utc_handles_fixed_zones() {
        assert_eq!(local_to_utc(3_600_000, &FixedZone(3_600)), 0);
    }

    #[test]
    fn thirty_day_months_never_have_a_31st() {
        for month in [4, 6, 9, 11] {
            let text = format!("0 0 31 {month} *");
            assert_eq!(CronExpr::parse(&text).unwrap_err().field, "schedule", "{text}");
            assert!(CronExpr::parse(&format!("0 0 30 {month} *")).is_ok());
        }
        // With a 31-day month beside it, only that month fires.
        assert_eq!(
            next("0 0 31 4,5 *", "2026-01-01T00:00:00Z", &UTC),
            "2026-05-31T00:00:00.000Z"
        );
        assert_eq!(
            next("0 0 31 * *", "2026-09-01T00:00:00Z", &UTC),
            "2026-10-31T00:00:00.000Z"
        );
    }

    #[test]
    fn yearly_monthly_and_midnight_macros() {
        let after = "2026-03-15T12:00:00Z";
        assert_eq!(next("@yearly", after, &UTC), "2027-01-01T00:00:00.000Z");
        assert_eq!(next("@annually", after, &UTC), "2027-01-01T00:00:00.000Z");
        assert_eq!(next("@monthly", after, &UTC), "2026-04-01T00:00:00.000Z");
        assert_eq!(next("@midnight", after, &UTC), "2026-03-16T00:00:00.000Z");
        assert_eq!(next(" @Daily ", after, &UTC), "2026-03-16T00:00:00.000Z");
    }

    #[test]
    fn a_step_as_large_as_the_field_and_a_one_value_range_are_valid() {
        assert_eq!(
            next("*/59 * * * *", "2026-01-01T00:00:00Z", &UTC),
            "2026-01-01T00:59:00.000Z"
        );
        assert!(CronExpr::parse("*/60 * * * *").is_err());
        assert_eq!(
            next("0 5-5 * * *", "2026-01-01T00:00:00Z", &UTC),
            "2026-01-01T05:00:00.000Z"
        );
    }

    #[test]
    fn sunday_as_0_and_7_together_is_still_sunday() {
        // 2026-01-01 is a Thursday; the next Sunday is the 4th.
        assert_eq!(
            next("0 0 * * 0,7", "2026-01-01T00:00:00Z", &UTC),
            "2026-01-04T00:00:00.000Z"
        );
        assert_eq!(
            next("0 0 * * 6-7", "2026-01-03T00:00:00Z", &UTC),
            "2026-01-04T00:00:00.000Z"
        );
    }

    #[test]
    fn fires_before_1970_too() {
        assert_eq!(
            next("0 0 * * *", "1969-12-30T12:00:00Z", &UTC),
            "1969-12-31T00:00:00.000Z"
        );
        assert_eq!(
            next("0 0 1 1 *", "1900-06-01T00:00:00Z", &UTC),
            "1901-01-01T00:00:00.000Z"
        );
    }

    #[test]
    fn a_firing_skipped_at_the_end_of_a_local_day_runs_after_the_gap() {
        // America/Nuuk, 2026-03-29: at 01:00Z, 23:00 (-02) on Saturday jumps to 00:00 (-01) on
        // Sunday, so Saturday's 23:30 does not exist and runs at 00:30 local, 01:30Z. Asked at
        // 01:10Z (Sunday 00:10 local), the firing still due is Saturday's.
        let z = zone("America/Nuuk");
        assert_eq!(
            next("30 23 * * *", "2026-03-29T01:10:00Z", &z),
            "2026-03-29T01:30:00.000Z"
        );
        assert_eq!(
            next("30 23 * * *", "2026-03-29T01:30:00Z", &z),
            "2026-03-30T00:30:00.000Z"
        );
    }

    #[test]
    fn a_time_before_a_spring_forward_on_the_same_day_keeps_the_old_offset() {
        let z = zone("Europe/Berlin"); // 2026-03-29 02:00 CET -> 03:00 CEST
        assert_eq!(
            next("30 1 * * *", "2026-03-28T12:00:00Z", &z),
            "2026-03-29T00:30:00.000Z"
        );
        assert_eq!(
            next("0 9 * * *", "2026-03-28T00:00:00Z", &z),
            "2026-03-28T08:00:00.000Z"
        );
    }

    #[test]
    fn a_time_after_a_fall_back_on_the_same_day_takes_the_new_offset() {
        let z = zone("America/New_York"); // 2026-11-01 02:00 EDT -> 01:00 EST
        assert_eq!(
            next("30 3 * * *", "2026-11-01T00:00:00Z", &z),
            "2026-11-01T08:30:00.000Z"
        );
        assert_eq!(
            next("30 23 * * *", "2026-10-31T12:00:00Z", &z),
            "2026-11-01T03:30:00.000Z"
        );
    }

    #[test]
    fn firings_include_the_end_of_the_range_and_stop_at_the_cap() {
        let expr = CronExpr::parse("0 * * * *").unwrap();
        let from = parse_rfc3339("2026-01-01T00:00:00Z").unwrap();
        let to = parse_rfc3339("2026-01-01T03:00:00Z").unwrap();
        assert_eq!(expr.firings(from, to, &UTC, 10).len(), 3, "01, 02 and 03, not 00");
        assert_eq!(expr.firings(from, to - 1, &UTC, 10).len(), 2);
        assert_eq!(expr.firings(from, to, &UTC, 2).len(), 2);
    }

    #[test]
    fn a_zone_far_west_of_utc_fires_late_in_its_own_local_day() {
        // 14 hours behind UTC, 21:00 local on 31 December is 11:00Z on 1 January; the 22:00
        // firing of that local day comes next, not the one of 1 January local.
        let z = FixedZone(-14 * 3_600);
        assert_eq!(
            next("0 22 * * *", "2026-01-01T11:00:00Z", &z),
            "2026-01-01T12:00:00.000Z"
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::core::time::properties::api_instant;
    use proptest::prelude::*;

    /// One item of a field: `*`, a value, a range, each maybe with a step; values a little
    /// outside the field's range too, and names.
    fn item(max: u32, names: &'static [&'static str]) -> impl Strategy<Value = String> {
        let value = prop_oneof![
            (0..=max + 2).prop_map(|v| v.to_string()),
            // A name of another field ("jan" as a minute) is wrong too.
            prop::sample::select([names, &["JAN", "SUN"]].concat()).prop_map(|n| n.to_ascii_lowercase()),
            prop::sample::select(vec!["", "-1", "x", "9999999999", "é"]).prop_map(String::from),
        ];
        let range = prop_oneof![
            Just("*".to_string()),
            value.clone(),
            (value.clone(), value).prop_map(|(a, b)| format!("{a}-{b}")),
        ];
        (range, prop::option::of(0..=max + 2)).prop_map(|(r, step)| match step {
            Some(s) => format!("{r}/{s}"),
            None => r,
        })
    }

    fn field(max: u32, names: &'static [&'static str]) -> impl Strategy<Value = String> {
        prop::collection::vec(item(max, names), 1..=3).prop_map(|items| items.join(","))
    }

    /// Five fields that are mostly, but not always, valid.
    fn expression() -> impl Strategy<Value = String> {
        prop_oneof![
            8 => (field(59, &[]), field(23, &[]), field(31, &[]), field(12, &MONTH_NAMES), field(7, &DAY_NAMES))
                .prop_map(|(a, b, c, d, e)| format!("{a} {b} {c} {d} {e}")),
            1 => prop::sample::select(vec!["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly", "@reboot"])
                .prop_map(String::from),
            1 => any::<String>(),
        ]
    }

    /// Whether `expr` fires at the local wall-clock time `local_ms`.
    fn fires_at(expr: &CronExpr, local_ms: i64) -> bool {
        let (y, m, d) = civil_from_days(local_ms.div_euclid(86_400_000));
        let in_day = local_ms.rem_euclid(86_400_000);
        in_day % 60_000 == 0
            && expr.day_matches(y, m, d)
            && expr.hours & (1 << (in_day / 3_600_000)) != 0
            && expr.minutes & (1 << (in_day / 60_000 % 60)) != 0
    }

    proptest! {
        #[test]
        fn any_text_parses_or_is_a_schedule_error(text in any::<String>()) {
            if let Err(e) = CronExpr::parse(&text) {
                prop_assert_eq!(e.field, "schedule");
            }
        }

        #[test]
        fn spacing_and_letter_case_do_not_change_an_expression(text in expression()) {
            // Fields are separated by spaces only (tabs are not part of the grammar).
            let spaced = format!("  {}  ", text.split(' ').collect::<Vec<_>>().join("  "));
            prop_assert_eq!(CronExpr::parse(&text), CronExpr::parse(&spaced));
            // Error messages quote the text as written; the schedule itself is the same.
            prop_assert_eq!(CronExpr::parse(&text).ok(), CronExpr::parse(&text.to_ascii_uppercase()).ok());
        }

        #[test]
        fn an_expression_that_parses_fires_next_at_a_matching_minute(
            text in expression(),
            after in api_instant(),
            offset_min in -14 * 60i32..=14 * 60,
        ) {
            let Ok(expr) = CronExpr::parse(&text) else { return Ok(()) };
            let zone = FixedZone(offset_min * 60);
            let next = expr.next_after(after, &zone);
            // Every expression that parses fires at least once in eight years.
            prop_assert!(next.is_some(), "{text} never fires after {after}");
            let next = next.unwrap();
            prop_assert!(next > after && next - after <= 8 * 366 * 86_400_000);
            prop_assert!(fires_at(&expr, next + i64::from(offset_min) * 60_000), "{text} fired at {next}");
        }

        #[test]
        fn no_firing_is_skipped_between_an_instant_and_the_next_firing(
            text in expression(),
            after in api_instant(),
            offset_min in -14 * 60i32..=14 * 60,
            per_mille in 0i64..1_000,
        ) {
            let Ok(expr) = CronExpr::parse(&text) else { return Ok(()) };
            let zone = FixedZone(offset_min * 60);
            let next = expr.next_after(after, &zone).unwrap();
            // Any instant in between has the same next firing.
            let between = after + (next - after) * per_mille / 1_000;
            prop_assert_eq!(expr.next_after(between, &zone), Some(next));
            // And the last minute before it is no firing either.
            let minute_before = next - 60_000;
            if minute_before > after {
                prop_assert!(!fires_at(&expr, minute_before + i64::from(offset_min) * 60_000));
            }
        }

        #[test]
        fn firings_are_increasing_inside_the_range_and_capped(
            text in expression(),
            from in api_instant(),
            hours in 0i64..=72,
            cap in 0usize..=50,
        ) {
            let Ok(expr) = CronExpr::parse(&text) else { return Ok(()) };
            let to = from + hours * 3_600_000;
            let fired = expr.firings(from, to, &FixedZone(0), cap);
            prop_assert!(fired.len() <= cap);
            prop_assert!(fired.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(fired.iter().all(|&t| t > from && t <= to));
        }
    }
}
