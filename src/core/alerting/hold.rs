//! Why a flip's alert is held: the flip is recorded as always, but nothing is queued for it,
//! and the monitor's alert history says why. Each rule that holds alerts (snooze, a
//! maintenance window, a parent that is down) answers for one flip; the first that holds
//! wins, in the order of `Holds::first`.

/// A reason a flip queued no alert, as `flips.held_by` records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    /// A person snoozed the monitor's alerts until a later time.
    Snoozed,
}

impl Hold {
    /// The stored and shown form.
    pub fn as_str(&self) -> &'static str {
        match self {
            Hold::Snoozed => "snoozed",
        }
    }
}

/// What the rules that hold alerts know about a monitor when one of its flips is recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holds {
    /// Alerts of flips before this time are held (`core::heartbeat::snooze`).
    pub snoozed_until: Option<i64>,
}

impl Holds {
    /// The first rule that holds the alert of a flip at `at`, if any.
    pub fn first(&self, at: i64) -> Option<Hold> {
        if crate::core::heartbeat::snooze::holds_alerts(self.snoozed_until, at) {
            return Some(Hold::Snoozed);
        }
        None
    }

    /// While something holds alerts at `at`, when that hold ends (the planner looks again
    /// then); `None` when nothing holds them.
    pub fn held_until(&self, at: i64) -> Option<i64> {
        self.snoozed_until.filter(|until| at < *until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_holds_a_flip_of_a_monitor_without_rules() {
        assert_eq!(Holds::default().first(1_000), None);
    }

    #[test]
    fn a_snooze_holds_flips_before_its_end_only() {
        let holds = Holds {
            snoozed_until: Some(5_000),
        };
        assert_eq!(holds.first(4_999), Some(Hold::Snoozed));
        assert_eq!(holds.first(5_000), None);
        assert_eq!(Hold::Snoozed.as_str(), "snoozed");
    }

    #[test]
    fn a_snooze_holds_until_its_end() {
        let holds = Holds {
            snoozed_until: Some(5_000),
        };
        assert_eq!(holds.held_until(4_999), Some(5_000));
        assert_eq!(holds.held_until(5_000), None);
        assert_eq!(Holds::default().held_until(0), None);
    }
}
