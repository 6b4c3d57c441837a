//! One API key's token bucket: a burst of `capacity` events, refilled continuously at
//! `per_minute` events a minute, charged per event and all-or-nothing per request.
//!
//! Why: the events API gives each key 60 events/minute with a burst of 120 and stores none of the
//! events of a refused request, so a request is paid in full or not at all.
//!
//! Tokens are counted in units of 1/60,000 of a token, so a refill of `per_minute` tokens a
//! minute is exactly `per_minute` units a millisecond: integers, no rounding drift.

use serde::{Deserialize, Serialize};

/// The events API's per-key budget.
pub const KEY_BURST: u64 = 120;
pub const KEY_REFILL_PER_MINUTE: u64 = 60;

/// Units in one token: one minute of milliseconds.
const UNITS_PER_TOKEN: u64 = 60_000;

/// Why a request could not be paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The request could be paid in full at this instant (ms since the epoch), if nothing
    /// else is taken meanwhile.
    RetryAt(i64),
    /// No wait will ever pay for it: it is larger than everything the limit allows at once.
    Never,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenBucket {
    capacity: u64,
    per_minute: u64,
    units: u64,
    updated_ms: i64,
}

impl TokenBucket {
    /// A full bucket at `now_ms`.
    pub fn new(capacity: u64, per_minute: u64, now_ms: i64) -> Self {
        Self {
            capacity,
            per_minute,
            units: capacity.saturating_mul(UNITS_PER_TOKEN),
            updated_ms: now_ms,
        }
    }

    /// The events API's bucket for one key: a burst of 120, refilled at 60 a minute.
    pub fn for_key(now_ms: i64) -> Self {
        Self::new(KEY_BURST, KEY_REFILL_PER_MINUTE, now_ms)
    }

    /// Whole tokens available at `now_ms`.
    pub fn available(&self, now_ms: i64) -> u64 {
        self.refilled(now_ms).0 / UNITS_PER_TOKEN
    }

    /// Whether `n` tokens could be taken at `now_ms`, without taking them (so several limits
    /// can all be checked before any is charged).
    pub fn check_take(&self, n: u64, now_ms: i64) -> Result<(), Refusal> {
        let (units, now) = self.refilled(now_ms);
        if n > self.capacity {
            return Err(Refusal::Never);
        }
        let cost = n.saturating_mul(UNITS_PER_TOKEN);
        if cost <= units {
            return Ok(());
        }
        if self.per_minute == 0 {
            return Err(Refusal::Never);
        }
        let wait = (cost - units).div_ceil(self.per_minute);
        Err(Refusal::RetryAt(now.saturating_add_unsigned(wait)))
    }

    /// Takes `n` tokens at `now_ms`, or none of them.
    pub fn try_take(&mut self, n: u64, now_ms: i64) -> Result<(), Refusal> {
        self.check_take(n, now_ms)?;
        let (units, now) = self.refilled(now_ms);
        // Checked above: the cost is at most what the bucket holds.
        self.units = units - n.saturating_mul(UNITS_PER_TOKEN);
        self.updated_ms = now;
        Ok(())
    }

    /// The units held at `now_ms` and the instant they are counted at. A clock that steps
    /// backwards counts as no time passing, so it can never mint tokens.
    fn refilled(&self, now_ms: i64) -> (u64, i64) {
        let now = now_ms.max(self.updated_ms);
        let elapsed = now.abs_diff(self.updated_ms);
        let full = self.capacity.saturating_mul(UNITS_PER_TOKEN);
        let units = self
            .units
            .saturating_add(elapsed.saturating_mul(self.per_minute))
            .min(full);
        (units, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_780_000_000_000;

    #[test]
    fn a_new_key_bucket_holds_its_full_burst() {
        assert_eq!(TokenBucket::for_key(T0).available(T0), 120);
    }

    #[test]
    fn takes_the_whole_burst_in_one_request() {
        let mut b = TokenBucket::for_key(T0);
        assert_eq!(b.try_take(120, T0), Ok(()));
        assert_eq!(b.available(T0), 0);
    }

    #[test]
    fn a_request_one_over_the_burst_can_never_be_paid() {
        let mut b = TokenBucket::for_key(T0);
        assert_eq!(b.try_take(121, T0), Err(Refusal::Never));
        assert_eq!(b.available(T0), 120);
    }

    #[test]
    fn a_refused_request_takes_nothing() {
        let mut b = TokenBucket::for_key(T0);
        b.try_take(100, T0).unwrap();
        assert_eq!(b.try_take(21, T0), Err(Refusal::RetryAt(T0 + 1_000)));
        assert_eq!(b.try_take(20, T0), Ok(()));
    }

    #[test]
    fn retry_at_is_when_the_missing_tokens_have_refilled() {
        let mut b = TokenBucket::for_key(T0);
        b.try_take(120, T0).unwrap();
        assert_eq!(b.try_take(3, T0), Err(Refusal::RetryAt(T0 + 3_000)));
        assert_eq!(b.try_take(3, T0 + 2_999), Err(Refusal::RetryAt(T0 + 3_000)));
        assert_eq!(b.try_take(3, T0 + 3_000), Ok(()));
    }

    #[test]
    fn retry_at_rounds_a_partial_millisecond_up() {
        // 7 a minute: one token every 8,571.43 ms.
        let mut b = TokenBucket::new(10, 7, T0);
        b.try_take(10, T0).unwrap();
        assert_eq!(b.try_take(1, T0), Err(Refusal::RetryAt(T0 + 8_572)));
        assert!(b.try_take(1, T0 + 8_571).is_err());
        assert_eq!(b.try_take(1, T0 + 8_572), Ok(()));
    }

    #[test]
    fn refills_one_token_a_second_continuously() {
        let mut b = TokenBucket::for_key(T0);
        b.try_take(120, T0).unwrap();
        assert_eq!(b.available(T0 + 999), 0);
        assert_eq!(b.available(T0 + 1_000), 1);
        assert_eq!(b.available(T0 + 60_000), 60);
    }

    #[test]
    fn partial_tokens_carry_over_between_requests() {
        let mut b = TokenBucket::for_key(T0);
        b.try_take(120, T0).unwrap();
        assert!(b.try_take(1, T0 + 500).is_err());
        assert_eq!(b.try_take(1, T0 + 1_000), Ok(()));
        assert_eq!(b.try_take(1, T0 + 1_500), Err(Refusal::RetryAt(T0 + 2_000)));
    }

    #[test]
    fn refill_stops_at_capacity() {
        let mut b = TokenBucket::for_key(T0);
        b.try_take(1, T0).unwrap();
        assert_eq!(b.available(T0 + 3_600_000), 120);
        assert_eq!(b.try_take(121, T0 + 3_600_000), Err(Refusal::Never));
    }

    #[test]
    fn taking_zero_always_succeeds() {
        let mut b = TokenBucket::for_key(T0);
        b.try_take(120, T0).unwrap();
        assert_eq!(b.try_take(0, T0), Ok(()));
    }

    #[test]
    fn a_clock_stepping_back_mints_no_tokens() {
        let mut b = TokenBucket::for_key(T0);
        b.try_take(120, T0 + 10_000).unwrap();
        assert_eq!(b.available(T0), 0);
        assert_eq!(b.try_take(1, T0), Err(Refusal::RetryAt(T0 + 11_000)));
        // Back at the later time, the interval already counted is not counted again.
        assert_eq!(b.available(T0 + 10_000), 0);
    }

    #[test]
    fn a_take_while_the_clock_is_behind_keeps_the_later_time() {
        let mut b = TokenBucket::for_key(T0);
        b.try_take(119, T0 + 10_000).unwrap();
        b.try_take(1, T0).unwrap();
        assert_eq!(b.available(T0 + 10_999), 0);
        assert_eq!(b.available(T0 + 11_000), 1);
    }

    #[test]
    fn no_refill_means_an_empty_bucket_never_pays() {
        let mut b = TokenBucket::new(5, 0, T0);
        b.try_take(5, T0).unwrap();
        assert_eq!(b.try_take(1, T0 + 3_600_000), Err(Refusal::Never));
    }

    #[test]
    fn a_check_takes_nothing() {
        let b = TokenBucket::for_key(T0);
        assert_eq!(b.check_take(120, T0), Ok(()));
        assert_eq!(b.check_take(121, T0), Err(Refusal::Never));
        assert_eq!(b.available(T0), 120);
    }

    #[test]
    fn survives_a_serde_round_trip() {
        let mut b = TokenBucket::for_key(T0);
        b.try_take(120, T0).unwrap();
        let mut back: TokenBucket = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
        assert_eq!(back, b);
        assert_eq!(back.try_take(1, T0), Err(Refusal::RetryAt(T0 + 1_000)));
    }

    #[test]
    fn extreme_clocks_and_sizes_saturate() {
        let mut b = TokenBucket::new(u64::MAX, u64::MAX, i64::MIN);
        assert_eq!(b.try_take(u64::MAX, i64::MAX), Ok(()));
        let mut b = TokenBucket::for_key(i64::MAX);
        b.try_take(120, i64::MAX).unwrap();
        assert_eq!(b.try_take(1, i64::MAX), Err(Refusal::RetryAt(i64::MAX)));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn never_pays_more_than_the_burst_plus_the_refill(
                steps in proptest::collection::vec((0i64..5_000, 0u64..150), 1..60)
            ) {
                let mut b = TokenBucket::for_key(T0);
                let (mut now, mut taken) = (T0, 0u64);
                for (dt, n) in steps {
                    now += dt;
                    if b.try_take(n, now).is_ok() {
                        taken += n;
                    }
                    let refill = u64::try_from(now - T0).unwrap() * KEY_REFILL_PER_MINUTE / 60_000;
                    prop_assert!(taken <= KEY_BURST + refill);
                }
            }

            #[test]
            fn a_refusal_is_paid_exactly_at_its_retry_time(
                first in 1u64..=120, dt in 0i64..10_000, n in 1u64..=120
            ) {
                let mut b = TokenBucket::for_key(T0);
                b.try_take(first, T0).unwrap();
                if let Err(Refusal::RetryAt(at)) = b.check_take(n, T0 + dt) {
                    prop_assert!(at > T0 + dt);
                    prop_assert!(b.check_take(n, at - 1).is_err());
                    prop_assert_eq!(b.check_take(n, at), Ok(()));
                }
            }

            #[test]
            fn never_panics(
                capacity in any::<u64>(), per_minute in any::<u64>(), start in any::<i64>(),
                takes in proptest::collection::vec((any::<u64>(), any::<i64>()), 0..8)
            ) {
                let mut b = TokenBucket::new(capacity, per_minute, start);
                for (n, now) in takes {
                    let _ = b.try_take(n, now);
                    let _ = b.available(now);
                }
            }
        }
    }
}
