//! The monitor status machine. Status is derived from timestamps: the pings move it at ping
//! time, the clock moves it when a deadline passes, and every move into or out of `down` is
//! a `Transition` (a flip) stamped with the moment it logically happened, not when it was
//! noticed, so a late or repeated sweep records the same flip.
//!
//! `new` -> `up` on a success/tick -> `grace` past the due time -> `down` past grace too;
//! `started` while a start waits for its end (down if none within grace); a fail ping is
//! `down` at once; the next success is `up` at ping time. Paused or disabled monitors are
//! not moved by the clock (the sweep skips them) and never alert.

use serde::{Deserialize, Serialize};

use crate::core::heartbeat::cron::Zone;
use crate::core::heartbeat::monitor::Schedule;
use crate::core::heartbeat::ping::PingKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    New,
    Up,
    Grace,
    Down,
    Started,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Up => "up",
            Status::Grace => "grace",
            Status::Down => "down",
            Status::Started => "started",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [Status::New, Status::Up, Status::Grace, Status::Down, Status::Started]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

/// What the machine remembers about a monitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub status: Status,
    /// When the next check-in is due (from the last one), if any.
    pub next_due_at: Option<i64>,
    /// Start of a run still waiting for its end.
    pub started_at: Option<i64>,
    /// The newest ping already applied: applying the same pings again changes nothing.
    pub last_signal_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: Status,
    pub to: Status,
    pub at: i64,
    pub reason: &'static str,
}

pub const REASON_LATE: &str = "no ping by the due time plus grace";
pub const REASON_RUN_UNFINISHED: &str = "a run started and did not end within grace";
pub const REASON_FAIL: &str = "a ping reported failure";
pub const REASON_RECOVERED: &str = "a ping reported success";

fn flip(from: Status, to: Status, at: i64, reason: &'static str, out: &mut Vec<Transition>) {
    if from != to && (from == Status::Down || to == Status::Down) {
        out.push(Transition { from, to, at, reason });
    }
}

impl State {
    pub fn new_monitor() -> State {
        State {
            status: Status::New,
            next_due_at: None,
            started_at: None,
            last_signal_at: None,
        }
    }

    /// Applies pings (any order; older than `last_signal_at` are ignored) and returns the
    /// flips. Time-driven moves up to each ping are applied first, so a ping after a missed
    /// deadline still records the down it ends.
    pub fn on_pings(
        &mut self,
        pings: &[(i64, PingKind)],
        grace_ms: i64,
        schedule: &Schedule,
        zone: &dyn Zone,
    ) -> Vec<Transition> {
        let mut sorted: Vec<(i64, PingKind)> = pings
            .iter()
            .copied()
            .filter(|(at, _)| self.last_signal_at.is_none_or(|last| *at > last))
            .collect();
        sorted.sort_by_key(|(at, _)| *at);
        let mut flips = Vec::new();
        for (at, kind) in sorted {
            flips.extend(self.on_clock(at - 1, grace_ms));
            let from = self.status;
            match kind {
                PingKind::Success | PingKind::Tick => {
                    self.status = Status::Up;
                    self.started_at = None;
                    self.next_due_at = schedule.next_due_after(at, zone);
                    flip(from, Status::Up, at, REASON_RECOVERED, &mut flips);
                }
                PingKind::Fail => {
                    self.status = Status::Down;
                    self.started_at = None;
                    self.next_due_at = schedule.next_due_after(at, zone);
                    flip(from, Status::Down, at, REASON_FAIL, &mut flips);
                }
                PingKind::Start => {
                    self.started_at = Some(at);
                    // A down monitor stays down until a run ends well.
                    if from != Status::Down {
                        self.status = Status::Started;
                    }
                }
                PingKind::Log => {}
            }
            self.last_signal_at = Some(at);
        }
        flips
    }

    /// Moves the state to `now` by the clock alone; returns the flips.
    pub fn on_clock(&mut self, now: i64, grace_ms: i64) -> Vec<Transition> {
        let mut flips = Vec::new();
        let from = self.status;
        match (self.status, self.started_at, self.next_due_at) {
            (Status::Started, Some(started), _) => {
                if now > started + grace_ms {
                    self.status = Status::Down;
                    self.started_at = None;
                    flip(
                        from,
                        Status::Down,
                        started + grace_ms,
                        REASON_RUN_UNFINISHED,
                        &mut flips,
                    );
                }
            }
            (Status::Up | Status::Grace, _, Some(due)) => {
                if now > due + grace_ms {
                    self.status = Status::Down;
                    flip(from, Status::Down, due + grace_ms, REASON_LATE, &mut flips);
                } else if now > due {
                    self.status = Status::Grace;
                } else {
                    self.status = Status::Up;
                }
            }
            _ => {}
        }
        flips
    }

    /// When the sweep looks next after the monitor's schedule changed and its next check-in is
    /// now due at `next_due_at`: only a watched monitor that was waiting for one is looked at.
    pub fn check_at_rescheduled(&self, next_due_at: Option<i64>, grace_ms: i64, watched: bool) -> Option<i64> {
        if !watched || self.next_due_at.is_none() {
            return None;
        }
        State { next_due_at, ..*self }.check_at(grace_ms)
    }

    /// When the clock can next move this state (the sweep's index), if ever.
    pub fn check_at(&self, grace_ms: i64) -> Option<i64> {
        match (self.status, self.started_at, self.next_due_at) {
            (Status::Started, Some(started), _) => Some(started + grace_ms + 1),
            (Status::Up, _, Some(due)) => Some(due + 1),
            (Status::Grace, _, Some(due)) => Some(due + grace_ms + 1),
            _ => None,
        }
    }
}

/// Paused or disabled monitors are not watched by the clock and never alert.
pub fn is_watched(enabled: bool, paused: bool) -> bool {
    enabled && !paused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rescheduled_monitor_is_looked_at_when_its_new_deadline_passes() {
        let waiting = State {
            status: Status::Up,
            next_due_at: Some(1_000),
            started_at: None,
            last_signal_at: Some(0),
        };
        assert_eq!(waiting.check_at_rescheduled(Some(5_000), 200, true), Some(5_001));
        let late = State {
            status: Status::Grace,
            ..waiting
        };
        assert_eq!(late.check_at_rescheduled(Some(5_000), 200, true), Some(5_201));
    }

    #[test]
    fn a_rescheduled_monitor_that_is_not_watched_or_not_waiting_is_not_looked_at() {
        let waiting = State {
            status: Status::Up,
            next_due_at: Some(1_000),
            started_at: None,
            last_signal_at: Some(0),
        };
        assert_eq!(
            waiting.check_at_rescheduled(Some(5_000), 200, false),
            None,
            "paused or disabled"
        );
        let never_pinged = State::new_monitor();
        assert_eq!(never_pinged.check_at_rescheduled(Some(5_000), 200, true), None);
        let down = State {
            status: Status::Down,
            ..waiting
        };
        assert_eq!(
            down.check_at_rescheduled(Some(5_000), 200, true),
            None,
            "only a ping moves a down monitor"
        );
    }

    #[test]
    fn only_enabled_unpaused_monitors_are_watched() {
        assert!(is_watched(true, false));
        assert!(!is_watched(false, false));
        assert!(!is_watched(true, true));
        assert!(!is_watched(false, true));
    }
    use crate::core::heartbeat::cron::FixedZone;

    const MIN: i64 = 60_000;
    const EVERY_10_MIN: Schedule = Schedule::Every { interval_s: 600 };
    const GRACE: i64 = 2 * MIN;

    fn pinged(pings: &[(i64, PingKind)]) -> (State, Vec<Transition>) {
        let mut s = State::new_monitor();
        let flips = s.on_pings(pings, GRACE, &EVERY_10_MIN, &FixedZone(0));
        (s, flips)
    }

    #[test]
    fn a_new_monitor_has_nothing_to_check_and_never_goes_down() {
        let mut s = State::new_monitor();
        assert_eq!(s.check_at(GRACE), None);
        assert!(s.on_clock(1_000 * MIN, GRACE).is_empty());
        assert_eq!(s.status, Status::New);
    }

    #[test]
    fn up_then_grace_then_down_then_up() {
        let (mut s, flips) = pinged(&[(0, PingKind::Success)]);
        assert!(flips.is_empty(), "new -> up is not a flip");
        assert_eq!(
            (s.status, s.next_due_at, s.check_at(GRACE)),
            (Status::Up, Some(10 * MIN), Some(10 * MIN + 1))
        );
        assert!(s.on_clock(10 * MIN, GRACE).is_empty());
        assert_eq!(s.status, Status::Up, "exactly at the due time is still on time");
        assert!(s.on_clock(11 * MIN, GRACE).is_empty());
        assert_eq!((s.status, s.check_at(GRACE)), (Status::Grace, Some(12 * MIN + 1)));
        let down = s.on_clock(13 * MIN, GRACE);
        assert_eq!(
            down,
            [Transition {
                from: Status::Grace,
                to: Status::Down,
                at: 12 * MIN,
                reason: REASON_LATE
            }]
        );
        assert_eq!(s.check_at(GRACE), None, "down waits for a ping, not the clock");
        let up = s.on_pings(&[(20 * MIN, PingKind::Tick)], GRACE, &EVERY_10_MIN, &FixedZone(0));
        assert_eq!(
            up,
            [Transition {
                from: Status::Down,
                to: Status::Up,
                at: 20 * MIN,
                reason: REASON_RECOVERED
            }]
        );
    }

    #[test]
    fn a_late_sweep_stamps_the_flip_at_the_deadline() {
        let (mut s, _) = pinged(&[(0, PingKind::Success)]);
        let flips = s.on_clock(500 * MIN, GRACE);
        assert_eq!(flips.len(), 1);
        assert_eq!(flips[0].at, 12 * MIN);
        assert!(
            s.on_clock(501 * MIN, GRACE).is_empty(),
            "a second sweep finds nothing more"
        );
    }

    #[test]
    fn a_ping_in_time_keeps_it_up() {
        let (mut s, _) = pinged(&[(0, PingKind::Success), (11 * MIN, PingKind::Success)]);
        assert!(s.on_clock(13 * MIN, GRACE).is_empty());
        assert_eq!(s.status, Status::Up);
    }

    #[test]
    fn a_fail_ping_is_down_at_once() {
        let (s, flips) = pinged(&[(0, PingKind::Success), (MIN, PingKind::Fail)]);
        assert_eq!(s.status, Status::Down);
        assert_eq!(
            flips,
            [Transition {
                from: Status::Up,
                to: Status::Down,
                at: MIN,
                reason: REASON_FAIL
            }]
        );
    }

    #[test]
    fn a_start_without_an_end_within_grace_is_down() {
        let (mut s, _) = pinged(&[(0, PingKind::Success), (5 * MIN, PingKind::Start)]);
        assert_eq!((s.status, s.check_at(GRACE)), (Status::Started, Some(7 * MIN + 1)));
        let flips = s.on_clock(8 * MIN, GRACE);
        assert_eq!(
            flips,
            [Transition {
                from: Status::Started,
                to: Status::Down,
                at: 7 * MIN,
                reason: REASON_RUN_UNFINISHED
            }]
        );
    }

    #[test]
    fn a_start_with_its_end_in_time_is_up() {
        let (s, flips) = pinged(&[(0, PingKind::Start), (MIN, PingKind::Success)]);
        assert!(flips.is_empty());
        assert_eq!((s.status, s.started_at), (Status::Up, None));
    }

    #[test]
    fn pings_after_a_missed_deadline_record_the_down_they_end() {
        // The sweep never ran; the next ping arrives long after the deadline.
        let (_, flips) = pinged(&[(0, PingKind::Success), (60 * MIN, PingKind::Success)]);
        assert_eq!(
            flips,
            [
                Transition {
                    from: Status::Up,
                    to: Status::Down,
                    at: 12 * MIN,
                    reason: REASON_LATE
                },
                Transition {
                    from: Status::Down,
                    to: Status::Up,
                    at: 60 * MIN,
                    reason: REASON_RECOVERED
                },
            ]
        );
    }

    #[test]
    fn applying_the_same_pings_twice_changes_nothing() {
        let pings = [(0, PingKind::Success), (MIN, PingKind::Fail)];
        let (mut s, _) = pinged(&pings);
        let before = s.clone();
        assert!(s.on_pings(&pings, GRACE, &EVERY_10_MIN, &FixedZone(0)).is_empty());
        assert_eq!(s, before);
    }

    #[test]
    fn logs_change_nothing_but_the_applied_mark() {
        let (mut s, _) = pinged(&[(0, PingKind::Success)]);
        s.on_pings(&[(MIN, PingKind::Log)], GRACE, &EVERY_10_MIN, &FixedZone(0));
        assert_eq!((s.status, s.next_due_at), (Status::Up, Some(10 * MIN)));
    }

    /// A state whose clock can next move it, and a copy moved to `now`.
    fn moved(state: &State, now: i64) -> State {
        let mut s = state.clone();
        s.on_clock(now, GRACE);
        s
    }

    #[test]
    fn check_at_is_the_first_instant_the_clock_moves_the_state() {
        let (up, _) = pinged(&[(0, PingKind::Success)]);
        let (started, _) = pinged(&[(0, PingKind::Success), (5 * MIN, PingKind::Start)]);
        let grace = moved(&up, 11 * MIN);
        assert_eq!(
            [&up, &started, &grace].map(|s| s.status),
            [Status::Up, Status::Started, Status::Grace]
        );
        for state in [up, started, grace] {
            let at = state.check_at(GRACE).unwrap();
            assert_eq!(moved(&state, at - 1), state, "{state:?} moved before {at}");
            assert_ne!(moved(&state, at).status, state.status, "{state:?} still at {at}");
        }
    }

    #[test]
    fn the_last_instant_of_grace_is_grace_and_the_next_is_down() {
        let (up, _) = pinged(&[(0, PingKind::Success)]);
        let mut s = up.clone();
        assert!(s.on_clock(12 * MIN, GRACE).is_empty());
        assert_eq!(s.status, Status::Grace);
        let flips = s.on_clock(12 * MIN + 1, GRACE);
        assert_eq!((flips.len(), s.status), (1, Status::Down));
        assert_eq!(flips[0].at, 12 * MIN, "stamped at the deadline, not when seen");
    }

    #[test]
    fn a_run_may_take_exactly_the_grace_and_not_a_moment_more() {
        let (started, _) = pinged(&[(0, PingKind::Success), (5 * MIN, PingKind::Start)]);
        let mut s = started.clone();
        assert!(s.on_clock(7 * MIN, GRACE).is_empty());
        assert_eq!(s.status, Status::Started);
        assert_eq!(s.on_clock(7 * MIN + 1, GRACE)[0].at, 7 * MIN);
        assert_eq!((s.status, s.started_at), (Status::Down, None));
    }

    #[test]
    fn a_ping_at_the_first_instant_past_the_deadline_is_not_late() {
        // Due at 10 min, grace until 12: a ping at 12 min + 1 ms ends grace before the clock
        // could call it down, so no flips.
        let (s, flips) = pinged(&[(0, PingKind::Success), (12 * MIN + 1, PingKind::Success)]);
        assert!(flips.is_empty(), "{flips:?}");
        assert_eq!(s.status, Status::Up);
        let (_, flips) = pinged(&[(0, PingKind::Success), (12 * MIN + 2, PingKind::Success)]);
        assert_eq!(flips.len(), 2, "one millisecond later it was down first");
    }

    #[test]
    fn a_ping_at_the_instant_already_applied_is_not_applied_again() {
        let (mut s, _) = pinged(&[(0, PingKind::Success), (MIN, PingKind::Success)]);
        assert!(s
            .on_pings(&[(MIN, PingKind::Fail)], GRACE, &EVERY_10_MIN, &FixedZone(0))
            .is_empty());
        assert_eq!(s.status, Status::Up);
    }

    #[test]
    fn a_start_on_a_down_monitor_keeps_it_down() {
        let (s, _) = pinged(&[(0, PingKind::Fail), (MIN, PingKind::Start)]);
        assert_eq!((s.status, s.started_at), (Status::Down, Some(MIN)));
    }

    #[test]
    fn only_moves_into_or_out_of_down_are_flips() {
        let (_, flips) = pinged(&[
            (0, PingKind::Start),
            (MIN, PingKind::Success),
            (2 * MIN, PingKind::Fail),
            (3 * MIN, PingKind::Fail),
            (4 * MIN, PingKind::Start),
            (5 * MIN, PingKind::Tick),
        ]);
        let moves: Vec<(Status, Status, i64)> = flips.iter().map(|f| (f.from, f.to, f.at / MIN)).collect();
        assert_eq!(moves, [(Status::Up, Status::Down, 2), (Status::Down, Status::Up, 5)]);
    }

    #[test]
    fn a_monitor_that_never_pinged_never_goes_down_or_up_by_the_clock() {
        let mut s = State::new_monitor();
        s.started_at = Some(0);
        assert!(s.on_clock(i64::from(u32::MAX), GRACE).is_empty());
        assert_eq!(s.status, Status::New);
    }

    #[test]
    fn statuses_round_trip() {
        for st in [Status::New, Status::Up, Status::Grace, Status::Down, Status::Started] {
            assert_eq!(Status::parse(st.as_str()), Some(st));
            assert_eq!(serde_json::to_value(st).unwrap(), st.as_str());
        }
        assert_eq!(Status::parse("UP"), None);
        assert_eq!(Status::parse(""), None);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::core::heartbeat::cron::FixedZone;
    use proptest::prelude::*;

    fn pings() -> impl Strategy<Value = Vec<(i64, PingKind)>> {
        prop::collection::vec((0i64..3_600_000, crate::core::heartbeat::ping::any_kind()), 0..12)
    }

    proptest! {
        #[test]
        fn any_text_is_a_status_only_if_it_is_a_status_name(text in prop_oneof![any::<String>(), "(new|up|grace|down|started|Up)"]) {
            if let Some(status) = Status::parse(&text) {
                prop_assert_eq!(status.as_str(), text.as_str());
            }
        }

        #[test]
        fn the_clock_moves_a_state_first_at_check_at(
            pings in pings(),
            interval_s in 60i64..=1_800,
            grace_ms in 0i64..=600_000,
            probe in 0i64..7_200_000,
        ) {
            let schedule = Schedule::Every { interval_s };
            let mut state = State::new_monitor();
            state.on_pings(&pings, grace_ms, &schedule, &FixedZone(0));
            let moved = |now: i64| {
                let mut s = state.clone();
                s.on_clock(now, grace_ms);
                s
            };
            match state.check_at(grace_ms) {
                Some(at) => {
                    prop_assert_eq!(moved(at - 1), state.clone());
                    prop_assert_ne!(moved(at).status, state.status);
                }
                None => prop_assert_eq!(moved(probe.max(state.last_signal_at.unwrap_or(0))), state.clone()),
            }
        }

        #[test]
        fn flips_alternate_into_and_out_of_down_and_replaying_adds_none(
            pings in pings(),
            sweeps in prop::collection::vec(0i64..7_200_000, 0..4),
            grace_ms in 0i64..=600_000,
        ) {
            let schedule = Schedule::Every { interval_s: 600 };
            let mut state = State::new_monitor();
            let mut flips = state.on_pings(&pings, grace_ms, &schedule, &FixedZone(0));
            let last = state.last_signal_at;
            // Sweeps come after the pings they follow, in order.
            let mut sweeps: Vec<i64> = sweeps.into_iter().filter(|&t| last.is_none_or(|last| t >= last)).collect();
            sweeps.sort_unstable();
            for now in sweeps {
                flips.extend(state.on_clock(now, grace_ms));
            }
            for pair in flips.windows(2) {
                // Into down, out of down, into down...: up and grace may pass between flips unseen.
                prop_assert!(pair[0].to == Status::Down && pair[1].from == Status::Down
                    || pair[0].from == Status::Down && pair[1].to == Status::Down);
                prop_assert!(pair[0].at <= pair[1].at);
            }
            prop_assert!(flips.iter().all(|f| (f.from == Status::Down) != (f.to == Status::Down)));
            let before = state.clone();
            prop_assert!(state.on_pings(&pings, grace_ms, &schedule, &FixedZone(0)).is_empty());
            prop_assert_eq!(state, before);
        }
    }
}
