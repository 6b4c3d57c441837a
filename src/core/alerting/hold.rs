//! Why a flip's alert is held: the flip is recorded as always, but nothing is queued for it,
//! and the monitor's alert history says why. Each rule that holds alerts (snooze, a
//! maintenance window, a parent that is down) answers for one flip; the first that holds
//! wins, in the order of `Holds::first`, then a parent (read where the flip is recorded, since
//! it is another monitor's status: `PARENT_PREFIX`).

use crate::core::heartbeat::maintenance::{Windows, Zones};

/// A reason a flip queued no alert, as `flips.held_by` records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    /// A person snoozed the monitor's alerts until a later time.
    Snoozed,
    /// A maintenance window held the flip (`core::heartbeat::maintenance`).
    Maintenance,
    /// The monitor's parent, this monitor id, was down (`core::heartbeat::dependencies`).
    Parent(String),
}

/// How `flips.held_by` begins for a flip held by a parent; the parent's id follows.
pub const PARENT_PREFIX: &str = "parent:";

impl Hold {
    /// The stored and shown form.
    pub fn stored(&self) -> String {
        match self {
            Hold::Snoozed => "snoozed".into(),
            Hold::Maintenance => "maintenance".into(),
            Hold::Parent(id) => format!("{PARENT_PREFIX}{id}"),
        }
    }

    /// A stored form read back.
    pub fn parse(s: &str) -> Option<Hold> {
        match s {
            "snoozed" => Some(Hold::Snoozed),
            "maintenance" => Some(Hold::Maintenance),
            _ => s
                .strip_prefix(PARENT_PREFIX)
                .filter(|id| !id.is_empty())
                .map(|id| Hold::Parent(id.to_string())),
        }
    }
}

/// What the rules that hold alerts know about a monitor when one of its flips is recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holds {
    /// Alerts of flips before this time are held (`core::heartbeat::snooze`).
    pub snoozed_until: Option<i64>,
    /// Alerts of flips inside these windows are held (`core::heartbeat::maintenance`).
    pub maintenance: Windows,
}

impl Holds {
    /// The first rule of the monitor's own that holds the alert of a flip at `at`, if any.
    pub fn first(&self, at: i64, zones: Zones) -> Option<Hold> {
        if crate::core::heartbeat::snooze::holds_alerts(self.snoozed_until, at) {
            return Some(Hold::Snoozed);
        }
        if self.maintenance.holds(at, zones) {
            return Some(Hold::Maintenance);
        }
        None
    }

    /// While something holds alerts at `at`, when that hold ends (the planner looks again
    /// then); `None` when nothing holds them.
    pub fn held_until(&self, at: i64, zones: Zones) -> Option<i64> {
        let snooze = self.snoozed_until.filter(|until| at < *until);
        let maintenance = self.maintenance.open_until(at, zones);
        [snooze, maintenance].into_iter().flatten().max()
    }

    /// Whether the sweep, looking at a monitor at `at` that is `down` (and `flipped` there
    /// or not), sends the down alert a maintenance window held: once its maintenance is over
    /// (or its window deleted), unless something else holds it now. A monitor that just went
    /// down, and has no window, has nothing held by one.
    pub fn releases_maintenance(&self, down: bool, flipped: bool, at: i64, zones: Zones) -> bool {
        down && (!flipped || !self.maintenance.is_empty())
            && self.maintenance.releases_at(at, zones)
            && self.first(at, zones).is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::heartbeat::cron::{FixedZone, Zone};
    use crate::core::heartbeat::maintenance::Window;

    fn utc(_: &str) -> Box<dyn Zone> {
        Box::new(FixedZone(0))
    }

    #[test]
    fn nothing_holds_a_flip_of_a_monitor_without_rules() {
        assert_eq!(Holds::default().first(1_000, &utc), None);
    }

    #[test]
    fn a_snooze_holds_flips_before_its_end_only() {
        let holds = Holds {
            snoozed_until: Some(5_000),
            ..Holds::default()
        };
        assert_eq!(holds.first(4_999, &utc), Some(Hold::Snoozed));
        assert_eq!(holds.first(5_000, &utc), None);
    }

    #[test]
    fn a_window_holds_flips_inside_it_only() {
        let holds = Holds {
            maintenance: Windows(vec![Window::Once {
                from: 1_000,
                until: 2_000,
            }]),
            ..Holds::default()
        };
        assert_eq!(holds.first(999, &utc), None);
        assert_eq!(holds.first(1_000, &utc), Some(Hold::Maintenance));
        assert_eq!(holds.first(2_000, &utc), None);
    }

    #[test]
    fn a_snooze_is_named_before_a_window() {
        let holds = Holds {
            snoozed_until: Some(5_000),
            maintenance: Windows(vec![Window::Once { from: 0, until: 9_000 }]),
        };
        assert_eq!(holds.first(10, &utc), Some(Hold::Snoozed));
        assert_eq!(holds.first(6_000, &utc), Some(Hold::Maintenance));
    }

    #[test]
    fn a_held_down_is_released_when_its_maintenance_is_over_and_nothing_else_holds() {
        let windowed = Holds {
            maintenance: Windows(vec![Window::Once {
                from: 1_000,
                until: 2_000,
            }]),
            ..Holds::default()
        };
        assert!(!windowed.releases_maintenance(true, false, 1_999, &utc), "still inside");
        assert!(windowed.releases_maintenance(true, false, 2_000, &utc));
        assert!(
            windowed.releases_maintenance(true, true, 2_000, &utc),
            "gone down late, after the end"
        );
        assert!(
            !windowed.releases_maintenance(false, false, 2_000, &utc),
            "up: nothing to tell"
        );
        let snoozed = Holds {
            snoozed_until: Some(3_000),
            ..windowed.clone()
        };
        assert!(
            !snoozed.releases_maintenance(true, false, 2_500, &utc),
            "a snooze holds it on"
        );
        assert!(snoozed.releases_maintenance(true, false, 3_000, &utc));
        assert!(
            Holds::default().releases_maintenance(true, false, 2_000, &utc),
            "looked at while down with no window (one was deleted)"
        );
        assert!(
            !Holds::default().releases_maintenance(true, true, 2_000, &utc),
            "just gone down without a window: nothing was held by one"
        );
    }

    #[test]
    fn holds_are_stored_as_words_and_read_back() {
        let parent = Hold::Parent("0b1d".into());
        for (hold, stored) in [
            (Hold::Snoozed, "snoozed"),
            (Hold::Maintenance, "maintenance"),
            (parent.clone(), "parent:0b1d"),
        ] {
            assert_eq!(hold.stored(), stored);
            assert_eq!(Hold::parse(stored), Some(hold));
        }
        assert_eq!(Hold::parse("parent:"), None);
        assert_eq!(Hold::parse("paused"), None);
    }

    #[test]
    fn a_snooze_holds_until_its_end() {
        let holds = Holds {
            snoozed_until: Some(5_000),
            ..Holds::default()
        };
        assert_eq!(holds.held_until(4_999, &utc), Some(5_000));
        assert_eq!(holds.held_until(5_000, &utc), None);
        assert_eq!(Holds::default().held_until(0, &utc), None);
        let both = Holds {
            maintenance: Windows(vec![Window::Once {
                from: 1_000,
                until: 9_000,
            }]),
            ..holds
        };
        assert_eq!(both.held_until(4_000, &utc), Some(9_000), "the later of the two holds");
        assert_eq!(both.held_until(6_000, &utc), Some(9_000), "maintenance alone");
    }
}
