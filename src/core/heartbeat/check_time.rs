//! When the sweep looks at a monitor next (`monitors.check_at`, the sweep's index): the
//! earliest time any rule has something to do. Each rule that needs the clock adds its term
//! here, so no rule's time is lost to another's.

/// Each rule's next time for one watched monitor; `None`: that rule waits for nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckTerms {
    /// The status machine's (`State::check_at`): a deadline, a run's end.
    pub machine: Option<i64>,
    /// The alert planner's (`core::alerting::planner`): the next reminder or escalation step.
    pub alerts: Option<i64>,
}

/// The earliest of the terms: when the sweep looks at the monitor next.
pub fn check_at(terms: CheckTerms) -> Option<i64> {
    [terms.machine, terms.alerts].into_iter().flatten().min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sweep_looks_at_the_earliest_term() {
        let at = |machine, alerts| check_at(CheckTerms { machine, alerts });
        assert_eq!(at(None, None), None);
        assert_eq!(at(Some(5), None), Some(5));
        assert_eq!(at(None, Some(7)), Some(7));
        assert_eq!(at(Some(5), Some(7)), Some(5));
        assert_eq!(at(Some(9), Some(7)), Some(7));
    }
}
