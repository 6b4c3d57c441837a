//! Deadline shards: where a calm ping's new deadline goes instead of D1.
//!
//! A check-in of an up monitor only moves its deadline. Writing that to D1 per ping is most of
//! a quiet ping's cost, so a token's object tells the new deadline to one of a few shard
//! objects (`shard_of`), which keep every deadline they are told in memory (a `Watchlist`) and
//! write all of them as one snapshot every half minute. D1's deadline is then pushed past the
//! object's next flush (`pushed_check_at`), so the sweep's range read skips monitors that keep
//! pinging, and the sweep asks each shard once a minute which deadlines passed.
//!
//! Never late: a shard's deadline is one the monitor really had (deadlines only move later with
//! check-ins), and D1's is pushed only while a snapshot holds one for the monitor that is no
//! later than D1's own. Anything else (an edit, a fail, a flip) writes D1's real deadline again.

use std::collections::HashMap;

use crate::core::stable_sort;
use serde::{Deserialize, Serialize};

/// A monitor's deadline as a shard knows it: the newest check-in told (`at`) and the deadline
/// that check-in left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watch {
    pub at: i64,
    pub deadline: i64,
}

/// A deadline the sweep found passed, as the shard reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overdue {
    pub monitor_id: String,
    pub deadline: i64,
}

/// What the sweep settled for an overdue monitor: the deadline it now has (`None`: none the
/// shard need keep: down, paused, deleted), applied only over the deadline it was reported with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settled {
    pub monitor_id: String,
    pub reported: i64,
    pub deadline: Option<i64>,
}

/// A shard's answer to the sweep: the deadlines passed, and every token held (few: only
/// failing flushes make them).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OverdueAnswer {
    pub due: Vec<Overdue>,
    /// The tokens whose objects the shard had flush before it answered, one per monitor of
    /// `due` whose token it knew (the one that told the deadline: after a rotation, maybe no
    /// longer the monitor's) and whose flush worked.
    #[serde(default)]
    pub flushed: Vec<String>,
    /// The tokens whose objects hold pings a flush failed to move.
    pub held: Vec<String>,
}

/// A shard's answer to `Overdue` as this build or the one before wrote it (a deployment's
/// objects may still run the earlier build for a moment): that one sent the deadlines alone.
/// Told apart by the JSON's shape (an object, or an array), not by serde's buffering of
/// untagged enums.
#[derive(Debug)]
pub enum OverdueReply {
    Answer(OverdueAnswer),
    Before(Vec<Overdue>),
}

impl<'de> Deserialize<'de> for OverdueReply {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Shape;
        impl<'de> serde::de::Visitor<'de> for Shape {
            type Value = OverdueReply;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an overdue answer (an object) or the deadlines alone (an array)")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<OverdueReply, A::Error> {
                OverdueAnswer::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(OverdueReply::Answer)
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<OverdueReply, A::Error> {
                Vec::<Overdue>::deserialize(serde::de::value::SeqAccessDeserializer::new(seq)).map(OverdueReply::Before)
            }
        }
        deserializer.deserialize_any(Shape)
    }
}

impl OverdueReply {
    pub fn into_answer(self) -> OverdueAnswer {
        match self {
            OverdueReply::Answer(answer) => answer,
            OverdueReply::Before(due) => OverdueAnswer {
                due,
                ..OverdueAnswer::default()
            },
        }
    }
}

/// A shard's deadlines: those told (memory) and those its last snapshot holds (durable).
#[derive(Debug, Default)]
pub struct Watchlist {
    live: HashMap<String, Watch>,
    durable: HashMap<String, i64>,
    dirty: bool,
}

impl Watchlist {
    /// The list a restarted shard starts from: its snapshot, told and durable alike.
    pub fn restore(snapshot: impl IntoIterator<Item = (String, Watch)>) -> Self {
        let live: HashMap<String, Watch> = snapshot.into_iter().collect();
        let durable = live.iter().map(|(id, w)| (id.clone(), w.deadline)).collect();
        Self {
            live,
            durable,
            dirty: false,
        }
    }

    /// Takes a check-in's deadline (an older check-in told late changes nothing) and answers
    /// the deadline the last snapshot holds for the monitor, if any.
    pub fn tell(&mut self, monitor_id: &str, watch: Watch) -> Option<i64> {
        let newer = self.live.get(monitor_id).is_none_or(|known| watch.at >= known.at);
        if newer && self.live.get(monitor_id) != Some(&watch) {
            self.live.insert(monitor_id.to_string(), watch);
            self.dirty = true;
        }
        self.durable(monitor_id)
    }

    /// Whether the shard watches the monitor (it was told a deadline not settled away).
    pub fn watches(&self, monitor_id: &str) -> bool {
        self.live.contains_key(monitor_id)
    }

    /// The deadline the last snapshot holds for the monitor, if any.
    pub fn durable(&self, monitor_id: &str) -> Option<i64> {
        self.durable.get(monitor_id).copied()
    }

    /// The monitors whose deadline is at or before `at`, earliest first, at most `limit`.
    pub fn overdue(&self, at: i64, limit: usize) -> Vec<Overdue> {
        let mut due: Vec<Overdue> = self
            .live
            .iter()
            .filter(|(_, w)| w.deadline <= at)
            .map(|(id, w)| Overdue {
                monitor_id: id.clone(),
                deadline: w.deadline,
            })
            .collect();
        stable_sort::sort_by(&mut due, |a, b| {
            (a.deadline, &a.monitor_id).cmp(&(b.deadline, &b.monitor_id))
        });
        due.truncate(limit);
        due
    }

    /// Applies what the sweep settled, each only where no check-in came since the report.
    pub fn settle(&mut self, settled: &[Settled]) {
        for s in settled {
            let Some(known) = self.live.get(&s.monitor_id).copied() else {
                continue;
            };
            if known.deadline != s.reported {
                continue;
            }
            match s.deadline {
                Some(deadline) => {
                    self.live.insert(s.monitor_id.clone(), Watch { deadline, ..known });
                }
                None => {
                    self.live.remove(&s.monitor_id);
                }
            }
            self.dirty = true;
        }
    }

    /// Whether something changed since the last snapshot.
    pub fn dirty(&self) -> bool {
        self.dirty
    }

    /// Everything to write as the next snapshot.
    pub fn snapshot(&self) -> Vec<(String, Watch)> {
        let mut all: Vec<(String, Watch)> = self.live.iter().map(|(id, w)| (id.clone(), *w)).collect();
        stable_sort::sort_by(&mut all, |a, b| a.0.cmp(&b.0));
        all
    }

    /// The snapshot `written` is durable: it is what a tell answers from now on. Changes told
    /// while it was being written stay dirty.
    pub fn persisted(&mut self, written: &[(String, Watch)]) {
        self.durable = written.iter().map(|(id, w)| (id.clone(), w.deadline)).collect();
        self.dirty = written.len() != self.live.len() || written.iter().any(|(id, w)| self.live.get(id) != Some(w));
    }

    pub fn len(&self) -> usize {
        self.live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }
}

/// The shard (of `shards`) that watches a monitor: FNV-1a of its id, so every caller agrees
/// without a lookup.
pub fn shard_of(monitor_id: &str, shards: u32) -> u32 {
    let hash = monitor_id
        .bytes()
        .fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    hash % shards.max(1)
}

/// A busy token tells its shard at most this often (var DEADLINE_TELL_STEP_MS): the deadline it
/// told is then at most this much early, which only matters once the token stops.
pub const TELL_STEP_MS: i64 = 10_000;

/// Whether a check-in's `deadline` is worth telling, given the last one told: a first one, one
/// that moved at least `step_ms`, or one that moved back (the rules changed).
pub fn worth_telling(told: Option<i64>, deadline: i64, step_ms: i64) -> bool {
    told.is_none_or(|told| deadline >= told + step_ms || deadline < told)
}

/// The deadline a flush writes to D1: its real one (`real`), or, for an up monitor whose shard
/// holds a durable deadline no later than that (`watched`), one `cover_ms` later, past the
/// object's next flush, so the sweep's range read skips it while the shard watches.
pub fn pushed_check_at(real: Option<i64>, watched: Option<i64>, up: bool, cover_ms: i64) -> Option<i64> {
    match (real, watched) {
        (Some(real), Some(watched)) if up && watched <= real => Some(real.saturating_add(cover_ms)),
        _ => real,
    }
}

/// Whether a token's check-ins may keep waiting for the calm flush (`calm_ms` away at most)
/// after a flush left D1's deadline at `check_at`: only while that deadline lies past it (the
/// flush pushed it out), since once it passes the sweep judges it from D1, asking the object
/// only while the failure is young.
pub fn calm_may_wait(check_at: Option<i64>, now: i64, calm_ms: i64) -> bool {
    check_at.is_none_or(|at| at >= now.saturating_add(calm_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overdue_reply_is_an_answer_or_the_deadlines_alone() {
        let answer: OverdueReply =
            serde_json::from_str(r#"{"due":[{"monitor_id":"m","deadline":5}],"held":["t"]}"#).unwrap();
        let answer = answer.into_answer();
        assert_eq!(answer.due.len(), 1);
        assert_eq!(answer.held, vec!["t".to_string()]);
        assert!(answer.flushed.is_empty());
        let before: OverdueReply = serde_json::from_str(r#"[{"monitor_id":"m","deadline":5}]"#).unwrap();
        let before = before.into_answer();
        assert_eq!(before.due[0].deadline, 5);
        assert!(before.held.is_empty());
        assert!(serde_json::from_str::<OverdueReply>("5").is_err());
    }

    #[test]
    fn check_ins_wait_for_the_calm_flush_only_while_d1_deadline_lies_past_it() {
        let (now, calm) = (1_000_000, 2_400_000);
        let real = now + 120_000;
        let pushed = pushed_check_at(Some(real), Some(real - 5_000), true, calm + 60_000);
        assert!(calm_may_wait(pushed, now, calm), "pushed past the calm alarm");
        let not_pushed = pushed_check_at(Some(real), Some(real + 5_000), true, calm + 60_000);
        assert!(
            !calm_may_wait(not_pushed, now, calm),
            "the shard's deadline was later: D1 kept the real one"
        );
        assert!(calm_may_wait(None, now, calm), "no deadline to judge");
    }

    const fn w(at: i64, deadline: i64) -> Watch {
        Watch { at, deadline }
    }

    #[test]
    fn a_tell_answers_the_snapshot_deadline_not_the_told_one() {
        let mut list = Watchlist::default();
        assert_eq!(list.tell("m", w(1, 100)), None, "nothing durable yet");
        assert!(list.dirty());
        let snap = list.snapshot();
        list.persisted(&snap);
        assert!(!list.dirty());
        assert_eq!(list.tell("m", w(2, 200)), Some(100), "the snapshot still holds 100");
        assert_eq!(list.durable("m"), Some(100));
        assert_eq!(list.durable("other"), None);
        assert!(list.dirty());
    }

    #[test]
    fn an_older_check_in_told_late_changes_nothing() {
        let mut list = Watchlist::default();
        list.tell("m", w(5, 500));
        let snap = list.snapshot();
        list.persisted(&snap);
        list.tell("m", w(4, 400));
        assert!(!list.dirty());
        assert_eq!(list.overdue(450, 10), vec![]);
        list.tell("m", w(5, 500));
        assert!(!list.dirty(), "the same check-in again is no change");
    }

    #[test]
    fn overdue_lists_passed_deadlines_earliest_first_up_to_the_limit() {
        let mut list = Watchlist::default();
        list.tell("c", w(1, 30));
        list.tell("a", w(1, 10));
        list.tell("b", w(1, 20));
        list.tell("d", w(1, 41));
        let ids = |v: Vec<Overdue>| v.into_iter().map(|o| o.monitor_id).collect::<Vec<_>>();
        assert_eq!(ids(list.overdue(40, 10)), vec!["a", "b", "c"]);
        assert_eq!(ids(list.overdue(40, 2)), vec!["a", "b"]);
        assert_eq!(
            ids(list.overdue(41, 10)).len(),
            4,
            "a deadline at the sweep's time is passed"
        );
        assert_eq!(list.overdue(9, 10), vec![]);
    }

    #[test]
    fn settling_applies_only_over_the_reported_deadline() {
        let mut list = Watchlist::default();
        list.tell("gone", w(1, 10));
        list.tell("alive", w(1, 10));
        list.tell("pinged", w(1, 10));
        let snap = list.snapshot();
        list.persisted(&snap);
        list.tell("pinged", w(2, 90)); // a check-in came after the report
        list.settle(&[
            Settled {
                monitor_id: "gone".into(),
                reported: 10,
                deadline: None,
            },
            Settled {
                monitor_id: "alive".into(),
                reported: 10,
                deadline: Some(70),
            },
            Settled {
                monitor_id: "pinged".into(),
                reported: 10,
                deadline: None,
            },
            Settled {
                monitor_id: "never told".into(),
                reported: 10,
                deadline: Some(5),
            },
        ]);
        assert_eq!(list.len(), 2);
        assert_eq!(list.overdue(69, 10), vec![]);
        assert_eq!(list.overdue(90, 10).len(), 2);
        assert!(list.dirty());
    }

    #[test]
    fn changes_told_while_a_snapshot_was_written_stay_dirty() {
        let mut list = Watchlist::default();
        list.tell("a", w(1, 10));
        let snap = list.snapshot();
        list.tell("b", w(1, 20));
        list.persisted(&snap);
        assert!(list.dirty());
        assert_eq!(list.tell("a", w(1, 10)), Some(10));
        assert_eq!(list.tell("b", w(1, 20)), None);
        let again = list.snapshot();
        list.persisted(&again);
        assert!(!list.dirty());
        list.tell("a", w(2, 30));
        let snap = list.snapshot();
        list.settle(&[Settled {
            monitor_id: "b".into(),
            reported: 20,
            deadline: None,
        }]);
        list.persisted(&snap);
        assert!(list.dirty(), "b left after the snapshot was taken");
    }

    #[test]
    fn a_restored_list_is_durable_and_clean() {
        let mut list = Watchlist::restore(vec![("m".to_string(), w(3, 300))]);
        assert!(!list.dirty());
        assert!(!list.is_empty());
        assert_eq!(list.tell("m", w(4, 400)), Some(300));
        assert_eq!(list.overdue(300, 10), vec![]);
    }

    #[test]
    fn shards_spread_and_agree() {
        assert_eq!(shard_of("abc", 16), shard_of("abc", 16));
        assert_eq!(shard_of("abc", 1), 0);
        assert_eq!(shard_of("abc", 0), 0, "no shards counts as one");
        let mut seen = [0u32; 8];
        for i in 0..800 {
            seen[shard_of(&format!("monitor-{i}"), 8) as usize] += 1;
        }
        assert!(seen.iter().all(|n| (50..150).contains(n)), "{seen:?}");
    }

    #[test]
    fn a_busy_token_tells_once_per_step() {
        const S: i64 = TELL_STEP_MS;
        assert!(worth_telling(None, 100, S));
        assert!(!worth_telling(Some(100), 100 + S - 1, S));
        assert!(worth_telling(Some(100), 100 + S, S));
        assert!(worth_telling(Some(100), 99, S), "a deadline moved back is told at once");
        assert!(worth_telling(Some(100), 350, 250), "a step set shorter");
    }

    #[test]
    fn d1s_deadline_is_pushed_only_under_a_durable_earlier_one() {
        assert_eq!(pushed_check_at(Some(1_000), Some(900), true, 500), Some(1_500));
        assert_eq!(pushed_check_at(Some(1_000), Some(1_000), true, 500), Some(1_500));
        assert_eq!(
            pushed_check_at(Some(1_000), Some(1_001), true, 500),
            Some(1_000),
            "the shard's is later"
        );
        assert_eq!(
            pushed_check_at(Some(1_000), None, true, 500),
            Some(1_000),
            "nothing durable"
        );
        assert_eq!(
            pushed_check_at(Some(1_000), Some(900), false, 500),
            Some(1_000),
            "not up"
        );
        assert_eq!(pushed_check_at(None, Some(900), true, 500), None);
    }

    #[test]
    fn an_overdue_answer_of_this_build_or_the_one_before_is_read() {
        let now: OverdueReply =
            serde_json::from_str(r#"{"due":[{"monitor_id":"m","deadline":5}],"flushed":["hb_m"],"held":["hb_x"]}"#)
                .unwrap();
        let now = now.into_answer();
        assert_eq!(
            (now.due.len(), now.flushed, now.held),
            (1, vec!["hb_m".to_string()], vec!["hb_x".to_string()])
        );
        let before: OverdueReply = serde_json::from_str(r#"[{"monitor_id":"m","deadline":5}]"#).unwrap();
        let before = before.into_answer();
        assert_eq!(before.due[0].deadline, 5);
        assert!(before.flushed.is_empty() && before.held.is_empty());
    }
}
