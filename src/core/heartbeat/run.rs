//! Pairing a job's start ping with its end (success or fail) to measure the run.
//!
//! A start with a run id (`rid`) pairs with the end carrying the same id, so overlapping
//! runs are measured exactly; without one, the latest start without an id pairs with the
//! next end without an id.

use serde::{Deserialize, Serialize};

/// Starts older than the newest this many are forgotten (a job that never ends).
pub const MAX_OPEN_RUNS: usize = 50;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenRuns {
    /// (run id or "" for none, started at), oldest first.
    starts: Vec<(String, i64)>,
}

impl OpenRuns {
    pub fn start(&mut self, rid: Option<&str>, at: i64) {
        let rid = rid.unwrap_or_default();
        self.starts.retain(|(r, _)| r != rid);
        self.starts.push((rid.to_string(), at));
        if self.starts.len() > MAX_OPEN_RUNS {
            self.starts.remove(0);
        }
    }

    /// Ends the matching run, if one is open, and returns how long it took.
    pub fn finish(&mut self, rid: Option<&str>, at: i64) -> Option<i64> {
        let rid = rid.unwrap_or_default();
        let i = self.starts.iter().rposition(|(r, _)| r == rid)?;
        let (_, started) = self.starts.remove(i);
        Some((at - started).max(0))
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_end_without_rid_pairs_with_the_last_start() {
        let mut runs = OpenRuns::default();
        runs.start(None, 1_000);
        runs.start(None, 2_000);
        assert_eq!(runs.finish(None, 2_500), Some(500));
        assert_eq!(runs.finish(None, 3_000), None, "the start was consumed");
    }

    #[test]
    fn overlapping_runs_pair_by_rid() {
        let mut runs = OpenRuns::default();
        runs.start(Some("a"), 1_000);
        runs.start(Some("b"), 1_500);
        assert_eq!(runs.finish(Some("a"), 4_000), Some(3_000));
        assert_eq!(runs.finish(Some("b"), 4_100), Some(2_600));
        assert!(runs.is_empty());
    }

    #[test]
    fn ids_do_not_cross() {
        let mut runs = OpenRuns::default();
        runs.start(Some("a"), 1_000);
        assert_eq!(runs.finish(None, 2_000), None);
        assert_eq!(runs.finish(Some("b"), 2_000), None);
        assert_eq!(runs.finish(Some("a"), 2_000), Some(1_000));
    }

    #[test]
    fn forgets_the_oldest_of_too_many_open_runs() {
        let mut runs = OpenRuns::default();
        for i in 0..=MAX_OPEN_RUNS {
            runs.start(Some(&i.to_string()), i as i64);
        }
        assert_eq!(runs.finish(Some("0"), 100), None);
        assert_eq!(runs.finish(Some("1"), 100), Some(99));
    }

    #[test]
    fn a_started_run_stays_open_until_it_finishes() {
        let mut runs = OpenRuns::default();
        assert!(runs.is_empty());
        runs.start(None, 1_000);
        assert!(!runs.is_empty());
        runs.finish(None, 2_000);
        assert!(runs.is_empty());
    }

    #[test]
    fn an_end_before_its_start_lasts_zero() {
        let mut runs = OpenRuns::default();
        runs.start(Some("a"), 5_000);
        assert_eq!(runs.finish(Some("a"), 4_000), Some(0));
    }

    #[test]
    fn a_restarted_run_id_is_measured_from_its_latest_start() {
        let mut runs = OpenRuns::default();
        runs.start(Some("a"), 1_000);
        runs.start(Some("b"), 1_500);
        runs.start(Some("a"), 2_000);
        assert_eq!(runs.finish(Some("a"), 3_000), Some(1_000));
        assert_eq!(runs.finish(Some("a"), 3_000), None, "one open run per id");
        assert_eq!(runs.finish(Some("b"), 3_000), Some(1_500));
    }

    #[test]
    fn exactly_the_limit_of_open_runs_is_kept() {
        let mut runs = OpenRuns::default();
        for i in 0..MAX_OPEN_RUNS {
            runs.start(Some(&i.to_string()), i as i64);
        }
        assert_eq!(
            runs.finish(Some("0"), 100),
            Some(100),
            "the oldest of exactly the limit is kept"
        );
    }
}
