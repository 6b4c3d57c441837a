//! When the sweep looks at a monitor next (its `check_at`, the sweep's index): the earliest of
//! the times each rule needs it looked at. One function, so a rule adds its term here and
//! every writer of the column (the sweep, the flush, an edit) agrees.

/// The times the rules need a watched monitor looked at; `None` where a rule needs nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LookTerms {
    /// The status machine: a deadline or an unfinished run (`State::check_at`).
    pub machine: Option<i64>,
    /// The end of a maintenance that holds the monitor or one of its flips
    /// (`core::heartbeat::maintenance::Windows::check_at`): a down monitor's held alert is
    /// released then.
    pub maintenance_end: Option<i64>,
}

impl LookTerms {
    /// The earliest term, or `None` when no rule needs the clock.
    pub fn check_at(&self) -> Option<i64> {
        [self.machine, self.maintenance_end].into_iter().flatten().min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earliest_term_wins() {
        let both = LookTerms {
            machine: Some(5),
            maintenance_end: Some(3),
        };
        assert_eq!(both.check_at(), Some(3));
        assert_eq!(
            LookTerms {
                maintenance_end: Some(9),
                ..both
            }
            .check_at(),
            Some(5)
        );
    }

    #[test]
    fn any_one_term_is_enough_and_none_means_never() {
        assert_eq!(LookTerms::default().check_at(), None);
        assert_eq!(
            LookTerms {
                machine: Some(7),
                maintenance_end: None
            }
            .check_at(),
            Some(7)
        );
        assert_eq!(
            LookTerms {
                machine: None,
                maintenance_end: Some(8)
            }
            .check_at(),
            Some(8)
        );
    }
}
