//! Timestamps are milliseconds since the Unix epoch everywhere inside edgebeat; they cross
//! the API as RFC 3339 strings in UTC with millisecond precision.

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

pub fn format_rfc3339(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let (y, mo, d) = civil_from_days(days);
    let (h, mi, s, milli) = (
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1_000 % 60,
        in_day % 1_000,
    );
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)` into ms since the epoch.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(range)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)? as u32, num(8..10)? as u32);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &s[19..];
    let mut millis = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let padded = format!("{:0<3}", &frac[..digits.min(3)]);
        millis = padded.parse().ok()?;
        rest = &frac[digits..];
    }
    let offset_min = match rest.as_bytes() {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = [h1, h2, m1, m2];
            if !digits.iter().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let hh = i64::from((h1 - b'0') * 10 + (h2 - b'0'));
            let mm = i64::from((m1 - b'0') * 10 + (m2 - b'0'));
            if hh > 23 || mm > 59 {
                return None;
            }
            if *sign == b'+' {
                hh * 60 + mm
            } else {
                -(hh * 60 + mm)
            }
        }
        _ => return None,
    };
    let secs = days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second.min(59);
    Some((secs - offset_min * 60) * 1_000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_epoch_and_a_known_instant() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_rfc3339(1_753_093_500_123), "2025-07-21T10:25:00.123Z");
    }

    #[test]
    fn formats_leap_days_and_times_before_the_epoch() {
        assert_eq!(
            format_rfc3339(parse_rfc3339("2024-02-29T23:59:59Z").unwrap()),
            "2024-02-29T23:59:59.000Z"
        );
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn parses_offsets_and_fractions() {
        assert_eq!(parse_rfc3339("2025-07-21T10:25:00Z"), Some(1_753_093_500_000));
        assert_eq!(parse_rfc3339("2025-07-21T12:25:00.5+02:00"), Some(1_753_093_500_500));
        assert_eq!(parse_rfc3339("2025-07-21T10:25:00.123456Z"), Some(1_753_093_500_123));
    }

    #[test]
    fn rejects_impossible_or_malformed_dates() {
        for bad in [
            "",
            "2025-07-21",
            "2025-02-29T00:00:00Z",
            "2025-13-01T00:00:00Z",
            "2025-07-21T24:00:00Z",
            "2025-07-21T10:25:00",
            "2025-07-21T10:25:00+2:00",
            "2025-07-21T10:25:00.Z",
            "yyyy-07-21T10:25:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn round_trips_every_day_over_four_centuries() {
        for days in (-146_097..146_097).step_by(13) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn leap_years_follow_the_gregorian_rules() {
        for leap in ["2000-02-29T00:00:00Z", "2024-02-29T00:00:00Z", "1600-02-29T00:00:00Z"] {
            assert!(parse_rfc3339(leap).is_some(), "{leap}");
        }
        for common in ["1900-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2023-02-29T00:00:00Z"] {
            assert_eq!(parse_rfc3339(common), None, "{common}");
        }
    }

    #[test]
    fn thirty_day_months_have_no_31st() {
        for month in [4, 6, 9, 11] {
            assert!(parse_rfc3339(&format!("2025-{month:02}-30T00:00:00Z")).is_some());
            assert_eq!(
                parse_rfc3339(&format!("2025-{month:02}-31T00:00:00Z")),
                None,
                "month {month}"
            );
        }
        for month in [1, 3, 5, 7, 8, 10, 12] {
            assert!(
                parse_rfc3339(&format!("2025-{month:02}-31T00:00:00Z")).is_some(),
                "month {month}"
            );
        }
    }

    #[test]
    fn every_field_is_checked_against_its_range() {
        for bad in [
            "2025-00-10T00:00:00Z",
            "2025-07-00T00:00:00Z",
            "2025-07-32T00:00:00Z",
            "2025-07-21T00:60:00Z",
            "2025-07-21T00:00:61Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
        assert_eq!(parse_rfc3339("2025-12-31T23:59:59Z"), Some(1_767_225_599_000));
        // A leap second reads as the last second of its minute.
        assert_eq!(
            parse_rfc3339("2016-12-31T23:59:60Z"),
            parse_rfc3339("2016-12-31T23:59:59Z")
        );
    }

    #[test]
    fn every_separator_is_checked() {
        for bad in [
            "2025/07-21T10:25:00Z",
            "2025-07/21T10:25:00Z",
            "2025-07-21X10:25:00Z",
            "2025-07-21T10-25:00Z",
            "2025-07-21T10:25-00Z",
            "2025-07-21T10:25:00+02-00",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
        let utc = Some(1_753_093_500_000);
        assert_eq!(parse_rfc3339("2025-07-21t10:25:00z"), utc);
        assert_eq!(parse_rfc3339("2025-07-21 10:25:00Z"), utc);
    }

    #[test]
    fn negative_and_half_hour_offsets_are_west_and_east_of_utc() {
        let utc = Some(1_753_093_500_000); // 2025-07-21T10:25:00Z
        assert_eq!(parse_rfc3339("2025-07-21T05:55:00-04:30"), utc);
        assert_eq!(parse_rfc3339("2025-07-21T15:55:00+05:30"), utc);
        assert_eq!(parse_rfc3339("2025-07-21T10:25:00-00:00"), utc);
        assert_eq!(parse_rfc3339("2025-07-22T10:24:00+23:59"), utc);
        assert_eq!(parse_rfc3339("2025-07-20T10:26:00-23:59"), utc);
        for bad in [
            "2025-07-21T10:25:00+24:00",
            "2025-07-21T10:25:00+00:60",
            "2025-07-21T10:25:00+0a:00",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn fractions_keep_milliseconds_and_drop_the_rest() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.1Z"), Some(100));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.12Z"), Some(120));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.999999Z"), Some(999));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59.5Z"), Some(-500));
    }

    #[test]
    fn formats_every_field_of_an_instant() {
        // 2001-02-03T04:05:06.007Z: no two fields alike.
        let ms = parse_rfc3339("2001-02-03T04:05:06.007Z").unwrap();
        assert_eq!(ms, 981_173_106_007);
        assert_eq!(format_rfc3339(ms), "2001-02-03T04:05:06.007Z");
        assert_eq!(format_rfc3339(-62_135_596_800_000), "0001-01-01T00:00:00.000Z");
        assert_eq!(format_rfc3339(253_402_300_799_999), "9999-12-31T23:59:59.999Z");
    }

    #[test]
    fn civil_dates_of_known_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1600, 1, 1), -135_140);
        assert_eq!(civil_from_days(-135_140), (1600, 1, 1));
    }
}

#[cfg(test)]
pub(crate) mod properties {
    use super::*;
    use proptest::prelude::*;

    /// The earliest and latest instants `parse_rfc3339` can give: years 0000 to 9999, with
    /// the widest offsets (+23:59 and -23:59) and a leap second read as :59.999.
    pub(crate) const EARLIEST_MS: i64 = -62_167_219_200_000 - (23 * 60 + 59) * 60_000;
    pub(crate) const LATEST_MS: i64 = 253_402_300_799_999 + (23 * 60 + 59) * 60_000;

    /// Any instant an API request can name.
    pub(crate) fn api_instant() -> impl Strategy<Value = i64> {
        EARLIEST_MS..=LATEST_MS
    }

    /// Strings shaped like RFC 3339 date-times, valid or not, to reach every branch.
    fn near_rfc3339() -> impl Strategy<Value = String> {
        "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,12})?([Zz]|[+-][0-9]{2}:[0-9]{2}|[+-][0-9é:]{1,6})?"
    }

    proptest! {
        #[test]
        fn any_text_parses_or_is_rejected_without_panicking(text in any::<String>()) {
            if let Some(ms) = parse_rfc3339(&text) {
                prop_assert!((EARLIEST_MS..=LATEST_MS).contains(&ms));
            }
        }

        #[test]
        fn date_shaped_text_parses_within_the_api_range(text in near_rfc3339()) {
            if let Some(ms) = parse_rfc3339(&text) {
                prop_assert!((EARLIEST_MS..=LATEST_MS).contains(&ms), "{text} -> {ms}");
            }
        }

        #[test]
        fn date_shaped_text_with_a_character_swapped_does_not_panic(
            text in near_rfc3339(),
            at in 0usize..40,
            c in any::<char>(),
        ) {
            let mut chars: Vec<char> = text.chars().collect();
            let at = at.min(chars.len());
            chars.insert(at, c);
            let text: String = chars.into_iter().collect();
            let _ = parse_rfc3339(&text);
        }

        #[test]
        fn a_formatted_instant_parses_back_to_itself(ms in -62_167_219_200_000i64..=253_402_300_799_999) {
            prop_assert_eq!(parse_rfc3339(&format_rfc3339(ms)), Some(ms));
        }

        #[test]
        fn an_offset_moves_the_instant_by_exactly_that_much(
            ms in 0i64..=253_402_300_799_999 - 86_400_000,
            east in any::<bool>(),
            hh in 0i64..=23,
            mm in 0i64..=59,
        ) {
            // The same wall-clock text with an offset names the instant that much earlier (east).
            let wall = format_rfc3339(ms);
            let sign = if east { '+' } else { '-' };
            let with_offset = format!("{}{sign}{hh:02}:{mm:02}", &wall[..wall.len() - 1]);
            let offset_ms = (hh * 60 + mm) * 60_000 * if east { 1 } else { -1 };
            prop_assert_eq!(parse_rfc3339(&with_offset), Some(ms - offset_ms));
        }

        #[test]
        fn any_instant_formats_without_panicking(ms in any::<i64>()) {
            let text = format_rfc3339(ms);
            prop_assert!(text.ends_with('Z'));
        }

        #[test]
        fn days_and_civil_dates_round_trip(days in -1_000_000_000i64..=1_000_000_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert!((1..=12).contains(&m) && (1..=days_in_month(y, m)).contains(&d));
            prop_assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
