//! The monitor status machine. Status is derived from timestamps: the pings move it at ping
//! time, the clock moves it when a deadline passes, and every move into or out of `down` is
//! a `Transition` (a flip) stamped with the moment it logically happened, not when it was
//! noticed, so a late or repeated sweep records the same flip.
//!
//! `new` -> `up` on a success/tick -> `grace` past the due time -> a failure past grace too;
//! `started` while a start waits for its end (a failure if none within grace); a fail ping is
//! a failure at once. A failure is `down` when it is one more than the monitor's
//! `failure_tolerance` in a row, `failing` (with the count) before that; a down monitor is
//! `up` again after `recovery_threshold` successes in a row. With tolerance 0 and threshold 1
//! (the defaults) this is the plain machine: down on the first failure, up on the next
//! success. Paused or disabled monitors are not moved by the clock (the sweep skips them) and
//! never alert.

use serde::{Deserialize, Serialize};

use crate::core::heartbeat::cron::Zone;
pub use crate::core::heartbeat::flip_reason::Reason;
use crate::core::heartbeat::monitor::Schedule;
use crate::core::heartbeat::ping::PingKind;
pub use crate::core::heartbeat::runtime_bounds::RuntimeBounds;
pub use crate::core::heartbeat::tolerance::Tolerance;
use crate::core::heartbeat::volume_band::Verdict;
use crate::core::stable_sort;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    New,
    Up,
    Grace,
    /// Failed fewer times in a row than it tolerates: not down yet.
    Failing,
    Down,
    Started,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::New,
        Status::Up,
        Status::Grace,
        Status::Failing,
        Status::Down,
        Status::Started,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Up => "up",
            Status::Grace => "grace",
            Status::Failing => "failing",
            Status::Down => "down",
            Status::Started => "started",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// What the machine judges a monitor by.
#[derive(Clone, Copy)]
pub struct Rules<'a> {
    pub grace_ms: i64,
    pub schedule: &'a Schedule,
    pub zone: &'a dyn Zone,
    pub tolerance: Tolerance,
    /// `min_runtime` / `max_runtime`.
    pub runtime: RuntimeBounds,
}

/// A ping as the machine reads it: when, what it said, and for a run's end how long the run
/// took (`core::heartbeat::run` pairs it with its start by `rid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signal {
    pub at: i64,
    pub kind: PingKind,
    pub duration_ms: Option<i64>,
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
    /// Misses and fails in a row since the last success (`failing 2 of 3`).
    pub failures: u32,
    /// Successes in a row while down (`recovering 1 of 3`).
    pub successes: u32,
    /// The start of a run the clock already failed (still open at its deadline): its end,
    /// when it comes, is not counted a second time.
    pub judged_run: Option<i64>,
    /// The end of the newest volume window already judged (`core::heartbeat::volume_band`);
    /// judging the same window again changes nothing.
    pub band_judged_until: Option<i64>,
    /// The last judged window was outside the band: only a window back inside ends that
    /// failure, not pings.
    pub band_out: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: Status,
    pub to: Status,
    pub at: i64,
    /// Rendered (`to_string`) into the flips table and the alert.
    pub reason: Reason,
}

pub const REASON_LATE: Reason = Reason::Late;
pub const REASON_RUN_UNFINISHED: Reason = Reason::RunUnfinished;
pub const REASON_FAIL: Reason = Reason::Fail;
pub const REASON_RECOVERED: Reason = Reason::Recovered;

fn flip(from: Status, to: Status, at: i64, reason: Reason, out: &mut Vec<Transition>) {
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
            failures: 0,
            successes: 0,
            judged_run: None,
            band_judged_until: None,
            band_out: false,
        }
    }

    /// Applies pings (any order; older than `last_signal_at` are ignored) and returns the
    /// flips. Time-driven moves up to each ping are applied first, so a ping after a missed
    /// deadline still records the down it ends.
    pub fn on_pings(&mut self, pings: &[(i64, PingKind)], rules: &Rules) -> Vec<Transition> {
        let signals: Vec<Signal> = pings
            .iter()
            .map(|&(at, kind)| Signal {
                at,
                kind,
                duration_ms: None,
            })
            .collect();
        self.on_signals(&signals, rules)
    }

    /// `on_pings` with each run's end carrying its duration, judged by the runtime bounds.
    pub fn on_signals(&mut self, pings: &[Signal], rules: &Rules) -> Vec<Transition> {
        let mut sorted: Vec<Signal> = pings
            .iter()
            .copied()
            .filter(|p| self.last_signal_at.is_none_or(|last| p.at > last))
            .collect();
        stable_sort::sort_by_key(&mut sorted, |p| p.at);
        let mut flips = Vec::new();
        for Signal { at, kind, duration_ms } in sorted {
            flips.extend(self.on_clock(at - 1, rules));
            match kind {
                PingKind::Success | PingKind::Tick => {
                    // A run's end out of its bounds is a failure, unless the clock already
                    // counted that run (it was still open at its deadline).
                    let out_of_bounds = duration_ms.and_then(|ran| {
                        let reason = rules.runtime.judge_run(ran)?;
                        Some((reason, self.judged_run == Some(at - ran)))
                    });
                    self.started_at = None;
                    self.next_due_at = rules.schedule.next_due_after(at, rules.zone);
                    match out_of_bounds {
                        Some((reason, false)) => {
                            self.failed(at, reason, rules.tolerance, &mut flips);
                        }
                        Some((_, true)) => self.checked_in(),
                        // While the band is broken, only a window back inside it ends that.
                        None if self.band_out => self.checked_in(),
                        None => self.succeeded(at, REASON_RECOVERED, rules.tolerance, &mut flips),
                    }
                }
                PingKind::Fail => {
                    self.started_at = None;
                    self.next_due_at = rules.schedule.next_due_after(at, rules.zone);
                    self.failed(at, REASON_FAIL, rules.tolerance, &mut flips);
                }
                PingKind::Start => {
                    self.started_at = Some(at);
                    // A down monitor stays down until a run ends well.
                    if self.status != Status::Down {
                        self.status = Status::Started;
                    }
                }
                PingKind::Log => {}
            }
            self.last_signal_at = Some(at);
        }
        flips
    }

    /// A check-in that is neither a success nor a new failure (the end of a run already
    /// counted, a ping while the band is broken): no run is open any more.
    fn checked_in(&mut self) {
        if self.status == Status::Started {
            self.status = if self.failures > 0 { Status::Failing } else { Status::Up };
        }
    }

    /// Judges the closed volume window ending at `until` (`core::heartbeat::volume_band`):
    /// outside the band, a failure stamped at the window's end; the first window back inside
    /// after that, a success. A window already judged changes nothing.
    pub fn on_band(&mut self, until: i64, verdict: Verdict, rules: &Rules) -> Vec<Transition> {
        let mut flips = Vec::new();
        if self.band_judged_until.is_some_and(|judged| until <= judged) {
            return flips;
        }
        self.band_judged_until = Some(until);
        match verdict {
            Verdict::Outside(reason) => {
                self.band_out = true;
                self.failed(until, reason, rules.tolerance, &mut flips);
            }
            Verdict::Within(reason) if self.band_out => {
                self.band_out = false;
                self.succeeded(until, reason, rules.tolerance, &mut flips);
            }
            Verdict::Within(_) => {}
        }
        flips
    }

    /// A success at `at`: up, unless a down monitor still needs more successes in a row.
    fn succeeded(&mut self, at: i64, reason: Reason, tolerance: Tolerance, flips: &mut Vec<Transition>) {
        let from = self.status;
        self.failures = 0;
        if from == Status::Down {
            self.successes += 1;
            if self.successes < tolerance.recovery.max(1) {
                return;
            }
        }
        self.successes = 0;
        self.status = Status::Up;
        flip(from, Status::Up, at, reason, flips);
    }

    /// A failure (a fail ping, a miss, a run that did not end, a run out of its bounds, a
    /// window out of its band) at `at`: down once it is one more than the tolerance in a
    /// row, failing before. Answers whether it went down.
    fn failed(&mut self, at: i64, reason: Reason, tolerance: Tolerance, flips: &mut Vec<Transition>) -> bool {
        let from = self.status;
        self.successes = 0;
        if from == Status::Down {
            return true;
        }
        self.failures = self.failures.saturating_add(1);
        if self.failures > tolerance.failures {
            self.status = Status::Down;
            flip(from, Status::Down, at, reason, flips);
            true
        } else {
            self.status = Status::Failing;
            false
        }
    }

    /// The moment after which the clock alone counts the next failure (a missed check-in's
    /// deadline, or a run's that never ended), if it ever will: a ping received up to then may
    /// still change what the clock decides.
    pub fn next_failure_at(&self, rules: &Rules) -> Option<i64> {
        match (self.status, self.started_at, self.next_due_at) {
            (Status::Started, Some(started), _) => Some(rules.runtime.open_run_deadline(started, rules.grace_ms)),
            (Status::Up | Status::Grace | Status::Failing, _, Some(due)) => Some(due + rules.grace_ms),
            _ => None,
        }
    }

    /// Moves the state to `now` by the clock alone; returns the flips. A failing monitor
    /// waits for its next check-in, so several missed ones are counted one by one.
    pub fn on_clock(&mut self, now: i64, rules: &Rules) -> Vec<Transition> {
        let mut flips = Vec::new();
        let grace_ms = rules.grace_ms;
        // Each pass counts one failure or ends; there are at most tolerance + 1 failures
        // before down, which stops the clock.
        for _ in 0..=rules.tolerance.failures.saturating_add(1) {
            match (self.status, self.started_at, self.next_due_at) {
                (Status::Started, Some(started), _) => {
                    let deadline = rules.runtime.open_run_deadline(started, grace_ms);
                    if now <= deadline {
                        break;
                    }
                    self.started_at = None;
                    self.judged_run = Some(started);
                    let reason = rules.runtime.open_run_reason();
                    if !self.failed(deadline, reason, rules.tolerance, &mut flips) {
                        // The unfinished run was this check-in: the next one is due after it.
                        self.next_due_at = rules.schedule.next_due_after(started, rules.zone);
                    }
                }
                (Status::Up | Status::Grace | Status::Failing, _, Some(due)) => {
                    if now > due + grace_ms {
                        if !self.failed(due + grace_ms, REASON_LATE, rules.tolerance, &mut flips) {
                            self.next_due_at = rules.schedule.next_due_after(due, rules.zone);
                        }
                    } else {
                        if now > due && self.status == Status::Up {
                            self.status = Status::Grace;
                        } else if now <= due && self.status == Status::Grace {
                            self.status = Status::Up;
                        }
                        break;
                    }
                }
                _ => break,
            }
        }
        flips
    }

    /// When the sweep looks next after the monitor's schedule changed and its next check-in is
    /// now due at `next_due_at`: only a watched monitor that was waiting for one is looked at.
    pub fn check_at_rescheduled(&self, next_due_at: Option<i64>, grace_ms: i64, watched: bool) -> Option<i64> {
        self.check_at_rescheduled_within(next_due_at, grace_ms, RuntimeBounds::NONE, watched)
    }

    /// `check_at_rescheduled` with an open run due at its `max_runtime`.
    pub fn check_at_rescheduled_within(
        &self,
        next_due_at: Option<i64>,
        grace_ms: i64,
        runtime: RuntimeBounds,
        watched: bool,
    ) -> Option<i64> {
        if !watched || self.next_due_at.is_none() {
            return None;
        }
        State {
            next_due_at,
            ..self.clone()
        }
        .check_at_within(grace_ms, runtime)
    }

    /// When the clock can next move this state (the sweep's index), if ever.
    pub fn check_at(&self, grace_ms: i64) -> Option<i64> {
        self.check_at_within(grace_ms, RuntimeBounds::NONE)
    }

    /// `check_at` with an open run due at its `max_runtime` (`RuntimeBounds::open_run_deadline`).
    pub fn check_at_within(&self, grace_ms: i64, runtime: RuntimeBounds) -> Option<i64> {
        match (self.status, self.started_at, self.next_due_at) {
            (Status::Started, Some(started), _) => Some(runtime.open_run_deadline(started, grace_ms) + 1),
            (Status::Up, _, Some(due)) => Some(due + 1),
            (Status::Grace | Status::Failing, _, Some(due)) => Some(due + grace_ms + 1),
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
            ..State::new_monitor()
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
            ..State::new_monitor()
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

    fn rules() -> Rules<'static> {
        Rules {
            grace_ms: GRACE,
            schedule: &EVERY_10_MIN,
            zone: &FixedZone(0),
            tolerance: Tolerance::NONE,
            runtime: RuntimeBounds::NONE,
        }
    }

    fn pinged(pings: &[(i64, PingKind)]) -> (State, Vec<Transition>) {
        let mut s = State::new_monitor();
        let flips = s.on_pings(pings, &rules());
        (s, flips)
    }

    #[test]
    fn a_new_monitor_has_nothing_to_check_and_never_goes_down() {
        let mut s = State::new_monitor();
        assert_eq!(s.check_at(GRACE), None);
        assert!(s.on_clock(1_000 * MIN, &rules()).is_empty());
        assert_eq!(s.status, Status::New);
    }

    #[test]
    fn the_next_failure_is_the_deadline_the_clock_counts_it_after() {
        assert_eq!(State::new_monitor().next_failure_at(&rules()), None, "never pinged");
        let (s, _) = pinged(&[(0, PingKind::Success)]);
        let at = s.next_failure_at(&rules()).unwrap();
        assert_eq!(at, 10 * MIN + GRACE);
        assert!(s.clone().on_clock(at, &rules()).is_empty());
        assert_eq!(s.clone().on_clock(at + 1, &rules())[0].at, at);
        let (started, _) = pinged(&[(0, PingKind::Success), (5 * MIN, PingKind::Start)]);
        let run_deadline = RuntimeBounds::NONE.open_run_deadline(5 * MIN, GRACE);
        assert_eq!(started.next_failure_at(&rules()), Some(run_deadline));
        let (down, _) = pinged(&[(0, PingKind::Fail)]);
        assert_eq!(down.next_failure_at(&rules()), None, "only a ping moves a down monitor");
    }

    #[test]
    fn up_then_grace_then_down_then_up() {
        let (mut s, flips) = pinged(&[(0, PingKind::Success)]);
        assert!(flips.is_empty(), "new -> up is not a flip");
        assert_eq!(
            (s.status, s.next_due_at, s.check_at(GRACE)),
            (Status::Up, Some(10 * MIN), Some(10 * MIN + 1))
        );
        assert!(s.on_clock(10 * MIN, &rules()).is_empty());
        assert_eq!(s.status, Status::Up, "exactly at the due time is still on time");
        assert!(s.on_clock(11 * MIN, &rules()).is_empty());
        assert_eq!((s.status, s.check_at(GRACE)), (Status::Grace, Some(12 * MIN + 1)));
        let down = s.on_clock(13 * MIN, &rules());
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
        let up = s.on_pings(&[(20 * MIN, PingKind::Tick)], &rules());
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
        let flips = s.on_clock(500 * MIN, &rules());
        assert_eq!(flips.len(), 1);
        assert_eq!(flips[0].at, 12 * MIN);
        assert!(
            s.on_clock(501 * MIN, &rules()).is_empty(),
            "a second sweep finds nothing more"
        );
    }

    #[test]
    fn a_ping_in_time_keeps_it_up() {
        let (mut s, _) = pinged(&[(0, PingKind::Success), (11 * MIN, PingKind::Success)]);
        assert!(s.on_clock(13 * MIN, &rules()).is_empty());
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
        let flips = s.on_clock(8 * MIN, &rules());
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
        assert!(s.on_pings(&pings, &rules()).is_empty());
        assert_eq!(s, before);
    }

    #[test]
    fn logs_change_nothing_but_the_applied_mark() {
        let (mut s, _) = pinged(&[(0, PingKind::Success)]);
        s.on_pings(&[(MIN, PingKind::Log)], &rules());
        assert_eq!((s.status, s.next_due_at), (Status::Up, Some(10 * MIN)));
    }

    /// A state whose clock can next move it, and a copy moved to `now`.
    fn moved(state: &State, now: i64) -> State {
        let mut s = state.clone();
        s.on_clock(now, &rules());
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
        assert!(s.on_clock(12 * MIN, &rules()).is_empty());
        assert_eq!(s.status, Status::Grace);
        let flips = s.on_clock(12 * MIN + 1, &rules());
        assert_eq!((flips.len(), s.status), (1, Status::Down));
        assert_eq!(flips[0].at, 12 * MIN, "stamped at the deadline, not when seen");
    }

    #[test]
    fn a_run_may_take_exactly_the_grace_and_not_a_moment_more() {
        let (started, _) = pinged(&[(0, PingKind::Success), (5 * MIN, PingKind::Start)]);
        let mut s = started.clone();
        assert!(s.on_clock(7 * MIN, &rules()).is_empty());
        assert_eq!(s.status, Status::Started);
        assert_eq!(s.on_clock(7 * MIN + 1, &rules())[0].at, 7 * MIN);
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
        assert!(s.on_pings(&[(MIN, PingKind::Fail)], &rules()).is_empty());
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
        assert!(s.on_clock(i64::from(u32::MAX), &rules()).is_empty());
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
            let rules = Rules { grace_ms, schedule: &schedule, zone: &FixedZone(0), tolerance: Tolerance::NONE, runtime: RuntimeBounds::NONE };
            let mut state = State::new_monitor();
            state.on_pings(&pings, &rules);
            let moved = |now: i64| {
                let mut s = state.clone();
                s.on_clock(now, &rules);
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
            let rules = Rules { grace_ms, schedule: &schedule, zone: &FixedZone(0), tolerance: Tolerance::NONE, runtime: RuntimeBounds::NONE };
            let mut state = State::new_monitor();
            let mut flips = state.on_pings(&pings, &rules);
            let last = state.last_signal_at;
            // Sweeps come after the pings they follow, in order.
            let mut sweeps: Vec<i64> = sweeps.into_iter().filter(|&t| last.is_none_or(|last| t >= last)).collect();
            sweeps.sort_unstable();
            for now in sweeps {
                flips.extend(state.on_clock(now, &rules));
            }
            for pair in flips.windows(2) {
                // Into down, out of down, into down...: up and grace may pass between flips unseen.
                prop_assert!(pair[0].to == Status::Down && pair[1].from == Status::Down
                    || pair[0].from == Status::Down && pair[1].to == Status::Down);
                prop_assert!(pair[0].at <= pair[1].at);
            }
            prop_assert!(flips.iter().all(|f| (f.from == Status::Down) != (f.to == Status::Down)));
            let before = state.clone();
            prop_assert!(state.on_pings(&pings, &rules).is_empty());
            prop_assert_eq!(state, before);
        }
    }
}

#[cfg(test)]
mod tolerance {
    use super::*;
    use crate::core::heartbeat::cron::FixedZone;

    const MIN: i64 = 60_000;
    const EVERY_10_MIN: Schedule = Schedule::Every { interval_s: 600 };
    const GRACE: i64 = 2 * MIN;

    fn rules(failures: u32, recovery: u32) -> Rules<'static> {
        Rules {
            grace_ms: GRACE,
            schedule: &EVERY_10_MIN,
            zone: &FixedZone(0),
            tolerance: Tolerance { failures, recovery },
            runtime: RuntimeBounds::NONE,
        }
    }

    fn up_at_0(rules: &Rules) -> State {
        let mut s = State::new_monitor();
        s.on_pings(&[(0, PingKind::Success)], rules);
        s
    }

    #[test]
    fn tolerance_2_is_failing_after_two_misses_and_down_on_the_third_stamped_at_its_deadline() {
        let rules = rules(2, 1);
        let mut s = up_at_0(&rules);
        assert!(s.on_clock(12 * MIN + 1, &rules).is_empty(), "first miss");
        assert_eq!(
            (s.status, s.failures, s.next_due_at),
            (Status::Failing, 1, Some(20 * MIN))
        );
        assert_eq!(s.check_at(GRACE), Some(22 * MIN + 1), "the next deadline is looked at");
        assert!(s.on_clock(22 * MIN + 1, &rules).is_empty(), "second miss");
        assert_eq!((s.status, s.failures), (Status::Failing, 2));
        let flips = s.on_clock(32 * MIN + 1, &rules);
        assert_eq!(
            flips,
            [Transition {
                from: Status::Failing,
                to: Status::Down,
                at: 32 * MIN,
                reason: REASON_LATE
            }]
        );
        assert_eq!((s.status, s.failures, s.check_at(GRACE)), (Status::Down, 3, None));
    }

    #[test]
    fn a_late_sweep_counts_every_missed_deadline_and_stamps_the_one_that_was_too_many() {
        let rules = rules(2, 1);
        let mut s = up_at_0(&rules);
        let flips = s.on_clock(500 * MIN, &rules);
        assert_eq!(flips.len(), 1);
        assert_eq!((flips[0].from, flips[0].at), (Status::Failing, 32 * MIN));
        assert!(s.on_clock(501 * MIN, &rules).is_empty(), "a second sweep adds nothing");
    }

    #[test]
    fn a_success_while_failing_is_up_again_without_a_flip_and_starts_the_count_over() {
        let rules = rules(1, 1);
        let mut s = up_at_0(&rules);
        s.on_clock(12 * MIN + 1, &rules);
        assert_eq!(s.status, Status::Failing);
        assert!(s.on_pings(&[(15 * MIN, PingKind::Success)], &rules).is_empty());
        assert_eq!((s.status, s.failures, s.next_due_at), (Status::Up, 0, Some(25 * MIN)));
        assert!(
            s.on_clock(27 * MIN + 1, &rules).is_empty(),
            "one miss is tolerated again"
        );
        assert_eq!(s.status, Status::Failing);
    }

    #[test]
    fn fail_pings_count_toward_the_tolerance_and_the_one_too_many_is_the_flip() {
        let rules = rules(2, 1);
        let mut s = up_at_0(&rules);
        let flips = s.on_pings(
            &[
                (MIN, PingKind::Fail),
                (2 * MIN, PingKind::Fail),
                (3 * MIN, PingKind::Fail),
            ],
            &rules,
        );
        assert_eq!(
            flips,
            [Transition {
                from: Status::Failing,
                to: Status::Down,
                at: 3 * MIN,
                reason: REASON_FAIL
            }]
        );
    }

    #[test]
    fn misses_and_fails_count_together() {
        let rules = rules(1, 1);
        let mut s = up_at_0(&rules);
        s.on_clock(12 * MIN + 1, &rules);
        let flips = s.on_pings(&[(13 * MIN, PingKind::Fail)], &rules);
        assert_eq!((flips.len(), s.status), (1, Status::Down));
        assert_eq!(flips[0].at, 13 * MIN);
    }

    #[test]
    fn an_unfinished_run_is_one_failure_not_also_a_miss_of_its_deadline() {
        let rules = rules(1, 1);
        let mut s = up_at_0(&rules);
        s.on_pings(&[(10 * MIN, PingKind::Start)], &rules);
        assert!(s.on_clock(13 * MIN, &rules).is_empty());
        assert_eq!((s.status, s.failures), (Status::Failing, 1));
        assert_eq!(s.next_due_at, Some(20 * MIN), "the run was the check-in due at 10 min");
        assert_eq!(s.started_at, None);
    }

    #[test]
    fn recovery_3_needs_three_successes_in_a_row_and_flips_at_the_third() {
        let rules = rules(0, 3);
        let mut s = up_at_0(&rules);
        s.on_pings(&[(MIN, PingKind::Fail)], &rules);
        assert_eq!(s.status, Status::Down);
        assert!(s
            .on_pings(&[(2 * MIN, PingKind::Success), (3 * MIN, PingKind::Success)], &rules)
            .is_empty());
        assert_eq!((s.status, s.successes), (Status::Down, 2));
        assert_eq!(s.check_at(GRACE), None, "down waits for pings");
        let flips = s.on_pings(&[(4 * MIN, PingKind::Success)], &rules);
        assert_eq!(
            flips,
            [Transition {
                from: Status::Down,
                to: Status::Up,
                at: 4 * MIN,
                reason: REASON_RECOVERED
            }]
        );
        assert_eq!((s.successes, s.failures), (0, 0));
    }

    #[test]
    fn a_failure_while_recovering_starts_the_recovery_over() {
        let rules = rules(0, 2);
        let mut s = up_at_0(&rules);
        s.on_pings(
            &[
                (MIN, PingKind::Fail),
                (2 * MIN, PingKind::Success),
                (3 * MIN, PingKind::Fail),
                (4 * MIN, PingKind::Success),
            ],
            &rules,
        );
        assert_eq!((s.status, s.successes), (Status::Down, 1));
        let flips = s.on_pings(&[(5 * MIN, PingKind::Success)], &rules);
        assert_eq!(flips.len(), 1);
        assert_eq!(flips[0].at, 5 * MIN);
    }

    #[test]
    fn a_failing_monitor_that_starts_a_run_and_ends_it_well_is_up() {
        let rules = rules(2, 1);
        let mut s = up_at_0(&rules);
        s.on_pings(&[(MIN, PingKind::Fail), (2 * MIN, PingKind::Start)], &rules);
        assert_eq!((s.status, s.failures), (Status::Started, 1));
        s.on_pings(&[(3 * MIN, PingKind::Success)], &rules);
        assert_eq!((s.status, s.failures), (Status::Up, 0));
    }

    #[test]
    fn failing_is_a_status_name() {
        assert_eq!(Status::parse("failing"), Some(Status::Failing));
        assert_eq!(serde_json::to_value(Status::Failing).unwrap(), "failing");
    }
}

#[cfg(test)]
mod plain_machine {
    //! The machine before tolerance (kept here as the reference): with tolerance 0 and
    //! threshold 1 the machine must move exactly as this one did.
    use super::*;
    use crate::core::heartbeat::cron::FixedZone;
    use proptest::prelude::*;

    #[derive(Debug, Clone, PartialEq)]
    struct Plain {
        status: Status,
        next_due_at: Option<i64>,
        started_at: Option<i64>,
        last_signal_at: Option<i64>,
    }

    fn plain_flip(from: Status, to: Status, at: i64, reason: Reason, out: &mut Vec<Transition>) {
        if from != to && (from == Status::Down || to == Status::Down) {
            out.push(Transition { from, to, at, reason });
        }
    }

    impl Plain {
        fn on_clock(&mut self, now: i64, grace: i64) -> Vec<Transition> {
            let mut flips = Vec::new();
            let from = self.status;
            match (self.status, self.started_at, self.next_due_at) {
                (Status::Started, Some(started), _) if now > started + grace => {
                    self.status = Status::Down;
                    self.started_at = None;
                    plain_flip(from, Status::Down, started + grace, REASON_RUN_UNFINISHED, &mut flips);
                }
                (Status::Up | Status::Grace, _, Some(due)) => {
                    if now > due + grace {
                        self.status = Status::Down;
                        plain_flip(from, Status::Down, due + grace, REASON_LATE, &mut flips);
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

        fn on_pings(&mut self, pings: &[(i64, PingKind)], grace: i64, interval_ms: i64) -> Vec<Transition> {
            let mut sorted: Vec<_> = pings
                .iter()
                .copied()
                .filter(|(at, _)| self.last_signal_at.is_none_or(|l| *at > l))
                .collect();
            sorted.sort_by_key(|(at, _)| *at);
            let mut flips = Vec::new();
            for (at, kind) in sorted {
                flips.extend(self.on_clock(at - 1, grace));
                let from = self.status;
                match kind {
                    PingKind::Success | PingKind::Tick => {
                        self.status = Status::Up;
                        self.started_at = None;
                        self.next_due_at = Some(at + interval_ms);
                        plain_flip(from, Status::Up, at, REASON_RECOVERED, &mut flips);
                    }
                    PingKind::Fail => {
                        self.status = Status::Down;
                        self.started_at = None;
                        self.next_due_at = Some(at + interval_ms);
                        plain_flip(from, Status::Down, at, REASON_FAIL, &mut flips);
                    }
                    PingKind::Start => {
                        self.started_at = Some(at);
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
    }

    /// Pings and sweeps in time order.
    fn steps() -> impl Strategy<Value = Vec<(i64, Option<PingKind>)>> {
        prop::collection::vec(
            (
                0i64..7_200_000,
                prop::option::of(crate::core::heartbeat::ping::any_kind()),
            ),
            0..24,
        )
        .prop_map(|mut v| {
            v.sort_by_key(|(at, _)| *at);
            v
        })
    }

    proptest! {
        #[test]
        fn with_tolerance_0_and_threshold_1_the_machine_is_the_plain_one(
            steps in steps(),
            interval_s in 60i64..=1_800,
            grace_ms in 0i64..=600_000,
        ) {
            let schedule = Schedule::Every { interval_s };
            let rules = Rules { grace_ms, schedule: &schedule, zone: &FixedZone(0), tolerance: Tolerance::NONE, runtime: RuntimeBounds::NONE };
            let mut state = State::new_monitor();
            let mut plain = Plain { status: Status::New, next_due_at: None, started_at: None, last_signal_at: None };
            for (at, ping) in steps {
                let (ours, theirs) = match ping {
                    Some(kind) => (state.on_pings(&[(at, kind)], &rules), plain.on_pings(&[(at, kind)], grace_ms, interval_s * 1_000)),
                    None => (state.on_clock(at, &rules), plain.on_clock(at, grace_ms)),
                };
                prop_assert_eq!(ours, theirs);
                prop_assert_eq!(
                    (state.status, state.next_due_at, state.started_at, state.last_signal_at),
                    (plain.status, plain.next_due_at, plain.started_at, plain.last_signal_at)
                );
                prop_assert_eq!(state.check_at(grace_ms).is_some(), matches!(
                    (plain.status, plain.started_at, plain.next_due_at),
                    (Status::Started, Some(_), _) | (Status::Up | Status::Grace, _, Some(_))
                ));
            }
        }

        #[test]
        fn a_monitor_goes_down_only_on_its_tolerance_plus_one_failure_in_a_row(
            steps in steps(),
            failures in 0u32..=4,
            recovery in 1u32..=4,
            grace_ms in 0i64..=600_000,
        ) {
            let schedule = Schedule::Every { interval_s: 600 };
            let rules = Rules { grace_ms, schedule: &schedule, zone: &FixedZone(0), tolerance: Tolerance { failures, recovery }, runtime: RuntimeBounds::NONE };
            let mut state = State::new_monitor();
            for (at, ping) in steps {
                let before = state.clone();
                let flips = match ping {
                    Some(kind) => state.on_pings(&[(at, kind)], &rules),
                    None => state.on_clock(at, &rules),
                };
                // (A ping after a missed deadline may flip down and up again in one step.)
                match flips.last() {
                    Some(f) if f.to == Status::Down => {
                        // Down on the one failure too many (or since then on the way back up).
                        prop_assert!(state.failures == failures + 1 || state.successes > 0, "{:?}", state);
                    }
                    Some(f) => {
                        prop_assert_eq!(f.from, Status::Down);
                        prop_assert_eq!(state.status, Status::Up);
                    }
                    None => {}
                }
                prop_assert!(flips.len() <= 1 || ping.is_some(), "{:?}", flips);
                prop_assert!(state.failures <= failures + 1);
                prop_assert!(state.successes < recovery);
                prop_assert_eq!(state.status == Status::Failing, state.failures > 0 && state.failures <= failures
                    && !matches!(state.status, Status::Started | Status::Up | Status::Grace | Status::Down), "{:?} from {:?}", state, before);
            }
        }
    }
}

#[cfg(test)]
mod runtime {
    //! Rule 3: runs measured against `min_runtime` / `max_runtime`.
    use super::*;
    use crate::core::heartbeat::cron::FixedZone;

    const S: i64 = 1_000;
    const MIN: i64 = 60 * S;
    const EVERY_10_MIN: Schedule = Schedule::Every { interval_s: 600 };
    const GRACE: i64 = 2 * MIN;
    const BOUNDS: RuntimeBounds = RuntimeBounds {
        min_ms: Some(MIN),
        max_ms: Some(5 * MIN),
    };

    fn rules(failures: u32, runtime: RuntimeBounds) -> Rules<'static> {
        Rules {
            grace_ms: GRACE,
            schedule: &EVERY_10_MIN,
            zone: &FixedZone(0),
            tolerance: Tolerance { failures, recovery: 1 },
            runtime,
        }
    }

    fn ping(at: i64, kind: PingKind) -> Signal {
        Signal {
            at,
            kind,
            duration_ms: None,
        }
    }

    fn end(at: i64, ran: i64) -> Signal {
        Signal {
            at,
            kind: PingKind::Success,
            duration_ms: Some(ran),
        }
    }

    fn up_at_0(rules: &Rules) -> State {
        let mut s = State::new_monitor();
        s.on_signals(&[ping(0, PingKind::Success)], rules);
        s
    }

    #[test]
    fn a_run_shorter_than_min_runtime_is_down_with_its_figures() {
        let rules = rules(0, BOUNDS);
        let mut s = up_at_0(&rules);
        let flips = s.on_signals(&[ping(MIN, PingKind::Start), end(MIN + 3 * S, 3 * S)], &rules);
        assert_eq!(
            flips,
            [Transition {
                from: Status::Started,
                to: Status::Down,
                at: MIN + 3 * S,
                reason: Reason::RanTooShort {
                    ran_ms: 3 * S,
                    min_ms: MIN
                }
            }]
        );
        assert_eq!(flips[0].reason.to_string(), "ran 3 s, expected at least 1 min");
        assert_eq!(s.next_due_at, Some(11 * MIN + 3 * S), "the run still checked in");
    }

    #[test]
    fn a_run_longer_than_max_runtime_that_ends_before_the_sweep_is_down_at_its_end() {
        let rules = rules(0, BOUNDS);
        let mut s = up_at_0(&rules);
        s.on_signals(&[ping(MIN, PingKind::Start)], &rules);
        // The end arrives 1 ms past the bound: the clock has not counted it yet.
        let flips = s.on_signals(&[end(6 * MIN + 1, 5 * MIN + 1)], &rules);
        assert_eq!(flips.len(), 1);
        assert_eq!(
            flips[0].reason,
            Reason::RanTooLong {
                ran_ms: 5 * MIN + 1,
                max_ms: 5 * MIN
            }
        );
        assert_eq!(flips[0].at, 6 * MIN + 1);
    }

    #[test]
    fn a_run_within_its_bounds_is_a_success() {
        let rules = rules(0, BOUNDS);
        let mut s = up_at_0(&rules);
        let flips = s.on_signals(&[ping(MIN, PingKind::Start), end(3 * MIN, 2 * MIN)], &rules);
        assert!(flips.is_empty());
        assert_eq!((s.status, s.failures), (Status::Up, 0));
        let exactly = s.on_signals(&[ping(4 * MIN, PingKind::Start), end(9 * MIN, 5 * MIN)], &rules);
        assert!(exactly.is_empty(), "exactly max_runtime is within it");
        assert_eq!(s.status, Status::Up);
    }

    #[test]
    fn an_open_run_fails_at_max_runtime_without_waiting_for_the_grace() {
        let long_grace = Rules {
            grace_ms: 60 * MIN,
            ..rules(0, BOUNDS)
        };
        let mut s = up_at_0(&long_grace);
        s.on_signals(&[ping(MIN, PingKind::Start)], &long_grace);
        assert_eq!(s.check_at_within(long_grace.grace_ms, BOUNDS), Some(6 * MIN + 1));
        assert!(
            s.on_clock(6 * MIN, &long_grace).is_empty(),
            "exactly at the bound it may still end"
        );
        let flips = s.on_clock(6 * MIN + 1, &long_grace);
        assert_eq!(
            flips,
            [Transition {
                from: Status::Started,
                to: Status::Down,
                at: 6 * MIN,
                reason: Reason::StillRunning { max_ms: 5 * MIN }
            }]
        );
        assert_eq!(
            flips[0].reason.to_string(),
            "still running after 5 min, expected at most 5 min"
        );
    }

    #[test]
    fn a_max_runtime_longer_than_the_grace_lets_the_run_go_on() {
        let rules = rules(0, BOUNDS);
        let mut s = up_at_0(&rules);
        s.on_signals(&[ping(MIN, PingKind::Start)], &rules);
        assert!(
            s.on_clock(4 * MIN, &rules).is_empty(),
            "past the 2-minute grace, inside max_runtime"
        );
        assert_eq!(s.status, Status::Started);
        let flips = s.on_signals(&[end(5 * MIN, 4 * MIN)], &rules);
        assert!(flips.is_empty());
        assert_eq!(s.status, Status::Up);
    }

    #[test]
    fn an_overlong_run_the_clock_failed_is_not_failed_again_by_its_end() {
        let rules = rules(1, BOUNDS);
        let mut s = up_at_0(&rules);
        s.on_signals(&[ping(MIN, PingKind::Start)], &rules);
        assert!(s.on_clock(7 * MIN, &rules).is_empty(), "tolerated once");
        assert_eq!((s.status, s.failures, s.judged_run), (Status::Failing, 1, Some(MIN)));
        assert!(s.on_signals(&[end(8 * MIN, 7 * MIN)], &rules).is_empty());
        assert_eq!((s.status, s.failures), (Status::Failing, 1), "one run, one failure");
        assert_eq!(s.next_due_at, Some(18 * MIN), "its end still checked in");
    }

    #[test]
    fn the_end_of_another_overlong_run_counts() {
        let rules = rules(1, BOUNDS);
        let mut s = up_at_0(&rules);
        s.on_signals(&[ping(MIN, PingKind::Start)], &rules);
        s.on_clock(7 * MIN, &rules);
        assert_eq!(s.failures, 1);
        // A run the machine did not watch (its start was not the latest) ends too late.
        let flips = s.on_signals(&[end(8 * MIN, 6 * MIN)], &rules);
        assert_eq!((flips.len(), s.status), (1, Status::Down));
    }

    #[test]
    fn without_bounds_durations_change_nothing() {
        let plain = rules(0, RuntimeBounds::NONE);
        let mut with = up_at_0(&plain);
        let mut without = with.clone();
        let measured = [ping(MIN, PingKind::Start), end(MIN + 1, 1)];
        let unmeasured = [ping(MIN, PingKind::Start), ping(MIN + 1, PingKind::Success)];
        assert_eq!(
            with.on_signals(&measured, &plain),
            without.on_signals(&unmeasured, &plain)
        );
        assert_eq!(with, without);
    }

    #[test]
    fn a_too_short_run_while_down_does_not_count_toward_recovery() {
        let rules = Rules {
            tolerance: Tolerance {
                failures: 0,
                recovery: 2,
            },
            ..rules(0, BOUNDS)
        };
        let mut s = up_at_0(&rules);
        s.on_signals(&[ping(MIN, PingKind::Fail), ping(2 * MIN, PingKind::Success)], &rules);
        assert_eq!((s.status, s.successes), (Status::Down, 1));
        s.on_signals(&[ping(3 * MIN, PingKind::Start), end(3 * MIN + S, S)], &rules);
        assert_eq!((s.status, s.successes), (Status::Down, 0));
    }
}

#[cfg(test)]
mod band {
    //! Rule 7: closed volume windows judged against the band.
    use super::*;
    use crate::core::heartbeat::cron::FixedZone;
    use crate::core::heartbeat::volume_band::VolumeBand;

    const HOUR: i64 = 3_600_000;
    const EVERY_MIN: Schedule = Schedule::Every { interval_s: 60 };
    const BAND: VolumeBand = VolumeBand {
        min: Some(100),
        max: Some(1_000),
        window_s: 3_600,
    };

    fn rules(failures: u32, recovery: u32) -> Rules<'static> {
        Rules {
            grace_ms: 60_000,
            schedule: &EVERY_MIN,
            zone: &FixedZone(0),
            tolerance: Tolerance { failures, recovery },
            runtime: RuntimeBounds::NONE,
        }
    }

    fn window(s: &mut State, hour: i64, pings: i64, rules: &Rules) -> Vec<Transition> {
        let (from, until) = (hour * HOUR, (hour + 1) * HOUR);
        s.on_band(until, BAND.judge(from, until, pings), rules)
    }

    #[test]
    fn a_window_below_the_band_is_down_at_its_end_with_the_count() {
        let rules = rules(0, 1);
        let mut s = State::new_monitor();
        s.on_pings(&[(HOUR / 2, PingKind::Tick)], &rules);
        let flips = window(&mut s, 0, 12, &rules);
        assert_eq!(flips.len(), 1);
        assert_eq!(
            (flips[0].from, flips[0].to, flips[0].at),
            (Status::Up, Status::Down, HOUR)
        );
        assert_eq!(
            flips[0].reason.to_string(),
            "12 pings from 00:00 to 01:00 UTC, expected at least 100"
        );
        assert!(s.band_out);
    }

    #[test]
    fn pings_do_not_end_a_band_failure_but_a_window_back_inside_does() {
        let rules = rules(0, 1);
        let mut s = State::new_monitor();
        window(&mut s, 0, 5_000, &rules);
        assert_eq!(s.status, Status::Down, "a band broken from above");
        assert!(s
            .on_pings(&[(HOUR + 1, PingKind::Tick), (HOUR + 2, PingKind::Success)], &rules)
            .is_empty());
        assert_eq!(s.status, Status::Down);
        assert_eq!(s.next_due_at, Some(HOUR + 2 + 60_000), "the pings still checked in");
        let flips = window(&mut s, 1, 500, &rules);
        assert_eq!(flips.len(), 1);
        assert_eq!((flips[0].to, flips[0].at), (Status::Up, 2 * HOUR));
        assert_eq!(
            flips[0].reason.to_string(),
            "500 pings from 01:00 to 02:00 UTC, within the expected band"
        );
        assert!(!s.band_out);
        // (A ping received before the window was judged, flushed late.)
        assert!(s.on_pings(&[(HOUR + 30_000, PingKind::Tick)], &rules).is_empty());
        assert_eq!((s.status, s.failures), (Status::Up, 0), "pings count as usual again");
    }

    #[test]
    fn a_window_inside_the_band_does_not_end_another_failure() {
        let rules = rules(0, 1);
        let mut s = State::new_monitor();
        s.on_pings(&[(0, PingKind::Tick), (1, PingKind::Fail)], &rules);
        assert_eq!(s.status, Status::Down);
        assert!(window(&mut s, 0, 500, &rules).is_empty());
        assert_eq!(
            s.status,
            Status::Down,
            "a fail ping is ended by a success, not by the volume"
        );
    }

    #[test]
    fn band_failures_count_toward_the_tolerance() {
        let rules = rules(1, 1);
        let mut s = State::new_monitor();
        assert!(window(&mut s, 0, 1, &rules).is_empty());
        assert_eq!((s.status, s.failures), (Status::Failing, 1));
        assert!(s.on_pings(&[(HOUR + 5, PingKind::Tick)], &rules).is_empty());
        assert_eq!(
            (s.status, s.failures),
            (Status::Failing, 1),
            "a ping does not reset the count"
        );
        let flips = window(&mut s, 1, 2, &rules);
        assert_eq!((flips.len(), s.status), (1, Status::Down));
    }

    #[test]
    fn recovery_threshold_counts_windows_back_inside() {
        let rules = rules(0, 2);
        let mut s = State::new_monitor();
        window(&mut s, 0, 0, &rules);
        assert!(window(&mut s, 1, 200, &rules).is_empty());
        assert_eq!((s.status, s.successes), (Status::Down, 1));
        assert!(!s.band_out, "the band is whole again; pings count as successes");
        let flips = s.on_pings(&[(2 * HOUR + 1, PingKind::Tick)], &rules);
        assert_eq!((flips.len(), s.status), (1, Status::Up));
    }

    #[test]
    fn a_window_is_judged_once() {
        let rules = rules(1, 1);
        let mut s = State::new_monitor();
        window(&mut s, 3, 0, &rules);
        let once = s.clone();
        assert!(window(&mut s, 3, 0, &rules).is_empty());
        assert!(window(&mut s, 2, 0, &rules).is_empty(), "an older window neither");
        assert_eq!(s, once);
        assert_eq!(s.band_judged_until, Some(4 * HOUR));
    }

    #[test]
    fn a_start_while_the_band_is_broken_ends_as_failing_not_up() {
        let rules = rules(2, 1);
        let mut s = State::new_monitor();
        window(&mut s, 0, 0, &rules);
        s.on_pings(&[(HOUR + 1, PingKind::Start)], &rules);
        assert_eq!(s.status, Status::Started);
        s.on_pings(&[(HOUR + 2, PingKind::Success)], &rules);
        assert_eq!((s.status, s.failures), (Status::Failing, 1));
    }
}

#[cfg(test)]
mod check_ins {
    use super::*;

    #[test]
    fn a_check_in_ends_an_open_run_as_up_or_as_failing_by_the_count() {
        let open = State {
            status: Status::Started,
            started_at: Some(1_000),
            ..State::new_monitor()
        };
        let mut clean = open.clone();
        clean.checked_in();
        assert_eq!(clean.status, Status::Up, "no failure in a row: up");
        let mut counted = State { failures: 1, ..open };
        counted.checked_in();
        assert_eq!(counted.status, Status::Failing, "one failure in a row: still failing");
        let mut idle = State {
            status: Status::Grace,
            ..State::new_monitor()
        };
        idle.checked_in();
        assert_eq!(idle.status, Status::Grace, "no run open: nothing changes");
    }
}
