//! When a failed webhook delivery is tried again, and when it is given up.

/// Attempts before a delivery is recorded as failed (var WEBHOOK_MAX_ATTEMPTS overrides).
pub const DEFAULT_MAX_ATTEMPTS: i64 = 6;
const FIRST_RETRY_MS: i64 = 30_000;
const MAX_RETRY_MS: i64 = 3_600_000;

/// Delay before attempt `attempt + 1`, after `attempt` (1-based) failed: 30 s, 1 min, 2 min,
/// ... doubling, at most an hour.
pub fn retry_delay_ms(attempt: i64) -> i64 {
    let doublings = attempt.saturating_sub(1).clamp(0, 20) as u32;
    (FIRST_RETRY_MS << doublings).min(MAX_RETRY_MS)
}

/// What happens after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    Delivered,
    RetryAt(i64),
    Failed,
}

/// The error an attempt answered with `status` records, `None` for a 2xx. Only the status:
/// a receiver's body never reaches a delivery's record. Redirects are not followed (one could
/// bounce the signed request to an internal address), so a 3xx is a failed attempt.
pub fn answer_error(status: u16) -> Option<String> {
    match status {
        200..=299 => None,
        300..=399 => Some(format!("redirect refused ({status})")),
        _ => Some(format!("HTTP {status}")),
    }
}

pub fn after_attempt(succeeded: bool, attempt: i64, max_attempts: i64, now: i64) -> AfterAttempt {
    if succeeded {
        AfterAttempt::Delivered
    } else if attempt >= max_attempts {
        AfterAttempt::Failed
    } else {
        AfterAttempt::RetryAt(now + retry_delay_ms(attempt))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_2xx_answer_is_a_delivery_and_a_3xx_is_a_refused_redirect() {
        assert_eq!(answer_error(200), None);
        assert_eq!(answer_error(204), None);
        assert_eq!(answer_error(299), None);
        assert_eq!(answer_error(301).as_deref(), Some("redirect refused (301)"));
        assert_eq!(answer_error(302).as_deref(), Some("redirect refused (302)"));
        assert_eq!(answer_error(399).as_deref(), Some("redirect refused (399)"));
        assert_eq!(answer_error(199).as_deref(), Some("HTTP 199"));
        assert_eq!(answer_error(400).as_deref(), Some("HTTP 400"));
        assert_eq!(answer_error(500).as_deref(), Some("HTTP 500"));
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let delays: Vec<i64> = (1..=9).map(retry_delay_ms).collect();
        assert_eq!(
            delays,
            [30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000]
        );
    }

    #[test]
    fn gives_up_after_the_last_attempt() {
        assert_eq!(after_attempt(false, 1, 3, 0), AfterAttempt::RetryAt(30_000));
        assert_eq!(after_attempt(false, 3, 3, 0), AfterAttempt::Failed);
        assert_eq!(after_attempt(true, 3, 3, 0), AfterAttempt::Delivered);
    }

    #[test]
    fn attempt_numbers_below_one_wait_the_first_delay() {
        assert_eq!(retry_delay_ms(0), 30_000);
        assert_eq!(retry_delay_ms(i64::MIN), 30_000);
        assert_eq!(retry_delay_ms(i64::MAX), 3_600_000);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_attempt_waits_between_30_seconds_and_an_hour_and_never_less_than_before(attempt in any::<i64>()) {
            let delay = retry_delay_ms(attempt);
            prop_assert!((FIRST_RETRY_MS..=MAX_RETRY_MS).contains(&delay));
            prop_assert!(retry_delay_ms(attempt.saturating_add(1)) >= delay);
        }
    }
}
