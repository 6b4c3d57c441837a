//! When the sweep looks at a monitor next (its `check_at`, the sweep's index): the earliest of
//! the times each rule needs it looked at. One function, so a rule adds its term here and
//! every writer of the column (the sweep, the flush, an edit) agrees.

/// The times the rules need a watched monitor looked at; `None` where a rule needs nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LookTerms {
    /// The status machine: a deadline or an unfinished run (`State::check_at`).
    pub machine: Option<i64>,
    /// The end of a maintenance window holding the monitor's alerts (its held down alert is
    /// released then).
    pub maintenance_end: Option<i64>,
    /// The alert planner: the next escalation step or reminder of a down period.
    pub alerts: Option<i64>,
    /// The volume band: a minute after its next window closes (`VolumeBand::next_judgment`).
    pub band: Option<i64>,
}

impl LookTerms {
    pub fn check_at(&self) -> Option<i64> {
        [self.machine, self.maintenance_end, self.alerts, self.band]
            .into_iter()
            .flatten()
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earliest_term_wins_whichever_it_is() {
        let at = |machine, maintenance_end, alerts| {
            LookTerms {
                machine,
                maintenance_end,
                alerts,
                band: None,
            }
            .check_at()
        };
        assert_eq!(at(Some(5), Some(3), Some(4)), Some(3));
        assert_eq!(at(Some(5), Some(9), Some(7)), Some(5));
        assert_eq!(at(Some(9), Some(8), Some(7)), Some(7));
        assert_eq!(at(None, None, None), None, "no rule waits: never");
        assert_eq!(at(Some(7), None, None), Some(7));
        assert_eq!(at(None, Some(8), None), Some(8));
        assert_eq!(at(None, None, Some(6)), Some(6));
        let band = |band| {
            LookTerms {
                band,
                ..LookTerms::default()
            }
            .check_at()
        };
        assert_eq!(band(Some(4)), Some(4));
        let all = LookTerms {
            machine: Some(5),
            maintenance_end: Some(6),
            alerts: Some(7),
            band: Some(2),
        };
        assert_eq!(all.check_at(), Some(2), "the band's term wins when it is first");
    }
}
