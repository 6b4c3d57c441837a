//! A monitor's status as the outside world reads it (badges, metrics): up, late, down or
//! unknown. The status machine's five words and the pause switch fold into these four.

use crate::core::heartbeat::status::{is_watched, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Health {
    // Ordered from least to most alarming: the worst of several is their maximum.
    Unknown,
    Up,
    Late,
    Down,
}

impl Health {
    /// `started` is a run under way (up until its grace ends); `grace` is a missed due time
    /// not yet past grace (late); a new, paused or disabled monitor says nothing (unknown).
    pub fn of(status: Status, enabled: bool, paused: bool) -> Health {
        if !is_watched(enabled, paused) {
            return Health::Unknown;
        }
        match status {
            Status::New => Health::Unknown,
            Status::Up | Status::Started => Health::Up,
            Status::Grace | Status::Failing => Health::Late,
            Status::Down => Health::Down,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Health::Unknown => "unknown",
            Health::Up => "up",
            Health::Late => "late",
            Health::Down => "down",
        }
    }
}

/// Worst wins: down over late over up; nothing at all is unknown.
pub fn worst(healths: impl IntoIterator<Item = Health>) -> Health {
    healths.into_iter().max().unwrap_or(Health::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_fold_into_four_words() {
        assert_eq!(Health::of(Status::Up, true, false), Health::Up);
        assert_eq!(Health::of(Status::Started, true, false), Health::Up);
        assert_eq!(Health::of(Status::Grace, true, false), Health::Late);
        assert_eq!(Health::of(Status::Down, true, false), Health::Down);
        assert_eq!(Health::of(Status::New, true, false), Health::Unknown);
    }

    #[test]
    fn paused_or_disabled_monitors_are_unknown_whatever_their_status() {
        assert_eq!(Health::of(Status::Down, true, true), Health::Unknown);
        assert_eq!(Health::of(Status::Up, false, false), Health::Unknown);
    }

    #[test]
    fn the_worst_wins() {
        use Health::*;
        assert_eq!(worst([Up, Down, Late]), Down);
        assert_eq!(worst([Up, Late, Unknown]), Late);
        assert_eq!(worst([Unknown, Up]), Up);
        assert_eq!(worst([Unknown]), Unknown);
        assert_eq!(worst([]), Unknown);
    }

    #[test]
    fn words_are_the_documented_ones() {
        let words: Vec<_> = [Health::Unknown, Health::Up, Health::Late, Health::Down]
            .map(Health::as_str)
            .to_vec();
        assert_eq!(words, ["unknown", "up", "late", "down"]);
    }
}
