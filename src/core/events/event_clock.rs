//! The time an ingested event is stored at: the client's `ts`, corrected for a skewed client
//! clock, or the arrival time.
//!
//! Why: the ingest API promises that clocks off by more than ±30 s are corrected server-side and
//! that `?server_ts=1` orders events by the server's clock; one small type keeps that rule
//! the same for every ingestion format.

/// A client clock within this distance of the server's is trusted as it is.
pub const SKEW_TOLERANCE_MS: i64 = 30_000;

/// The clock facts of one batch: when it arrived, when the client says it sent it (the
/// batch-level `sent_at`), and whether the client asked for server times (`?server_ts=1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchClock {
    pub arrival_ms: i64,
    pub sent_at_ms: Option<i64>,
    pub server_ts: bool,
}

impl BatchClock {
    /// How far the client's clock is behind the server's, when that is more than the
    /// tolerance (`arrival - sent_at`; negative when the client runs ahead).
    pub fn skew_correction_ms(&self) -> Option<i64> {
        let skew = self.arrival_ms.saturating_sub(self.sent_at_ms?);
        (skew.saturating_abs() > SKEW_TOLERANCE_MS).then_some(skew)
    }

    /// The stored time of an event whose client sent `client_ts`, and the client's value
    /// kept as it was sent.
    pub fn effective_ts(&self, client_ts: Option<i64>) -> (i64, Option<i64>) {
        let Some(sent) = client_ts.filter(|_| !self.server_ts) else {
            return (self.arrival_ms, client_ts);
        };
        let corrected = sent.saturating_add(self.skew_correction_ms().unwrap_or(0));
        // An event cannot have happened after it arrived; beyond the tolerance it did not.
        if corrected.saturating_sub(self.arrival_ms) > SKEW_TOLERANCE_MS {
            (self.arrival_ms, client_ts)
        } else {
            (corrected, client_ts)
        }
    }
}

/// The `server_ts` query flag: `1` or `true` asks for server times; anything else does not.
pub fn server_ts_flag(value: &str) -> bool {
    matches!(value, "1" | "true")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARRIVAL: i64 = 1_780_000_000_000;

    fn clock(sent_at_ms: Option<i64>, server_ts: bool) -> BatchClock {
        BatchClock {
            arrival_ms: ARRIVAL,
            sent_at_ms,
            server_ts,
        }
    }

    #[test]
    fn no_client_ts_is_stored_at_arrival() {
        assert_eq!(clock(None, false).effective_ts(None), (ARRIVAL, None));
    }

    #[test]
    fn a_past_client_ts_is_kept_as_sent() {
        let ts = ARRIVAL - 3_600_000;
        assert_eq!(clock(None, false).effective_ts(Some(ts)), (ts, Some(ts)));
    }

    #[test]
    fn server_ts_stores_every_event_at_arrival_and_keeps_the_client_value() {
        let ts = ARRIVAL - 3_600_000;
        assert_eq!(clock(None, true).effective_ts(Some(ts)), (ARRIVAL, Some(ts)));
    }

    #[test]
    fn server_ts_wins_over_a_skewed_sent_at() {
        let c = clock(Some(ARRIVAL - 60_000), true);
        assert_eq!(
            c.effective_ts(Some(ARRIVAL - 90_000)),
            (ARRIVAL, Some(ARRIVAL - 90_000))
        );
    }

    #[test]
    fn server_ts_without_client_ts_is_arrival() {
        assert_eq!(clock(None, true).effective_ts(None), (ARRIVAL, None));
    }

    #[test]
    fn a_future_ts_of_exactly_the_tolerance_is_kept() {
        let ts = ARRIVAL + 30_000;
        assert_eq!(clock(None, false).effective_ts(Some(ts)), (ts, Some(ts)));
    }

    #[test]
    fn a_future_ts_one_ms_past_the_tolerance_becomes_arrival() {
        let ts = ARRIVAL + 30_001;
        assert_eq!(clock(None, false).effective_ts(Some(ts)), (ARRIVAL, Some(ts)));
    }

    #[test]
    fn sent_at_exactly_the_tolerance_behind_shifts_nothing() {
        let c = clock(Some(ARRIVAL - 30_000), false);
        assert_eq!(c.skew_correction_ms(), None);
        assert_eq!(
            c.effective_ts(Some(ARRIVAL - 40_000)),
            (ARRIVAL - 40_000, Some(ARRIVAL - 40_000))
        );
    }

    #[test]
    fn sent_at_one_ms_past_the_tolerance_behind_shifts_every_ts_forward() {
        let c = clock(Some(ARRIVAL - 30_001), false);
        assert_eq!(c.skew_correction_ms(), Some(30_001));
        assert_eq!(
            c.effective_ts(Some(ARRIVAL - 40_000)),
            (ARRIVAL - 9_999, Some(ARRIVAL - 40_000))
        );
    }

    #[test]
    fn sent_at_exactly_the_tolerance_ahead_shifts_nothing() {
        let c = clock(Some(ARRIVAL + 30_000), false);
        assert_eq!(c.skew_correction_ms(), None);
        assert_eq!(
            c.effective_ts(Some(ARRIVAL + 20_000)),
            (ARRIVAL + 20_000, Some(ARRIVAL + 20_000))
        );
    }

    #[test]
    fn sent_at_one_ms_past_the_tolerance_ahead_shifts_every_ts_back() {
        let c = clock(Some(ARRIVAL + 30_001), false);
        assert_eq!(c.skew_correction_ms(), Some(-30_001));
        assert_eq!(
            c.effective_ts(Some(ARRIVAL + 30_001)),
            (ARRIVAL, Some(ARRIVAL + 30_001))
        );
        assert_eq!(c.effective_ts(Some(ARRIVAL - 1)), (ARRIVAL - 30_002, Some(ARRIVAL - 1)));
    }

    #[test]
    fn a_client_hours_ahead_keeps_the_spacing_of_its_events() {
        let ahead = 5 * 3_600_000;
        let c = clock(Some(ARRIVAL + ahead), false);
        let sent = [ARRIVAL + ahead - 2_000, ARRIVAL + ahead - 1_000];
        let stored: Vec<i64> = sent.iter().map(|&t| c.effective_ts(Some(t)).0).collect();
        assert_eq!(stored, vec![ARRIVAL - 2_000, ARRIVAL - 1_000]);
    }

    #[test]
    fn a_corrected_ts_still_in_the_future_becomes_arrival() {
        let c = clock(Some(ARRIVAL - 60_000), false);
        // Shifted forward by 60 s it lands 30 s + 1 ms after arrival.
        let ts = ARRIVAL - 29_999;
        assert_eq!(c.effective_ts(Some(ts)), (ARRIVAL, Some(ts)));
        let ts = ARRIVAL - 30_000;
        assert_eq!(c.effective_ts(Some(ts)), (ARRIVAL + 30_000, Some(ts)));
    }

    #[test]
    fn a_sent_at_without_client_ts_is_arrival() {
        assert_eq!(clock(Some(ARRIVAL - 90_000), false).effective_ts(None), (ARRIVAL, None));
    }

    #[test]
    fn extreme_times_saturate_instead_of_overflowing() {
        let c = BatchClock {
            arrival_ms: i64::MAX,
            sent_at_ms: Some(i64::MIN),
            server_ts: false,
        };
        assert_eq!(c.skew_correction_ms(), Some(i64::MAX));
        assert_eq!(c.effective_ts(Some(i64::MAX)), (i64::MAX, Some(i64::MAX)));
        let c = BatchClock {
            arrival_ms: i64::MIN,
            sent_at_ms: Some(i64::MAX),
            server_ts: false,
        };
        assert_eq!(c.skew_correction_ms(), Some(i64::MIN));
        assert_eq!(c.effective_ts(Some(i64::MIN)), (i64::MIN, Some(i64::MIN)));
    }

    #[test]
    fn server_ts_flag_is_one_or_true() {
        assert!(server_ts_flag("1"));
        assert!(server_ts_flag("true"));
        for off in ["0", "false", "", "yes", "TRUE", " 1"] {
            assert!(!server_ts_flag(off), "{off:?}");
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn never_panics_and_never_stores_past_the_tolerance(
                arrival in any::<i64>(), sent_at in any::<Option<i64>>(), server_ts in any::<bool>(), ts in any::<Option<i64>>()
            ) {
                let c = BatchClock { arrival_ms: arrival, sent_at_ms: sent_at, server_ts };
                let (stored, kept) = c.effective_ts(ts);
                prop_assert_eq!(kept, ts);
                prop_assert!(stored.saturating_sub(arrival) <= SKEW_TOLERANCE_MS);
            }
        }
    }
}
