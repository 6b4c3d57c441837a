//! When a failed delivery is tried again, when it is given up, and what its answer does to
//! the channel (a permanent refusal marks it failing; a service's "wait" holds it).

use super::outbound::Verdict;

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

/// Deliveries of one channel a run may send, by kind, where the service publishes a limit:
/// Telegram takes about 20 messages a minute in a group, and the cron runs every minute.
/// Kinds not named take what a run sends.
pub const PER_RUN_CAPS: &[(&str, i64)] = &[("telegram", 20)];

/// What happens after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    Delivered,
    RetryAt(i64),
    Failed,
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

/// What the outbox does after one attempt, as `after_verdict` decides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Next {
    pub delivery: AfterAttempt,
    /// The error the attempt records (`None` when delivered).
    pub error: Option<String>,
    /// A permanent refusal: the channel is marked failing with this reason.
    pub channel_failing: Option<String>,
    /// The service asked to wait: nothing more goes to the channel before this time.
    pub hold_channel_until: Option<i64>,
}

/// The rule over a verdict: delivered; permanent, failed now whatever attempts are left, the
/// channel failing; or retried, after the service's own wait when it named one (and the whole
/// channel held that long), else after the usual backoff, until the last attempt.
pub fn after_verdict(verdict: &Verdict, attempt: i64, max_attempts: i64, now: i64) -> Next {
    match verdict {
        Verdict::Delivered => Next {
            delivery: AfterAttempt::Delivered,
            error: None,
            channel_failing: None,
            hold_channel_until: None,
        },
        Verdict::Permanent { reason } => Next {
            delivery: AfterAttempt::Failed,
            error: Some(reason.clone()),
            channel_failing: Some(reason.clone()),
            hold_channel_until: None,
        },
        Verdict::Retry { error, after_ms } => {
            let hold = after_ms.map(|wait| now + wait);
            let delivery = match after_attempt(false, attempt, max_attempts, now) {
                AfterAttempt::RetryAt(backoff) => AfterAttempt::RetryAt(hold.map_or(backoff, |h| h.max(now + 1))),
                other => other,
            };
            Next {
                delivery,
                error: Some(error.clone()),
                channel_failing: None,
                hold_channel_until: hold,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verdict_decides_the_delivery_and_the_channel() {
        let delivered = after_verdict(&Verdict::Delivered, 1, 6, 1_000);
        assert_eq!(
            delivered,
            Next {
                delivery: AfterAttempt::Delivered,
                error: None,
                channel_failing: None,
                hold_channel_until: None
            }
        );
        let permanent = after_verdict(
            &Verdict::Permanent {
                reason: "slack: invalid_token".into(),
            },
            1,
            6,
            1_000,
        );
        assert_eq!(
            permanent.delivery,
            AfterAttempt::Failed,
            "no attempt is left for a permanent refusal"
        );
        assert_eq!(permanent.channel_failing.as_deref(), Some("slack: invalid_token"));
        assert_eq!(permanent.error.as_deref(), Some("slack: invalid_token"));
        let backoff = after_verdict(
            &Verdict::Retry {
                error: "HTTP 500".into(),
                after_ms: None,
            },
            2,
            6,
            1_000,
        );
        assert_eq!(
            backoff,
            Next {
                delivery: AfterAttempt::RetryAt(61_000),
                error: Some("HTTP 500".into()),
                channel_failing: None,
                hold_channel_until: None
            }
        );
        let waited = after_verdict(
            &Verdict::Retry {
                error: "HTTP 429".into(),
                after_ms: Some(5_000),
            },
            1,
            6,
            1_000,
        );
        assert_eq!(
            (waited.delivery, waited.hold_channel_until),
            (AfterAttempt::RetryAt(6_000), Some(6_000))
        );
        let at_once = after_verdict(
            &Verdict::Retry {
                error: "HTTP 429".into(),
                after_ms: Some(0),
            },
            1,
            6,
            1_000,
        );
        assert_eq!(at_once.delivery, AfterAttempt::RetryAt(1_001));
        let last = after_verdict(
            &Verdict::Retry {
                error: "HTTP 429".into(),
                after_ms: Some(5_000),
            },
            6,
            6,
            1_000,
        );
        assert_eq!(
            (last.delivery, last.channel_failing),
            (AfterAttempt::Failed, None),
            "a wait does not outlast the last attempt"
        );
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
