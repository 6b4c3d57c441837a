//! When the sweep looks at a monitor next (`monitors.check_at`, its index): the earliest time
//! any rule needs the clock. Each rule that must be looked at on time adds its term here, so
//! one function decides for all of them.

/// What each rule says about when it next needs the sweep (`None`: not before a ping).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckTerms {
    /// The status machine's: a deadline, the grace's end, an open run's limit
    /// (`State::check_at_within`).
    pub machine: Option<i64>,
    /// The volume band's: a minute after its next window closes (`VolumeBand::next_judgment`).
    pub band: Option<i64>,
}

/// The earliest term of a watched monitor; an unwatched one (paused, disabled) is never looked at.
pub fn check_at(watched: bool, terms: CheckTerms) -> Option<i64> {
    if !watched {
        return None;
    }
    [terms.machine, terms.band].into_iter().flatten().min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earliest_term_wins() {
        let both = CheckTerms {
            machine: Some(5),
            band: Some(3),
        };
        assert_eq!(check_at(true, both), Some(3));
        let machine_first = CheckTerms {
            machine: Some(2),
            band: Some(3),
        };
        assert_eq!(check_at(true, machine_first), Some(2));
    }

    #[test]
    fn one_term_alone_is_the_time() {
        assert_eq!(
            check_at(
                true,
                CheckTerms {
                    machine: None,
                    band: Some(7)
                }
            ),
            Some(7)
        );
        assert_eq!(
            check_at(
                true,
                CheckTerms {
                    machine: Some(7),
                    band: None
                }
            ),
            Some(7)
        );
        assert_eq!(check_at(true, CheckTerms::default()), None);
    }

    #[test]
    fn an_unwatched_monitor_is_never_looked_at() {
        let both = CheckTerms {
            machine: Some(5),
            band: Some(3),
        };
        assert_eq!(check_at(false, both), None);
    }
}
