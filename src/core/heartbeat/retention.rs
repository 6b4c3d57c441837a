//! Bounded ping history: when a monitor is due for pruning.
//!
//! A monitor keeps its newest `limit` pings. Pruning it costs a few D1 statements whatever it
//! removes, so it is marked only once it is a tenth over (at least one ping over), and then
//! pruned back to `limit`: a monitor pinging once a minute is pruned every ~100 minutes at the
//! default limit, not every minute.

/// Stored pings above which a monitor is marked for pruning.
pub fn mark_above(limit: i64) -> i64 {
    limit.saturating_add((limit / 10).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenth_of_slack_and_at_least_one() {
        assert_eq!(mark_above(1_000), 1_100);
        assert_eq!(mark_above(100), 110);
        assert_eq!(mark_above(5), 6);
        assert_eq!(mark_above(1), 2);
    }

    #[test]
    fn no_limit_never_marks() {
        assert_eq!(mark_above(i64::MAX), i64::MAX);
    }
}
