//! What a ping token's object decides and remembers: the exact rate window, the sequence of
//! accepted pings, and the open runs (for durations). The object writes one row per accepted
//! ping and a checkpoint of this ledger once per flush; after a restart it rebuilds the
//! ledger from the checkpoint plus the pings written since (`replay`), so no per-ping write
//! of the window is needed.
//!
//! It also says how long accepted pings wait before they are flushed to D1 (`flush_delay`).

use serde::{Deserialize, Serialize};

use crate::core::heartbeat::ping::PingKind;
use crate::core::heartbeat::rate_window::{Decision, RateWindow};
use crate::core::heartbeat::run::OpenRuns;
use crate::core::heartbeat::status::Status;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    pub window: RateWindow,
    pub runs: OpenRuns,
    /// The sequence number the next accepted ping gets; a checkpoint covers every ping below it.
    pub next_seq: u64,
}

/// An accepted ping's place in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admitted {
    pub seq: u64,
    /// When it counts as received: distinct and increasing per token.
    pub at: i64,
    /// Time since the matching start, for a run's end.
    pub duration_ms: Option<i64>,
}

impl Default for Ledger {
    fn default() -> Self {
        Self {
            window: RateWindow::for_pings(),
            runs: OpenRuns::default(),
            next_seq: 0,
        }
    }
}

impl Ledger {
    /// Admits a ping arriving at `now` unless the window is full (then: when to retry).
    /// `not_before`: the monitor's newest stored ping, which a ping must come after (also on
    /// a token just rotated in).
    pub fn admit(&mut self, now: i64, not_before: i64, kind: PingKind, run_id: Option<&str>) -> Result<Admitted, i64> {
        let at = self.window.next_instant(now).max(not_before.saturating_add(1));
        if let Decision::Limited { retry_at } = self.window.try_accept(at) {
            return Err(retry_at);
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let duration_ms = self.track_run(kind, run_id, at);
        Ok(Admitted { seq, at, duration_ms })
    }

    /// Re-applies a ping written after the checkpoint this ledger was loaded from. Pings the
    /// checkpoint already covers (`seq` below `next_seq`) change nothing.
    pub fn replay(&mut self, seq: u64, at: i64, kind: PingKind, run_id: Option<&str>) {
        if seq < self.next_seq {
            return;
        }
        // It was accepted under the same rule, so the window takes it again.
        let _ = self.window.try_accept(at);
        self.track_run(kind, run_id, at);
        self.next_seq = seq + 1;
    }

    fn track_run(&mut self, kind: PingKind, run_id: Option<&str>, at: i64) -> Option<i64> {
        match kind {
            PingKind::Start => {
                self.runs.start(run_id, at);
                None
            }
            kind if kind.ends_run() => self.runs.finish(run_id, at),
            _ => None,
        }
    }
}

/// A token whose last flush ended less than this long ago counts as busy.
pub const BUSY_WITHIN_MS: i64 = 15_000;

/// How long the first ping after a flush waits before the next flush: `quick_ms` for a token
/// that was quiet (a cron job's ping reaches D1 within about a second), `busy_ms` for one that
/// flushed recently, so a busy token's pings reach D1 as one batch of a few seconds.
pub fn flush_delay(last_flush_at: Option<i64>, now: i64, quick_ms: i64, busy_ms: i64) -> i64 {
    match last_flush_at {
        Some(at) if now - at < BUSY_WITHIN_MS => busy_ms.max(quick_ms),
        _ => quick_ms,
    }
}

/// Whether a ping may change its monitor's status, or open a run whose end the sweep must time:
/// a fail or start, or any ping while the monitor is not up (new, failing, down, or not known).
/// Its flush is never put off; other pings wait for the alarm already set.
pub fn is_urgent(kind: PingKind, monitor: Option<Status>) -> bool {
    matches!(kind, PingKind::Fail | PingKind::Start) || monitor != Some(Status::Up)
}

/// The alarm a flush's alarm leaves standing fires this many busy delays later: a busy token's
/// check-ins wait for it, so its flush windows are this long.
pub const STANDING_BUSY_WINDOWS: i64 = 2;

/// How far off the alarm a flush's alarm leaves standing is set.
pub fn standing_ms(quick_ms: i64, busy_ms: i64) -> i64 {
    STANDING_BUSY_WINDOWS * busy_ms.max(quick_ms)
}

/// Up to this share (per thousand) of a busy delay earlier than the standing window, drawn for
/// each flush: see `spread_standing_ms`.
pub const STANDING_SPREAD_PER_MILLE: i64 = 500;

/// The standing alarm of one flush: the standing window less a random part (`draw`, any u16,
/// taken per thousand) of half a busy delay. Tokens whose flushes fell together (their cycles
/// started by one burst of pings: a page's visitors, a fleet of jobs, objects restarted by a
/// deploy) drift apart instead of flushing together every window, which on one thread makes a
/// burst of flush work that every request behind it waits for. Never longer than the standing
/// window, so `settled_within_ms` holds; the window's flushes come at most a quarter sooner.
pub fn spread_standing_ms(quick_ms: i64, busy_ms: i64, draw: u16) -> i64 {
    let per_mille = i64::from(draw) % 1_000;
    standing_ms(quick_ms, busy_ms) - busy_ms.max(quick_ms) * STANDING_SPREAD_PER_MILLE * per_mille / 1_000_000
}

/// How long after it is acknowledged a ping of a token that is not calm is in D1 at the latest,
/// while its flushes work: its alarm fires within the standing window, and a flush cut off (a
/// reset of the Wasm application) runs again at the alarm it left standing, one window later;
/// plus a busy delay for the flush itself. A ping older than this and not in D1 is one whose
/// flush failed, and the object says so to its shard (`Hold`). The sweep asks a token's object
/// only while a failure it would count is younger than this, or while the token is held.
pub fn settled_within_ms(quick_ms: i64, busy_ms: i64) -> i64 {
    2 * standing_ms(quick_ms, busy_ms) + busy_ms.max(quick_ms)
}

/// Whether a ping received by `deadline` may still be on its way to D1 at `at`, so the sweep
/// asks the token's object before it counts a failure after that deadline: while the deadline
/// is younger than `settled_within` ms, or while the token's shard says a flush of its object
/// failed (`held`), however old the deadline.
pub fn may_be_on_its_way(deadline: i64, at: i64, settled_within: i64, held: bool) -> bool {
    held || at.saturating_sub(deadline) < settled_within
}

/// In how long (ms) a ping just held needs the flush alarm set, given when the one set fires
/// (`armed_at`; a flush's alarm leaves the next one standing): none set, the usual delay (the
/// quick one for an urgent ping); an urgent ping also moves a later one up to the quick delay,
/// and any ping one further off than the standing window (a calm token's, left from before it
/// stopped being calm) to the usual delay; otherwise the alarm set will flush it (`None`).
/// Calm check-ins do not come here: they wait for the calm alarm.
pub fn arm_for_ping(
    armed_at: Option<i64>,
    urgent: bool,
    now: i64,
    last_flush_at: Option<i64>,
    quick_ms: i64,
    busy_ms: i64,
) -> Option<i64> {
    match armed_at {
        None if urgent => Some(quick_ms),
        None => Some(flush_delay(last_flush_at, now, quick_ms, busy_ms)),
        Some(at) if urgent && at > now + quick_ms => Some(quick_ms),
        Some(at) if at > now + standing_ms(quick_ms, busy_ms) => {
            Some(flush_delay(last_flush_at, now, quick_ms, busy_ms))
        }
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::heartbeat::rate_window::{PING_LIMIT, PING_WINDOW_MS};

    #[test]
    fn admits_with_increasing_times_and_sequence() {
        let mut l = Ledger::default();
        let a = l.admit(1_000, i64::MIN, PingKind::Tick, None).unwrap();
        let b = l.admit(1_000, i64::MIN, PingKind::Tick, None).unwrap();
        assert_eq!((a.seq, a.at), (0, 1_000));
        assert_eq!((b.seq, b.at), (1, 1_001));
        assert_eq!(l.next_seq, 2);
    }

    #[test]
    fn a_ping_comes_after_the_monitors_newest_stored_ping() {
        let mut l = Ledger::default();
        assert_eq!(l.admit(1_000, 5_000, PingKind::Tick, None).unwrap().at, 5_001);
    }

    #[test]
    fn refuses_past_the_limit_and_says_when_to_retry() {
        let mut l = Ledger::default();
        for _ in 0..PING_LIMIT {
            l.admit(10_000, i64::MIN, PingKind::Tick, None).unwrap();
        }
        assert_eq!(
            l.admit(10_000, i64::MIN, PingKind::Tick, None),
            Err(10_000 + PING_WINDOW_MS)
        );
        assert_eq!(l.next_seq, PING_LIMIT as u64, "a refused ping takes no sequence number");
    }

    #[test]
    fn a_runs_end_gets_its_duration() {
        let mut l = Ledger::default();
        l.admit(1_000, i64::MIN, PingKind::Start, Some("r")).unwrap();
        let end = l.admit(4_000, i64::MIN, PingKind::Success, Some("r")).unwrap();
        assert_eq!(end.duration_ms, Some(3_000));
        let tick = l.admit(5_000, i64::MIN, PingKind::Tick, None).unwrap();
        assert_eq!(tick.duration_ms, None);
    }

    #[test]
    fn only_a_success_or_fail_ends_a_run() {
        let mut l = Ledger::default();
        l.admit(1_000, i64::MIN, PingKind::Start, None).unwrap();
        let tick = l.admit(2_000, i64::MIN, PingKind::Tick, None).unwrap();
        let log = l.admit(2_500, i64::MIN, PingKind::Log, None).unwrap();
        assert_eq!((tick.duration_ms, log.duration_ms), (None, None));
        let fail = l.admit(6_000, i64::MIN, PingKind::Fail, None).unwrap();
        assert_eq!(
            fail.duration_ms,
            Some(5_000),
            "the run stayed open through the tick and the log"
        );
    }

    #[test]
    fn checkpoint_plus_replay_rebuilds_the_ledger() {
        let pings = [
            (PingKind::Start, Some("a"), 1_000),
            (PingKind::Tick, None, 1_500),
            (PingKind::Fail, Some("a"), 2_000),
            (PingKind::Start, None, 2_500),
            (PingKind::Success, None, 3_000),
        ];
        let mut live = Ledger::default();
        let mut checkpoint = None;
        let mut written = Vec::new();
        for (i, (kind, rid, now)) in pings.iter().enumerate() {
            let a = live.admit(*now, i64::MIN, *kind, *rid).unwrap();
            written.push((a.seq, a.at, *kind, *rid));
            if i == 1 {
                checkpoint = Some(live.clone());
            }
        }
        // Every written ping is still there (the flush did not delete them yet), also the two
        // the checkpoint covers: those must not count twice.
        let mut rebuilt = checkpoint.unwrap();
        for (seq, at, kind, rid) in &written {
            rebuilt.replay(*seq, *at, *kind, *rid);
        }
        assert_eq!(rebuilt, live);
    }

    #[test]
    fn replay_from_nothing_restores_a_full_window() {
        let mut live = Ledger::default();
        let mut written = Vec::new();
        for _ in 0..PING_LIMIT {
            let a = live.admit(10_000, i64::MIN, PingKind::Tick, None).unwrap();
            written.push(a);
        }
        let mut rebuilt = Ledger::default();
        for a in &written {
            rebuilt.replay(a.seq, a.at, PingKind::Tick, None);
        }
        assert!(rebuilt.admit(10_100, i64::MIN, PingKind::Tick, None).is_err());
        assert_eq!(rebuilt.next_seq, PING_LIMIT as u64);
    }

    #[test]
    fn quiet_tokens_flush_quickly_busy_ones_batch() {
        assert_eq!(flush_delay(None, 100_000, 1_000, 5_000), 1_000);
        assert_eq!(
            flush_delay(Some(100_000 - BUSY_WITHIN_MS), 100_000, 1_000, 5_000),
            1_000
        );
        assert_eq!(
            flush_delay(Some(100_000 - BUSY_WITHIN_MS + 1), 100_000, 1_000, 5_000),
            5_000
        );
        // A longer quick delay (a spec holding pings) is never shortened by the busy one.
        assert_eq!(flush_delay(Some(99_000), 100_000, 60_000, 5_000), 60_000);
    }

    #[test]
    fn a_fail_or_start_is_urgent_whatever_the_status() {
        assert!(is_urgent(PingKind::Fail, Some(Status::Up)));
        assert!(is_urgent(PingKind::Start, Some(Status::Up)));
    }

    #[test]
    fn a_check_in_is_urgent_unless_the_monitor_is_up() {
        assert!(!is_urgent(PingKind::Success, Some(Status::Up)));
        assert!(!is_urgent(PingKind::Tick, Some(Status::Up)));
        assert!(!is_urgent(PingKind::Log, Some(Status::Up)));
        assert!(is_urgent(PingKind::Tick, Some(Status::New)));
        assert!(is_urgent(PingKind::Success, Some(Status::Down)));
        assert!(is_urgent(PingKind::Tick, None));
    }

    #[test]
    fn without_an_alarm_a_ping_arms_the_usual_delay() {
        assert_eq!(arm_for_ping(None, false, 100_000, None, 1_000, 5_000), Some(1_000));
        assert_eq!(
            arm_for_ping(None, false, 100_000, Some(99_000), 1_000, 5_000),
            Some(5_000)
        );
        assert_eq!(
            arm_for_ping(None, true, 100_000, Some(99_000), 1_000, 5_000),
            Some(1_000)
        );
    }

    #[test]
    fn a_standing_alarm_takes_a_calm_ping_without_arming() {
        assert_eq!(
            arm_for_ping(Some(109_000), false, 100_000, Some(99_000), 1_000, 5_000),
            None
        );
    }

    #[test]
    fn an_alarm_beyond_the_standing_window_is_moved_up_for_any_ping() {
        // A calm token's 40-minute alarm, when its pings are no longer calm.
        assert_eq!(
            arm_for_ping(Some(100_000 + 2_400_000), false, 100_000, Some(99_000), 1_000, 5_000),
            Some(5_000)
        );
        assert_eq!(
            arm_for_ping(Some(100_000 + 2_400_000), false, 100_000, None, 1_000, 5_000),
            Some(1_000)
        );
        // The standing window itself stays.
        assert_eq!(arm_for_ping(Some(110_000), false, 100_000, None, 1_000, 5_000), None);
        assert_eq!(
            arm_for_ping(Some(110_001), false, 100_000, None, 1_000, 5_000),
            Some(1_000)
        );
    }

    #[test]
    fn a_failure_is_asked_about_while_young_or_while_its_token_is_held() {
        let settled = settled_within_ms(1_000, 5_000);
        assert!(may_be_on_its_way(100_000, 100_000 + settled - 1, settled, false));
        assert!(!may_be_on_its_way(100_000, 100_000 + settled, settled, false));
        assert!(
            may_be_on_its_way(100_000, 100_000 + 3_600_000, settled, true),
            "a failed flush, however old"
        );
    }

    #[test]
    fn a_ping_is_settled_within_two_standing_windows_and_a_delay() {
        assert_eq!(standing_ms(1_000, 5_000), 10_000);
        assert_eq!(settled_within_ms(1_000, 5_000), 25_000);
        // A quick delay longer than the busy one sets both.
        assert_eq!(standing_ms(60_000, 5_000), 120_000);
        assert_eq!(settled_within_ms(60_000, 5_000), 300_000);
    }

    #[test]
    fn a_spread_standing_alarm_is_never_later_than_the_window_and_at_most_half_a_busy_delay_sooner() {
        let (quick, busy) = (1_000, 5_000);
        let spread: Vec<i64> = (0..=u16::MAX).map(|d| spread_standing_ms(quick, busy, d)).collect();
        assert!(spread
            .iter()
            .all(|&s| s <= standing_ms(quick, busy) && s > standing_ms(quick, busy) - busy / 2));
        assert_eq!(spread_standing_ms(quick, busy, 0), 10_000);
        assert_eq!(spread_standing_ms(quick, busy, 999), 10_000 - 2_497);
        assert_eq!(
            spread_standing_ms(quick, busy, 1_000),
            10_000,
            "draws wrap per thousand"
        );
        // Spread over the whole half delay, not bunched.
        let (low, high) = (spread.iter().min().unwrap(), spread.iter().max().unwrap());
        assert!(high - low > busy / 2 - 10);
        assert_eq!(
            spread_standing_ms(60_000, 5_000, 500),
            120_000 - 15_000,
            "the larger delay counts"
        );
    }

    #[test]
    fn an_urgent_ping_moves_a_later_alarm_up_but_never_one_sooner() {
        assert_eq!(
            arm_for_ping(Some(109_000), true, 100_000, None, 1_000, 5_000),
            Some(1_000)
        );
        assert_eq!(arm_for_ping(Some(101_000), true, 100_000, None, 1_000, 5_000), None);
        assert_eq!(arm_for_ping(Some(100_500), true, 100_000, None, 1_000, 5_000), None);
    }
}
