//! A monitor's ping history, wherever it is kept: its token's object holds the newest
//! `PING_LOG_LIMIT` pings in a ring, D1 holds what older builds stored there (and what event
//! names feed), and a rotated-away token's object keeps what it held. Each source answers the
//! same question (`LogQuery`) with the same shape (`LogAnswer`), and `merge` makes one
//! history of them. The object also rolls pings into hourly figures (`roll_upto`), so hours
//! whose pings left its ring still count exactly.

use serde::{Deserialize, Serialize};

use crate::core::heartbeat::ping::PingKind;
use crate::core::heartbeat::statistic::{PingHistory, PrunedHour};
use crate::core::stable_sort;

pub const HOUR_MS: i64 = 3_600_000;

/// What a reader asks of a history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogQuery {
    /// Pings received strictly after this time...
    pub after: i64,
    /// ...and up to this one, oldest first, at most `limit` of them (0: none).
    pub until: i64,
    pub limit: usize,
    /// Only check-ins (tick, success, fail), as the statistic reads them.
    #[serde(default)]
    pub check_ins_only: bool,
    /// The last check-in before this time (the statistic's anchor).
    #[serde(default)]
    pub anchor_before: Option<i64>,
    /// Hourly figures of pings no longer kept, for hours in `[from, until)`.
    #[serde(default)]
    pub pruned_hours: Option<(i64, i64)>,
    /// How many pings were received in `[from, until)`, kept or not.
    #[serde(default)]
    pub count: Option<(i64, i64)>,
    /// Only each ping's time and kind (the rest of the answer's pings left empty).
    #[serde(default)]
    pub kinds_only: bool,
}

/// The largest integer a JSON number keeps exactly on its way through JavaScript.
const JS_SAFE: i64 = (1 << 53) - 1;

impl LogQuery {
    /// The same query with every time inside what JavaScript's numbers hold exactly (a query
    /// crosses to a Durable Object as JSON); no ping's time is near those bounds.
    pub fn js_safe(&self) -> Self {
        let clamp = |t: i64| t.clamp(-JS_SAFE, JS_SAFE);
        let pair = |p: Option<(i64, i64)>| p.map(|(a, b)| (clamp(a), clamp(b)));
        Self {
            after: clamp(self.after),
            until: clamp(self.until),
            anchor_before: self.anchor_before.map(clamp),
            pruned_hours: pair(self.pruned_hours),
            count: pair(self.count),
            ..self.clone()
        }
    }

    /// What the statistic reads for `[start, end)`: the last check-in before it, the check-ins
    /// up to the end plus the grace, the figures of pruned hours, and where kept pings begin.
    pub fn statistic(start: i64, end: i64, grace_ms: i64) -> Self {
        Self {
            after: start - 1,
            until: end + grace_ms,
            limit: STATISTIC_PINGS,
            check_ins_only: true,
            anchor_before: Some(start),
            pruned_hours: Some((start, end)),
            count: None,
            kinds_only: true,
        }
    }
}

/// Check-ins a statistic reads at most.
pub const STATISTIC_PINGS: usize = 200_000;

/// A ping as a history shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedPing {
    pub received_at: i64,
    pub kind: PingKind,
    pub method: String,
    pub source: String,
    #[serde(default)]
    pub value: Option<f64>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub exit_status: Option<i64>,
    #[serde(default)]
    pub run_id: Option<String>,
    #[serde(default)]
    pub duration_ms: Option<i64>,
}

/// What pings of one hour said (the figures a pruned or rolled hour keeps).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourFigures {
    pub hour: i64,
    pub pings: i64,
    pub check_ins: i64,
    pub fails: i64,
}

impl LoggedPing {
    /// A ping known by its time and kind only.
    pub fn kind_at(received_at: i64, kind: PingKind) -> Self {
        Self {
            received_at,
            kind,
            method: String::new(),
            source: String::new(),
            value: None,
            message: None,
            exit_status: None,
            run_id: None,
            duration_ms: None,
        }
    }
}

impl HourFigures {
    pub fn of(hour: i64) -> Self {
        Self {
            hour,
            ..Self::default()
        }
    }

    pub fn add(&mut self, kind: PingKind) {
        self.pings += 1;
        self.check_ins += i64::from(kind.is_check_in());
        self.fails += i64::from(kind == PingKind::Fail);
    }

    /// These figures less `other`'s (the same hour), never below zero.
    pub fn less(self, other: &HourFigures) -> Self {
        Self {
            hour: self.hour,
            pings: (self.pings - other.pings).max(0),
            check_ins: (self.check_ins - other.check_ins).max(0),
            fails: (self.fails - other.fails).max(0),
        }
    }

    pub fn pruned_hour(&self) -> PrunedHour {
        PrunedHour {
            hour: self.hour,
            check_ins: u32::try_from(self.check_ins.max(0)).unwrap_or(u32::MAX),
            fails: u32::try_from(self.fails.max(0)).unwrap_or(u32::MAX),
        }
    }
}

/// The hour a time falls in.
pub fn hour_of(at: i64) -> i64 {
    at.div_euclid(HOUR_MS) * HOUR_MS
}

/// Figures per hour of `pings` (time, kind), in hour order.
pub fn figures_by_hour(pings: impl IntoIterator<Item = (i64, PingKind)>) -> Vec<HourFigures> {
    let mut hours: Vec<HourFigures> = Vec::new();
    for (at, kind) in pings {
        let hour = hour_of(at);
        match hours.iter_mut().find(|h| h.hour == hour) {
            Some(h) => h.add(kind),
            None => {
                let mut h = HourFigures::of(hour);
                h.add(kind);
                hours.push(h);
            }
        }
    }
    stable_sort::sort_by_key(&mut hours, |h| h.hour);
    hours
}

/// A statistic's history as a source's answer (D1's page-wide read of many monitors).
pub fn answer_of(history: PingHistory) -> LogAnswer {
    LogAnswer {
        pings: history
            .pings
            .into_iter()
            .map(|(at, kind)| LoggedPing::kind_at(at, kind))
            .collect(),
        anchor: history.anchor,
        oldest: history.oldest_ping_at,
        pruned: history
            .pruned
            .iter()
            .map(|h| HourFigures {
                hour: h.hour,
                pings: i64::from(h.check_ins),
                check_ins: i64::from(h.check_ins),
                fails: i64::from(h.fails),
            })
            .collect(),
        count: 0,
    }
}

/// What the statistic reads of a (merged) answer.
pub fn statistic_history(answer: LogAnswer) -> PingHistory {
    PingHistory {
        anchor: answer.anchor,
        pings: answer.pings.iter().map(|p| (p.received_at, p.kind)).collect(),
        oldest_ping_at: answer.oldest.filter(|_| !answer.pruned.is_empty()),
        pruned: answer.pruned.iter().map(HourFigures::pruned_hour).collect(),
    }
}

/// One source's answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogAnswer {
    pub pings: Vec<LoggedPing>,
    #[serde(default)]
    pub anchor: Option<i64>,
    /// When the oldest ping it keeps came.
    #[serde(default)]
    pub oldest: Option<i64>,
    #[serde(default)]
    pub pruned: Vec<HourFigures>,
    #[serde(default)]
    pub count: i64,
}

/// One history of several sources' answers to the same query: pings in time order (at most
/// `limit`), the latest anchor, pruned figures summed per hour, counts added. `oldest` is the
/// newest of the oldest kept pings of the sources that pruned anything (pings before it are
/// known by their hours only), or the oldest of all when none did.
pub fn merge(answers: Vec<LogAnswer>, limit: usize) -> LogAnswer {
    let pruning_oldest = answers
        .iter()
        .filter(|a| !a.pruned.is_empty())
        .filter_map(|a| a.oldest)
        .max();
    let oldest = pruning_oldest.or_else(|| answers.iter().filter_map(|a| a.oldest).min());
    let anchor = answers.iter().filter_map(|a| a.anchor).max();
    let count = answers.iter().map(|a| a.count).sum();
    let mut pruned: Vec<HourFigures> = Vec::new();
    let mut pings = Vec::new();
    for answer in answers {
        for h in answer.pruned {
            match pruned.iter_mut().find(|p| p.hour == h.hour) {
                Some(p) => {
                    p.pings += h.pings;
                    p.check_ins += h.check_ins;
                    p.fails += h.fails;
                }
                None => pruned.push(h),
            }
        }
        pings.extend(answer.pings);
    }
    stable_sort::sort_by_key(&mut pruned, |h| h.hour);
    stable_sort::sort_by_key(&mut pings, |p| p.received_at);
    pings.truncate(limit);
    LogAnswer {
        pings,
        anchor,
        oldest,
        pruned,
        count,
    }
}

/// Up to where (a sequence number) a token's object rolls its pings into hourly figures, given
/// the pings not rolled yet (sequence, time; oldest first) and its ring's slots: every ping of
/// an hour that ended (a later ping came in a later hour), or all of them once they fill half
/// the ring, so a ping leaves the ring only after its figures are kept. `None`: nothing to roll.
pub fn roll_upto(unrolled: &[(u64, i64)], slots: u64) -> Option<u64> {
    let (last_seq, last_at) = *unrolled.last()?;
    if unrolled.len() as u64 >= (slots / 2).max(1) {
        return Some(last_seq + 1);
    }
    let current = hour_of(last_at);
    unrolled
        .iter()
        .take_while(|(_, at)| hour_of(*at) < current)
        .last()
        .map(|(seq, _)| seq + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ping(at: i64) -> LoggedPing {
        LoggedPing {
            received_at: at,
            kind: PingKind::Tick,
            method: "GET".into(),
            source: "ping".into(),
            value: None,
            message: None,
            exit_status: None,
            run_id: None,
            duration_ms: None,
        }
    }

    fn hour(h: i64, pings: i64) -> HourFigures {
        HourFigures {
            hour: h * HOUR_MS,
            pings,
            check_ins: pings,
            fails: 0,
        }
    }

    #[test]
    fn merge_orders_pings_of_all_sources_by_time_and_keeps_the_limit() {
        let d1 = LogAnswer {
            pings: vec![ping(1), ping(4)],
            ..LogAnswer::default()
        };
        let object = LogAnswer {
            pings: vec![ping(2), ping(3), ping(5)],
            ..LogAnswer::default()
        };
        let merged = merge(vec![d1, object], 4);
        let times: Vec<i64> = merged.pings.iter().map(|p| p.received_at).collect();
        assert_eq!(times, vec![1, 2, 3, 4]);
    }

    #[test]
    fn merge_takes_the_latest_anchor_and_adds_counts() {
        let a = LogAnswer {
            anchor: Some(10),
            count: 3,
            ..LogAnswer::default()
        };
        let b = LogAnswer {
            anchor: Some(20),
            count: 4,
            ..LogAnswer::default()
        };
        let c = LogAnswer::default();
        let merged = merge(vec![a, b, c], 0);
        assert_eq!(merged.anchor, Some(20));
        assert_eq!(merged.count, 7);
    }

    #[test]
    fn merge_sums_pruned_figures_per_hour() {
        let a = LogAnswer {
            pruned: vec![hour(1, 2), hour(2, 1)],
            ..LogAnswer::default()
        };
        let b = LogAnswer {
            pruned: vec![hour(2, 5)],
            ..LogAnswer::default()
        };
        assert_eq!(merge(vec![a, b], 0).pruned, vec![hour(1, 2), hour(2, 6)]);
    }

    #[test]
    fn oldest_is_where_a_pruning_source_keeps_pings_from() {
        let pruning = LogAnswer {
            oldest: Some(500),
            pruned: vec![hour(0, 1)],
            ..LogAnswer::default()
        };
        let legacy = LogAnswer {
            oldest: Some(100),
            ..LogAnswer::default()
        };
        assert_eq!(merge(vec![pruning.clone(), legacy.clone()], 0).oldest, Some(500));
        let none_pruned = LogAnswer {
            pruned: vec![],
            ..pruning
        };
        assert_eq!(merge(vec![none_pruned, legacy], 0).oldest, Some(100));
    }

    #[test]
    fn figures_count_check_ins_and_fails_per_hour() {
        let figures = figures_by_hour([
            (HOUR_MS + 1, PingKind::Fail),
            (5, PingKind::Tick),
            (HOUR_MS + 2, PingKind::Start),
        ]);
        assert_eq!(
            figures,
            vec![
                HourFigures {
                    hour: 0,
                    pings: 1,
                    check_ins: 1,
                    fails: 0
                },
                HourFigures {
                    hour: HOUR_MS,
                    pings: 2,
                    check_ins: 1,
                    fails: 1
                },
            ]
        );
    }

    #[test]
    fn a_statistic_history_goes_through_an_answer_unchanged() {
        let history = PingHistory {
            anchor: Some(5),
            pings: vec![(10, PingKind::Tick), (20, PingKind::Fail)],
            pruned: vec![PrunedHour {
                hour: 0,
                check_ins: 3,
                fails: 1,
            }],
            oldest_ping_at: Some(10),
        };
        assert_eq!(statistic_history(answer_of(history.clone())), history);
    }

    #[test]
    fn a_statistic_needs_no_oldest_ping_when_nothing_was_pruned() {
        let answer = LogAnswer {
            oldest: Some(10),
            ..LogAnswer::default()
        };
        assert_eq!(statistic_history(answer).oldest_ping_at, None);
    }

    #[test]
    fn a_query_crosses_to_javascript_with_safe_times() {
        let q = LogQuery {
            after: i64::MIN,
            until: i64::MAX,
            count: Some((i64::MIN, 5)),
            ..LogQuery::default()
        }
        .js_safe();
        assert_eq!((q.after, q.until), (-JS_SAFE, JS_SAFE));
        assert_eq!(q.count, Some((-JS_SAFE, 5)));
    }

    #[test]
    fn less_never_goes_below_zero() {
        assert_eq!(hour(1, 2).less(&hour(1, 5)).pings, 0);
        assert_eq!(hour(1, 5).less(&hour(1, 2)).check_ins, 3);
    }

    #[test]
    fn rolls_the_hours_that_ended() {
        let unrolled = [(7, 10), (8, HOUR_MS - 1), (9, HOUR_MS + 5)];
        assert_eq!(roll_upto(&unrolled, 1_000), Some(9));
    }

    #[test]
    fn keeps_the_current_hour_unrolled_while_it_is_small() {
        let unrolled = [(7, HOUR_MS), (8, HOUR_MS + 1)];
        assert_eq!(roll_upto(&unrolled, 1_000), None);
        assert_eq!(roll_upto(&[], 1_000), None);
    }

    #[test]
    fn rolls_everything_once_half_the_ring_waits() {
        let unrolled: Vec<(u64, i64)> = (0..500).map(|i| (i, HOUR_MS + i as i64)).collect();
        assert_eq!(roll_upto(&unrolled, 1_000), Some(500));
        assert_eq!(roll_upto(&unrolled[..499], 1_000), None);
    }

    #[test]
    fn a_ring_of_one_slot_rolls_every_ping() {
        assert_eq!(roll_upto(&[(3, HOUR_MS)], 1), Some(4));
    }
}
