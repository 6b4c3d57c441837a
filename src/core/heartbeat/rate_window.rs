//! Exact sliding-window rate limit: at most `limit` accepted events in any window of
//! `window_ms`. Keeps the timestamps of accepted events (at most `limit` of them), so the
//! decision is exact rather than the two-bucket approximation.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// The beacon/ping limit of the beacon API: 60 per 10 seconds per token.
pub const PING_LIMIT: usize = 60;
pub const PING_WINDOW_MS: i64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accepted,
    /// Nothing can be accepted before `retry_at` (ms since the epoch).
    Limited {
        retry_at: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateWindow {
    limit: usize,
    window_ms: i64,
    accepted: VecDeque<i64>,
}

impl RateWindow {
    pub fn new(limit: usize, window_ms: i64) -> Self {
        Self {
            limit,
            window_ms,
            accepted: VecDeque::with_capacity(limit),
        }
    }

    pub fn for_pings() -> Self {
        Self::new(PING_LIMIT, PING_WINDOW_MS)
    }

    /// Accepts an event at `now` when fewer than `limit` were accepted in `(now - window, now]`.
    /// Rejected events do not count against the window.
    pub fn try_accept(&mut self, now: i64) -> Decision {
        // Clocks can step backwards; never let an event sort before one already accepted.
        let now = self.accepted.back().map_or(now, |&last| now.max(last));
        self.evict_expired(now);
        if self.accepted.len() < self.limit {
            self.accepted.push_back(now);
            Decision::Accepted
        } else {
            let oldest = *self.accepted.front().expect("a full window is not empty");
            Decision::Limited {
                retry_at: oldest + self.window_ms,
            }
        }
    }

    /// The instant to record an event arriving at `now`: strictly after every event already
    /// accepted, so events of one window have distinct, increasing times (a cursor on time
    /// then never skips or repeats one).
    pub fn next_instant(&self, now: i64) -> i64 {
        self.accepted
            .back()
            .map_or(now, |&last| now.max(last.saturating_add(1)))
    }

    /// Takes back the most recent acceptance (its event could not be stored).
    pub fn forget_last(&mut self) {
        self.accepted.pop_back();
    }

    pub fn in_window(&self, now: i64) -> usize {
        self.accepted.iter().filter(|&&t| t > now - self.window_ms).count()
    }

    fn evict_expired(&mut self, now: i64) {
        while self.accepted.front().is_some_and(|&t| t <= now - self.window_ms) {
            self.accepted.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_instant_is_strictly_after_the_last_acceptance() {
        let mut w = RateWindow::new(3, 1_000);
        assert_eq!(w.next_instant(500), 500);
        w.try_accept(500);
        assert_eq!(w.next_instant(500), 501);
        assert_eq!(w.next_instant(400), 501);
        assert_eq!(w.next_instant(900), 900);
        w.try_accept(w.next_instant(500));
        assert_eq!(w.next_instant(500), 502);
    }

    #[test]
    fn accepts_up_to_the_limit_then_limits() {
        let mut w = RateWindow::new(3, 1_000);
        assert_eq!(w.try_accept(0), Decision::Accepted);
        assert_eq!(w.try_accept(10), Decision::Accepted);
        assert_eq!(w.try_accept(20), Decision::Accepted);
        assert_eq!(w.try_accept(30), Decision::Limited { retry_at: 1_000 });
    }

    #[test]
    fn slot_frees_exactly_when_the_oldest_leaves_the_window() {
        let mut w = RateWindow::new(2, 1_000);
        w.try_accept(100);
        w.try_accept(600);
        assert_eq!(w.try_accept(1_099), Decision::Limited { retry_at: 1_100 });
        assert_eq!(w.try_accept(1_100), Decision::Accepted);
        assert_eq!(w.try_accept(1_101), Decision::Limited { retry_at: 1_600 });
    }

    #[test]
    fn rejected_events_do_not_extend_the_limit() {
        let mut w = RateWindow::new(1, 1_000);
        w.try_accept(0);
        for t in (1..1_000).step_by(50) {
            assert!(matches!(w.try_accept(t), Decision::Limited { .. }));
        }
        assert_eq!(w.try_accept(1_000), Decision::Accepted);
    }

    #[test]
    fn sixty_in_any_ten_seconds_for_pings() {
        let mut w = RateWindow::for_pings();
        let accepted = (0..100).filter(|_| w.try_accept(5_000) == Decision::Accepted).count();
        assert_eq!(accepted, 60);
        assert_eq!(w.try_accept(14_999), Decision::Limited { retry_at: 15_000 });
        // At 15 s all sixty leave together.
        let accepted = (0..100).filter(|_| w.try_accept(15_000) == Decision::Accepted).count();
        assert_eq!(accepted, 60);
    }

    #[test]
    fn never_more_than_limit_in_any_window_over_a_long_run() {
        let mut w = RateWindow::new(5, 1_000);
        let mut accepted = Vec::new();
        let mut t = 0i64;
        for i in 0..5_000 {
            t += (i * 7919 % 97) as i64; // irregular, deterministic gaps
            if w.try_accept(t) == Decision::Accepted {
                accepted.push(t);
            }
        }
        for (i, &start) in accepted.iter().enumerate() {
            let in_window = accepted[i..].iter().take_while(|&&x| x < start + 1_000).count();
            assert!(in_window <= 5, "{in_window} accepted in the window starting at {start}");
        }
        assert!(accepted.len() > 100);
    }

    #[test]
    fn clock_stepping_back_does_not_open_extra_slots() {
        let mut w = RateWindow::new(2, 1_000);
        w.try_accept(5_000);
        w.try_accept(5_000);
        assert!(matches!(w.try_accept(4_000), Decision::Limited { .. }));
    }

    #[test]
    fn forget_last_returns_the_slot() {
        let mut w = RateWindow::new(1, 1_000);
        w.try_accept(0);
        w.forget_last();
        assert_eq!(w.try_accept(1), Decision::Accepted);
    }

    #[test]
    fn survives_a_serde_round_trip() {
        let mut w = RateWindow::new(2, 1_000);
        w.try_accept(10);
        w.try_accept(20);
        let mut back: RateWindow = serde_json::from_str(&serde_json::to_string(&w).unwrap()).unwrap();
        assert_eq!(back.try_accept(30), Decision::Limited { retry_at: 1_010 });
        assert_eq!(back.in_window(30), 2);
    }

    #[test]
    fn in_window_counts_only_events_inside_the_window() {
        let mut w = RateWindow::new(5, 1_000);
        w.try_accept(100);
        w.try_accept(600);
        assert_eq!(w.in_window(1_099), 2);
        assert_eq!(w.in_window(1_100), 1, "an event exactly one window old has left it");
        assert_eq!(w.in_window(1_300), 1);
        assert_eq!(w.in_window(1_600), 0);
    }
}
