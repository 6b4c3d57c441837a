//! How accepted events travel to D1: the line each event is held as in its project's
//! object, how pending batches are grouped into one flush, and what a flush adds to the
//! maintained tables (rollups, names, monthly usage, error digests, monitor pings).
//!
//! Why: D1 runs one query at a time, so an event must not cost its own statement. A flush
//! carries thousands of events in a handful of statements, each reading a JSON array
//! (`json_each`); the aggregates are computed here once per flush, not per event.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::core::events::event::{Event, EventKind};
use crate::core::events::event_rate::month_of;
use crate::core::events::rollup::{rollup_rows_of, RollupRow};
use crate::core::heartbeat::ping::{PendingPing, PingInput, PingKind, PingSource};

/// Events per flush (one D1 batch), and the JSON they may take: D1 binds at most 2 MB per
/// value, and a pending batch (one request) is at most about 1 MB.
pub const FLUSH_MAX_EVENTS: u64 = 2_000;
pub const FLUSH_MAX_BYTES: u64 = 1_000_000;
/// At most one error digest per error name in this long.
pub const ERROR_DIGEST_WINDOW_MS: i64 = 600_000;
/// Raw events are kept this many days after they arrive (var EVENT_RETENTION_DAYS).
pub const DEFAULT_RETENTION_DAYS: i64 = 30;

/// Which API an event came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventSource {
    /// `POST /api/v1/events` (the events API).
    Events,
    /// `POST /v1/ingest/events` (the ingest API).
    Ingest,
    /// `POST /v1/ingest/beacon` (the ingest API's beacon).
    Beacon,
}

impl EventSource {
    /// Only the events API charges the sending key's token bucket.
    pub fn charges_key_bucket(self) -> bool {
        self == EventSource::Events
    }
}

/// An event as a pending line: a JSON array, in the order of `events`' columns, because a
/// flush's insert reads each value by position (cheaper for D1 than by key).
type PendingEvent<'a> = (
    &'a str,
    Option<&'a str>,
    EventKind,
    &'a str,
    Option<&'a str>,
    Option<f64>,
    i64,
    Option<i64>,
    i64,
    EventSource,
    &'a Map<String, Value>,
    &'a str,
    bool,
);

/// Who sent an event, as far as event-fed monitors care: the key, and whether its scope may
/// feed monitors at all (a browser key's may not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentBy<'a> {
    pub key_id: &'a str,
    pub feeds_monitors: bool,
}

/// The event as one line of compact JSON (never a raw newline: JSON escapes it in strings):
/// `[id, event_id, kind, name, message, value, ts, client_ts, received_at, source, document,
/// key_id, feeds_monitors]`, where `id` is its identity from acceptance on. The flush's
/// insert reads the first eleven by position; the last two only decide which monitors it feeds.
pub fn pending_line(event: &Event, id: &str, source: EventSource, sent_by: SentBy<'_>) -> String {
    let pending: PendingEvent<'_> = (
        id,
        event.id.as_deref(),
        event.kind,
        &event.name,
        event.message.as_deref(),
        event.value,
        event.ts_ms,
        event.client_ts_ms,
        event.received_at_ms,
        source,
        &event.document,
        sent_by.key_id,
        sent_by.feeds_monitors,
    );
    // Serializing a map of JSON values with string keys cannot fail.
    serde_json::to_string(&pending).unwrap_or_default()
}

/// Lines as one JSON array.
pub fn lines_to_array<'a>(lines: impl IntoIterator<Item = &'a str>) -> String {
    join_arrays(lines.into_iter().map(|l| (l, false)))
}

/// Several JSON arrays (`[a,b]`, `[c]`) as one (`[a,b,c]`), without parsing them.
pub fn join_batches<'a>(arrays: impl IntoIterator<Item = &'a str>) -> String {
    join_arrays(arrays.into_iter().map(|a| (a, true)))
}

fn join_arrays<'a>(parts: impl Iterator<Item = (&'a str, bool)>) -> String {
    let mut out = String::from("[");
    for (part, is_array) in parts {
        let inner = if is_array {
            part.trim()
                .strip_prefix('[')
                .and_then(|p| p.strip_suffix(']'))
                .unwrap_or("")
        } else {
            part
        };
        if inner.trim().is_empty() {
            continue;
        }
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(inner);
    }
    out.push(']');
    out
}

/// A pending batch as the flush sees it before reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingBatch {
    pub seq: i64,
    pub events: u64,
    pub bytes: u64,
}

/// The last `seq` of the next flush: batches in order while both caps hold, and always the
/// first one (a batch is never split, so its events reach D1 together).
pub fn flush_upto(batches: &[PendingBatch], max_events: u64, max_bytes: u64) -> Option<i64> {
    let (mut events, mut bytes, mut upto) = (0u64, 0u64, None);
    for b in batches {
        let (e, by) = (events.saturating_add(b.events), bytes.saturating_add(b.bytes));
        if upto.is_some() && (e > max_events || by > max_bytes) {
            break;
        }
        (events, bytes, upto) = (e, by, Some(b.seq));
    }
    upto
}

/// A pending line as a flush reads it (the document is stored as it is, never parsed here).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FlushedEvent {
    pub id: String,
    pub event_id: Option<String>,
    pub kind: EventKind,
    pub name: String,
    pub message: Option<String>,
    pub value: Option<f64>,
    pub ts: i64,
    pub client_ts: Option<i64>,
    pub received_at: i64,
    pub source: EventSource,
    pub document: serde::de::IgnoredAny,
    /// The sending key (absent from lines held before migration 0011's release).
    #[serde(default)]
    pub key_id: Option<String>,
    /// `Some(false)`: sent with a key whose events never feed monitors (a browser key).
    /// Absent from lines held before that release, which fed every monitor of their name.
    #[serde(default)]
    pub feeds_monitors: Option<bool>,
}

impl FlushedEvent {
    /// Whether this event counts as a ping of a monitor that takes events from `allowed_keys`
    /// (`None`: from any key that may feed monitors).
    pub fn feeds(&self, allowed_keys: Option<&[String]>) -> bool {
        if self.feeds_monitors == Some(false) {
            return false;
        }
        match allowed_keys {
            None => true,
            Some(keys) => self
                .key_id
                .as_deref()
                .is_some_and(|k| keys.iter().any(|allowed| allowed == k)),
        }
    }
}

/// A name's events in one flush, and the latest time one happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NameTally {
    pub name: String,
    pub count: u64,
    pub last_seen: i64,
}

/// Events that arrived in one UTC month (`2026-11`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthTally {
    pub month: String,
    pub events: u64,
}

/// One error name's events in a flush: how many, the latest message sent with one, and when
/// the latest happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorTally {
    pub name: String,
    pub count: u64,
    pub message: Option<String>,
    pub last_at: i64,
}

/// Every increment one flush applies, each applied once (the flush's id guards them).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FlushPlan {
    pub rollups: Vec<RollupRow>,
    pub names: Vec<NameTally>,
    pub usage: Vec<MonthTally>,
    pub errors: Vec<ErrorTally>,
}

pub fn month_label(ms: i64) -> String {
    let (year, month) = month_of(ms);
    format!("{year:04}-{month:02}")
}

/// The increments of a flush's events, each list in a stable order.
pub fn plan_flush(events: &[FlushedEvent]) -> FlushPlan {
    use std::collections::BTreeMap;
    let rollups = rollup_rows_of(events.iter().map(|e| (e.name.as_str(), e.kind, e.ts, e.value)));
    let mut names: BTreeMap<&str, NameTally> = BTreeMap::new();
    let mut usage: BTreeMap<String, u64> = BTreeMap::new();
    let mut errors: BTreeMap<&str, (ErrorTally, i64)> = BTreeMap::new();
    for e in events {
        let tally = names.entry(&e.name).or_insert_with(|| NameTally {
            name: e.name.clone(),
            count: 0,
            last_seen: e.ts,
        });
        tally.count += 1;
        tally.last_seen = tally.last_seen.max(e.ts);
        *usage.entry(month_label(e.received_at)).or_default() += 1;
        if e.kind == EventKind::Error {
            let (tally, message_at) = errors.entry(&e.name).or_insert_with(|| {
                (
                    ErrorTally {
                        name: e.name.clone(),
                        count: 0,
                        message: None,
                        last_at: e.ts,
                    },
                    i64::MIN,
                )
            });
            tally.count += 1;
            tally.last_at = tally.last_at.max(e.ts);
            // The latest message wins; of equal times, the one sent last.
            if let Some(message) = e.message.as_ref().filter(|m| !m.is_empty()) {
                if e.ts >= *message_at {
                    tally.message = Some(message.clone());
                    *message_at = e.ts;
                }
            }
        }
    }
    FlushPlan {
        rollups,
        names: names.into_values().collect(),
        usage: usage
            .into_iter()
            .map(|(month, events)| MonthTally { month, events })
            .collect(),
        errors: errors.into_values().map(|(tally, _)| tally).collect(),
    }
}

/// What an event says to a monitor fed by its name: an error is a fail, anything else a success.
pub fn signal_of(kind: EventKind) -> PingKind {
    match kind {
        EventKind::Error => PingKind::Fail,
        EventKind::Event => PingKind::Success,
    }
}

/// Which of a flush's events feed one monitor: its `event_name`, and the keys it takes them from.
#[derive(Debug, Clone, Copy)]
pub struct Feed<'a> {
    pub monitor_id: &'a str,
    pub event_name: &'a str,
    /// `event_key_ids`; `None`: any key that may feed monitors.
    pub allowed_keys: Option<&'a [String]>,
    /// The monitor's `last_ping_at`: its new pings are received strictly after it.
    pub after: Option<i64>,
}

/// The pings a monitor gets from a flush's events. Each ping's id is derived from its
/// event's and the monitor's, so a repeated flush records it once. Their times strictly
/// increase and follow the monitor's last ping, as a token's pings do: several events of one
/// batch share an arrival time, and a reader paging by `last_received_at` must see each once.
pub fn monitor_pings(events: &[FlushedEvent], feed: Feed<'_>) -> Vec<PendingPing> {
    let mut last = feed.after;
    events
        .iter()
        .filter(|e| e.name == feed.event_name && e.feeds(feed.allowed_keys))
        .map(|e| {
            let received_at = last.map_or(e.received_at, |l| e.received_at.max(l.saturating_add(1)));
            last = Some(received_at);
            (e, received_at)
        })
        .map(|(e, received_at)| PendingPing {
            id: format!("{}:{}", e.id, feed.monitor_id),
            monitor_id: feed.monitor_id.to_string(),
            received_at,
            duration_ms: None,
            input: PingInput {
                source: PingSource::Event,
                kind: signal_of(e.kind),
                method: "POST".into(),
                value: e.value,
                message: e.message.clone(),
                exit_status: None,
                run_id: None,
                client_ip: None,
                user_agent: None,
            },
        })
        .collect()
}

/// Events that arrived before this instant are pruned.
pub fn retention_cutoff(now_ms: i64, days: i64) -> i64 {
    now_ms.saturating_sub(days.max(1).saturating_mul(86_400_000))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::events::event::parse_events_batch;
    use crate::core::events::rollup::Bucket;
    use crate::core::time::parse_rfc3339;
    use serde_json::json;

    const ARRIVAL: i64 = 1_790_000_000_000;

    fn flushed(name: &str, kind: EventKind, ts: i64, value: Option<f64>, message: Option<&str>) -> FlushedEvent {
        FlushedEvent {
            id: format!("id-{name}-{ts}"),
            event_id: None,
            kind,
            name: name.into(),
            message: message.map(String::from),
            value,
            ts,
            client_ts: None,
            received_at: ts,
            source: EventSource::Events,
            document: serde::de::IgnoredAny,
            key_id: Some("ingestkey001".into()),
            feeds_monitors: Some(true),
        }
    }

    const INGEST: SentBy<'static> = SentBy {
        key_id: "ingestkey001",
        feeds_monitors: true,
    };

    fn feed<'a>(monitor_id: &'a str, event_name: &'a str) -> Feed<'a> {
        Feed {
            monitor_id,
            event_name,
            allowed_keys: None,
            after: None,
        }
    }

    #[test]
    fn a_pending_line_is_one_line_that_reads_back_as_a_flushed_event() {
        let body = json!({"events": [{"type": "error", "name": "webhook failed", "message": "timeout\nafter 3 retries", "value": 2, "meta": {"k": "v\n"}}]});
        let event = parse_events_batch(body.to_string().as_bytes(), ARRIVAL, false)
            .unwrap()
            .remove(0);
        let line = pending_line(&event, "e1", EventSource::Events, INGEST);
        assert!(!line.contains('\n'));
        let back: Vec<FlushedEvent> = serde_json::from_str(&lines_to_array([line.as_str()])).unwrap();
        assert_eq!(
            back,
            vec![FlushedEvent {
                id: "e1".into(),
                event_id: None,
                kind: EventKind::Error,
                name: "webhook failed".into(),
                message: Some("timeout\nafter 3 retries".into()),
                value: Some(2.0),
                ts: ARRIVAL,
                client_ts: None,
                received_at: ARRIVAL,
                source: EventSource::Events,
                document: serde::de::IgnoredAny,
                key_id: Some("ingestkey001".into()),
                feeds_monitors: Some(true),
            }]
        );
        // Positions are the columns of `events`: D1's insert reads them so.
        let stored: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(stored[0], "e1");
        assert_eq!(stored[2], "error");
        assert_eq!(stored[9], "events");
        assert_eq!(stored[10]["meta"]["k"], "v\n");
        assert_eq!(stored[1], Value::Null);
        assert_eq!(stored[11], "ingestkey001");
        assert_eq!(stored[12], true);
    }

    #[test]
    fn a_line_held_before_senders_were_recorded_still_reads_and_feeds_as_it_did() {
        let old = r#"[["e1",null,"event","backup",null,null,5,null,5,"events",{}]]"#;
        let back: Vec<FlushedEvent> = serde_json::from_str(old).unwrap();
        assert_eq!((back[0].key_id.as_deref(), back[0].feeds_monitors), (None, None));
        assert!(back[0].feeds(None));
        // A monitor restricted to named keys cannot know an unnamed sender: not fed.
        assert!(!back[0].feeds(Some(&["ingestkey001".to_string()])));
    }

    #[test]
    fn a_browser_keys_events_never_feed_a_monitor() {
        let mut event = flushed("backup-completed", EventKind::Event, 1_000, None, None);
        event.feeds_monitors = Some(false);
        assert!(!event.feeds(None));
        assert!(!event.feeds(Some(&["ingestkey001".to_string()])));
        assert!(monitor_pings(&[event], feed("m1", "backup-completed")).is_empty());
    }

    #[test]
    fn a_monitor_with_event_key_ids_takes_events_of_those_keys_only() {
        let mine = flushed("backup-completed", EventKind::Event, 1_000, None, None);
        let mut other = flushed("backup-completed", EventKind::Error, 2_000, None, None);
        other.key_id = Some("otherkey0001".into());
        let allowed = vec!["ingestkey001".to_string()];
        let events = [mine, other];
        let restricted = Feed {
            allowed_keys: Some(&allowed),
            ..feed("m1", "backup-completed")
        };
        let pings = monitor_pings(&events, restricted);
        assert_eq!(pings.len(), 1);
        assert_eq!(pings[0].input.kind, PingKind::Success);
        assert_eq!(monitor_pings(&events, feed("m1", "backup-completed")).len(), 2);
        let nobody: Vec<String> = Vec::new();
        assert!(!events[0].feeds(Some(&nobody)));
    }

    #[test]
    fn pings_of_one_arrival_time_get_strictly_increasing_times_after_the_last_ping() {
        let events: Vec<FlushedEvent> = (0..5)
            .map(|i| {
                let mut e = flushed("x", EventKind::Event, 1_000, None, None);
                e.id = format!("e{i}");
                e
            })
            .chain([flushed("x", EventKind::Event, 2_000, None, None)])
            .collect();
        let times = |after| -> Vec<i64> {
            monitor_pings(
                &events,
                Feed {
                    after,
                    ..feed("m", "x")
                },
            )
            .iter()
            .map(|p| p.received_at)
            .collect()
        };
        assert_eq!(times(None), vec![1_000, 1_001, 1_002, 1_003, 1_004, 2_000]);
        // After a last ping at the same instant, or later, every ping follows it.
        assert_eq!(times(Some(1_000)), vec![1_001, 1_002, 1_003, 1_004, 1_005, 2_000]);
        assert_eq!(times(Some(1_999)), vec![2_000, 2_001, 2_002, 2_003, 2_004, 2_005]);
        // An older last ping changes nothing.
        assert_eq!(times(Some(10)), times(None));
    }

    #[test]
    fn arrays_join_without_parsing() {
        assert_eq!(join_batches(["[1,2]", "[3]", "[]", " [4] "]), "[1,2,3,4]");
        assert_eq!(join_batches(Vec::<&str>::new()), "[]");
        assert_eq!(lines_to_array(["{\"a\":1}", "{\"b\":2}"]), "[{\"a\":1},{\"b\":2}]");
    }

    fn batch(seq: i64, events: u64, bytes: u64) -> PendingBatch {
        PendingBatch { seq, events, bytes }
    }

    #[test]
    fn a_flush_takes_batches_while_both_caps_hold() {
        let batches = [
            batch(1, 500, 100),
            batch(2, 500, 100),
            batch(3, 500, 100),
            batch(4, 500, 100),
            batch(5, 1, 1),
        ];
        assert_eq!(flush_upto(&batches, 2_000, 1_000_000), Some(4));
        assert_eq!(flush_upto(&batches, 1_999, 1_000_000), Some(3));
        assert_eq!(flush_upto(&batches, 2_000, 250), Some(2));
    }

    #[test]
    fn a_flush_always_takes_the_first_batch_even_over_a_cap() {
        assert_eq!(
            flush_upto(&[batch(7, 5_000, 5_000_000), batch(8, 1, 1)], 2_000, 1_000),
            Some(7)
        );
        assert_eq!(flush_upto(&[], 2_000, 1_000), None);
    }

    #[test]
    fn a_plan_counts_names_months_and_rollups_once_per_event() {
        let t = parse_rfc3339("2026-11-30T23:30:00Z").unwrap();
        let events = [
            flushed("signup", EventKind::Event, t, None, None),
            flushed("payment", EventKind::Event, t + 1_000, Some(29.0), None),
            flushed("payment", EventKind::Event, t + 3_600_000, Some(1.0), None),
        ];
        let plan = plan_flush(&events);
        assert_eq!(
            plan.names,
            vec![
                NameTally {
                    name: "payment".into(),
                    count: 2,
                    last_seen: t + 3_600_000
                },
                NameTally {
                    name: "signup".into(),
                    count: 1,
                    last_seen: t
                },
            ]
        );
        assert_eq!(
            plan.usage,
            vec![
                MonthTally {
                    month: "2026-11".into(),
                    events: 2
                },
                MonthTally {
                    month: "2026-12".into(),
                    events: 1
                },
            ]
        );
        let hours: Vec<(&str, u64, f64)> = plan
            .rollups
            .iter()
            .filter(|r| r.bucket == Bucket::Hour)
            .map(|r| (r.name.as_str(), r.rollup.count, r.rollup.sum))
            .collect();
        assert_eq!(
            hours,
            vec![("payment", 1, 29.0), ("payment", 1, 1.0), ("signup", 1, 0.0)]
        );
        assert!(plan.errors.is_empty());
    }

    #[test]
    fn an_error_tally_keeps_the_count_and_the_latest_message() {
        let events = [
            flushed("webhook failed", EventKind::Error, 3_000, None, Some("third")),
            flushed("webhook failed", EventKind::Error, 1_000, None, Some("first")),
            flushed("webhook failed", EventKind::Error, 4_000, None, None),
            flushed("other", EventKind::Event, 9_000, None, Some("not an error")),
        ];
        assert_eq!(
            plan_flush(&events).errors,
            vec![ErrorTally {
                name: "webhook failed".into(),
                count: 3,
                message: Some("third".into()),
                last_at: 4_000
            }]
        );
    }

    #[test]
    fn months_are_labelled_in_utc() {
        assert_eq!(month_label(parse_rfc3339("2026-01-01T00:00:00Z").unwrap()), "2026-01");
        assert_eq!(
            month_label(parse_rfc3339("2025-12-31T23:59:59.999Z").unwrap()),
            "2025-12"
        );
    }

    #[test]
    fn events_of_a_monitors_name_are_its_pings_errors_as_fails() {
        let events = [
            flushed("backup-completed", EventKind::Event, 1_000, Some(3.0), None),
            flushed("backup-completed", EventKind::Error, 2_000, None, Some("disk full")),
            flushed("other", EventKind::Event, 3_000, None, None),
        ];
        let pings = monitor_pings(&events, feed("m1", "backup-completed"));
        let seen: Vec<(&str, i64, PingKind, PingSource)> = pings
            .iter()
            .map(|p| (p.id.as_str(), p.received_at, p.input.kind, p.input.source))
            .collect();
        assert_eq!(
            seen,
            vec![
                (
                    "id-backup-completed-1000:m1",
                    1_000,
                    PingKind::Success,
                    PingSource::Event
                ),
                ("id-backup-completed-2000:m1", 2_000, PingKind::Fail, PingSource::Event),
            ]
        );
        assert_eq!(pings[1].input.message.as_deref(), Some("disk full"));
        assert_eq!(pings[0].input.value, Some(3.0));
    }

    #[test]
    fn two_monitors_of_one_name_get_distinct_ping_ids() {
        let events = [flushed("x", EventKind::Event, 1, None, None)];
        assert_ne!(
            monitor_pings(&events, feed("a", "x"))[0].id,
            monitor_pings(&events, feed("b", "x"))[0].id
        );
    }

    #[test]
    fn retention_counts_whole_days_back_and_at_least_one() {
        assert_eq!(retention_cutoff(ARRIVAL, 30), ARRIVAL - 30 * 86_400_000);
        assert_eq!(retention_cutoff(ARRIVAL, 0), ARRIVAL - 86_400_000);
    }

    #[test]
    fn only_the_events_api_charges_the_key_bucket() {
        assert!(EventSource::Events.charges_key_bucket());
        assert!(!EventSource::Ingest.charges_key_bucket() && !EventSource::Beacon.charges_key_bucket());
    }
}
