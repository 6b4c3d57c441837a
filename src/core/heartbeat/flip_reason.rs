//! Why the status machine counted a failure or a success: the text a flip records (the flips
//! table's `reason`, which every alert quotes). Rules that measure something say the figures
//! ("ran 3 s, expected at least 60 s"), so the reason is a value, rendered once here.

use std::fmt;

use crate::core::alerting::alert::duration_words;
use crate::core::time::format_rfc3339;

const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Late,
    RunUnfinished,
    Fail,
    Recovered,
    /// A run that ended sooner than `min_runtime`.
    RanTooShort {
        ran_ms: i64,
        min_ms: i64,
    },
    /// A run that ended later than `max_runtime`.
    RanTooLong {
        ran_ms: i64,
        max_ms: i64,
    },
    /// A run still open at `max_runtime` after its start.
    StillRunning {
        max_ms: i64,
    },
    /// A closed volume window with fewer pings than `expect_min` or more than `expect_max`.
    OutOfBand {
        pings: i64,
        from: i64,
        until: i64,
        bound: Bound,
    },
    /// A closed volume window inside its band, ending a band failure.
    InBand {
        pings: i64,
        from: i64,
        until: i64,
    },
}

/// Which side of a volume band a window broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    AtLeast(i64),
    AtMost(i64),
}

/// "1,000": counts read in groups of three.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// "from 13:00 to 14:00 UTC", or "on 2026-12-03 (UTC)" for a whole day.
fn window_words(from: i64, until: i64) -> String {
    let at = format_rfc3339(from);
    if until - from >= DAY_MS {
        return format!("on {} (UTC)", &at[..10]);
    }
    let to = format_rfc3339(until);
    format!("from {} to {} UTC", &at[11..16], &to[11..16])
}

fn pings_word(n: i64) -> String {
    format!("{} ping{}", grouped(n), if n == 1 { "" } else { "s" })
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Reason::Late => f.write_str("no ping by the due time plus grace"),
            Reason::RunUnfinished => f.write_str("a run started and did not end within grace"),
            Reason::Fail => f.write_str("a ping reported failure"),
            Reason::Recovered => f.write_str("a ping reported success"),
            Reason::RanTooShort { ran_ms, min_ms } => write!(
                f,
                "ran {}, expected at least {}",
                duration_words(ran_ms),
                duration_words(min_ms)
            ),
            Reason::RanTooLong { ran_ms, max_ms } => write!(
                f,
                "ran {}, expected at most {}",
                duration_words(ran_ms),
                duration_words(max_ms)
            ),
            Reason::StillRunning { max_ms } => {
                let max = duration_words(max_ms);
                write!(f, "still running after {max}, expected at most {max}")
            }
            Reason::OutOfBand {
                pings,
                from,
                until,
                bound,
            } => {
                let (side, limit) = match bound {
                    Bound::AtLeast(n) => ("at least", n),
                    Bound::AtMost(n) => ("at most", n),
                };
                write!(
                    f,
                    "{} {}, expected {side} {}",
                    pings_word(pings),
                    window_words(from, until),
                    grouped(limit)
                )
            }
            Reason::InBand { pings, from, until } => {
                write!(
                    f,
                    "{} {}, within the expected band",
                    pings_word(pings),
                    window_words(from, until)
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;
    /// 2026-12-03T00:00:00Z
    const DEC_3: i64 = 1_796_256_000_000;

    #[test]
    fn the_plain_reasons_keep_their_words() {
        assert_eq!(Reason::Late.to_string(), "no ping by the due time plus grace");
        assert_eq!(
            Reason::RunUnfinished.to_string(),
            "a run started and did not end within grace"
        );
        assert_eq!(Reason::Fail.to_string(), "a ping reported failure");
        assert_eq!(Reason::Recovered.to_string(), "a ping reported success");
    }

    #[test]
    fn runtime_reasons_say_the_figures() {
        let short = Reason::RanTooShort {
            ran_ms: 3_000,
            min_ms: 60_000,
        };
        assert_eq!(short.to_string(), "ran 3 s, expected at least 1 min");
        let long = Reason::RanTooLong {
            ran_ms: 7_500_000,
            max_ms: 3_600_000,
        };
        assert_eq!(long.to_string(), "ran 2 h 5 min, expected at most 1 h");
        let open = Reason::StillRunning { max_ms: 90_000 };
        assert_eq!(
            open.to_string(),
            "still running after 1 min 30 s, expected at most 1 min 30 s"
        );
    }

    #[test]
    fn band_reasons_say_the_count_the_window_and_the_bound() {
        let low = Reason::OutOfBand {
            pings: 412,
            from: DEC_3 + 13 * HOUR,
            until: DEC_3 + 14 * HOUR,
            bound: Bound::AtLeast(1_000),
        };
        assert_eq!(
            low.to_string(),
            "412 pings from 13:00 to 14:00 UTC, expected at least 1,000"
        );
        let high = Reason::OutOfBand {
            pings: 12_345_678,
            from: DEC_3 + 22 * HOUR,
            until: DEC_3 + 24 * HOUR,
            bound: Bound::AtMost(10_000),
        };
        assert_eq!(
            high.to_string(),
            "12,345,678 pings from 22:00 to 00:00 UTC, expected at most 10,000"
        );
        let day = Reason::OutOfBand {
            pings: 1,
            from: DEC_3,
            until: DEC_3 + 24 * HOUR,
            bound: Bound::AtLeast(2),
        };
        assert_eq!(day.to_string(), "1 ping on 2026-12-03 (UTC), expected at least 2");
        let back = Reason::InBand {
            pings: 100,
            from: DEC_3,
            until: DEC_3 + HOUR,
        };
        assert_eq!(
            back.to_string(),
            "100 pings from 00:00 to 01:00 UTC, within the expected band"
        );
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        for (n, words) in [
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1_000, "1,000"),
            (10_000, "10,000"),
            (123_456, "123,456"),
            (1_234_567, "1,234,567"),
            (-1_500, "-1,500"),
        ] {
            assert_eq!(grouped(n), words);
        }
    }
}
