//! When a Durable Object's flush to D1 runs next: the rule both objects that hold data for
//! D1 (a token's pings, a project's events) follow.
//!
//! Why: a flush can die with its isolate, or D1 can refuse it for a while. A safety alarm is
//! set before every flush, so a flush that never finishes runs again; a failed flush backs off
//! exponentially (2 s, 4 s, ... at most a minute) so a D1 outage is not hammered; a flush that
//! worked and left data behind (more than one flush's worth) goes on at once. Asking for a
//! flush sooner (the sweep's hurry, a restart that finds data held) never pushes back an
//! alarm that was set to fire earlier.

/// Set before each flush starts, so a flush that dies with its isolate (a reset after a panic,
/// an eviction) is tried again this soon, even if the runtime's own alarm retries give up.
pub const SAFETY_REARM_MS: i64 = 30_000;
/// The longest wait between two tries of a failing flush.
pub const MAX_RETRY_DELAY_MS: i64 = 60_000;

/// Whether a flush wanted by `due_by` (ms since the epoch) needs the alarm set anew: when no
/// alarm is set or the one set fires later. An earlier alarm is never pushed back, so asking
/// for a flush never delays one.
pub fn alarm_needed(set_at: Option<i64>, due_by: i64) -> bool {
    set_at.is_none_or(|at| at > due_by)
}

/// How a holder's flushes have gone lately.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FlushBackoff {
    failures: u32,
}

impl FlushBackoff {
    /// Failed flushes in a row.
    pub fn failures(self) -> u32 {
        self.failures
    }

    pub fn succeeded(&mut self) {
        self.failures = 0;
    }

    /// Counts a failed flush; answers how many in a row have failed.
    pub fn failed(&mut self) -> u32 {
        self.failures = self.failures.saturating_add(1);
        self.failures
    }

    /// In how long the next flush runs (ms), or `None` when nothing is held.
    pub fn next_flush_in(self, still_held: bool) -> Option<i64> {
        if !still_held {
            return None;
        }
        Some(match self.failures {
            0 => 0,
            n => (1_000i64 << n.min(16)).min(MAX_RETRY_DELAY_MS),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after_failures(n: u32) -> FlushBackoff {
        let mut backoff = FlushBackoff::default();
        for _ in 0..n {
            backoff.failed();
        }
        backoff
    }

    #[test]
    fn nothing_held_means_no_next_flush_whatever_the_failures() {
        assert_eq!(after_failures(0).next_flush_in(false), None);
        assert_eq!(after_failures(3).next_flush_in(false), None);
    }

    #[test]
    fn after_a_success_what_is_left_flushes_at_once() {
        assert_eq!(after_failures(0).next_flush_in(true), Some(0));
        let mut backoff = after_failures(4);
        backoff.succeeded();
        assert_eq!(backoff.failures(), 0);
        assert_eq!(backoff.next_flush_in(true), Some(0));
    }

    #[test]
    fn failures_back_off_doubling_from_two_seconds_to_a_minute() {
        let delays: Vec<Option<i64>> = (1..=7).map(|n| after_failures(n).next_flush_in(true)).collect();
        assert_eq!(
            delays,
            [2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000].map(Some).to_vec()
        );
    }

    #[test]
    fn a_long_outage_stays_at_a_minute_without_overflow() {
        assert_eq!(after_failures(17).next_flush_in(true), Some(MAX_RETRY_DELAY_MS));
        let mut backoff = FlushBackoff { failures: u32::MAX };
        assert_eq!(backoff.failed(), u32::MAX);
        assert_eq!(backoff.next_flush_in(true), Some(MAX_RETRY_DELAY_MS));
    }

    #[test]
    fn failed_counts_failures_in_a_row() {
        let mut backoff = FlushBackoff::default();
        assert_eq!((backoff.failed(), backoff.failed(), backoff.failures()), (1, 2, 2));
    }

    #[test]
    fn no_alarm_set_needs_one() {
        assert!(alarm_needed(None, 1_000));
        assert!(alarm_needed(None, i64::MAX));
    }

    #[test]
    fn an_alarm_later_than_wanted_is_brought_forward() {
        assert!(alarm_needed(Some(1_001), 1_000));
    }

    #[test]
    fn an_alarm_due_in_time_stands() {
        assert!(!alarm_needed(Some(1_000), 1_000));
        assert!(!alarm_needed(Some(10), 1_000));
        assert!(!alarm_needed(Some(1_000_000), i64::MAX));
    }

    #[test]
    fn the_safety_alarm_comes_before_the_longest_backoff() {
        // A flush that died must be retried sooner than a failing one would be.
        assert!(SAFETY_REARM_MS < MAX_RETRY_DELAY_MS);
    }
}
