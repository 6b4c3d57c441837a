//! A monitor's alert history: each flip, newest first, with what was sent for it (each
//! delivery: the channel, the event, how it went) or why nothing was (`held_by`). The flips
//! and the deliveries come from two reads; this puts them together.

use serde::Serialize;

/// A flip as the history reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryFlip {
    pub id: i64,
    pub at: i64,
    pub from_status: String,
    pub to_status: String,
    pub reason: String,
    pub held_by: Option<String>,
}

/// A delivery of one of those flips, with its channel.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryDelivery {
    pub flip_id: i64,
    pub channel_id: String,
    pub channel_name: String,
    pub channel_kind: String,
    /// 0: the flip's own alert (or an escalation step's); n: reminder n.
    pub seq: i64,
    /// The escalation step, from 0; `None` without escalation.
    pub step: Option<i64>,
    pub event: String,
    pub status: String,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

/// One line of the history: a flip and its alerts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    pub at: i64,
    pub from: String,
    pub to: String,
    pub reason: String,
    /// Why no alert was queued (`core::alerting::hold`), if one was held.
    pub held_by: Option<String>,
    pub deliveries: Vec<SentAlert>,
}

/// One alert sent (or being sent) to one channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentAlert {
    pub channel_id: String,
    pub channel: String,
    pub kind: String,
    /// 0: the flip's own alert; n: reminder n of its down period.
    pub seq: i64,
    /// The escalation step that sent it, from 1 (as the monitor's `alerting.next_step`
    /// counts them); `None` without escalation.
    pub step: Option<i64>,
    pub event: String,
    /// `pending`, `delivered`, `failed` or `cancelled` (a reminder still pending when its
    /// period was acknowledged or ended).
    pub status: String,
    pub attempts: i64,
    /// The service's last HTTP status, if it answered.
    pub http_status: Option<i64>,
    pub queued_at: i64,
    pub finished_at: Option<i64>,
}

/// The history: `flips` in the order given (newest first), each with its deliveries in the
/// order given (oldest first); deliveries of other flips are left out.
pub fn history(flips: Vec<HistoryFlip>, deliveries: Vec<HistoryDelivery>) -> Vec<HistoryEntry> {
    flips
        .into_iter()
        .map(|f| HistoryEntry {
            deliveries: deliveries
                .iter()
                .filter(|d| d.flip_id == f.id)
                .map(|d| SentAlert {
                    channel_id: d.channel_id.clone(),
                    channel: d.channel_name.clone(),
                    kind: d.channel_kind.clone(),
                    seq: d.seq,
                    step: d.step.map(|s| s + 1),
                    event: d.event.clone(),
                    status: d.status.clone(),
                    attempts: d.attempts,
                    http_status: d.last_status,
                    queued_at: d.created_at,
                    finished_at: d.finished_at,
                })
                .collect(),
            at: f.at,
            from: f.from_status,
            to: f.to_status,
            reason: f.reason,
            held_by: f.held_by,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flip(id: i64, at: i64, held_by: Option<&str>) -> HistoryFlip {
        HistoryFlip {
            id,
            at,
            from_status: "up".into(),
            to_status: "down".into(),
            reason: "late".into(),
            held_by: held_by.map(String::from),
        }
    }

    fn delivery(flip_id: i64, channel: &str, status: &str) -> HistoryDelivery {
        HistoryDelivery {
            flip_id,
            channel_id: format!("id-{channel}"),
            channel_name: channel.into(),
            channel_kind: "slack".into(),
            seq: 0,
            step: None,
            event: "down".into(),
            status: status.into(),
            attempts: 2,
            last_status: Some(200),
            created_at: 10,
            finished_at: Some(20),
        }
    }

    #[test]
    fn each_flip_carries_its_own_deliveries_in_order_and_a_held_one_says_why() {
        let entries = history(
            vec![flip(2, 200, Some("snoozed")), flip(1, 100, None)],
            vec![
                delivery(1, "ops", "delivered"),
                delivery(9, "elsewhere", "pending"),
                delivery(1, "pager", "failed"),
            ],
        );
        assert_eq!(entries.len(), 2);
        assert_eq!(
            (
                entries[0].at,
                entries[0].held_by.as_deref(),
                entries[0].deliveries.len()
            ),
            (200, Some("snoozed"), 0)
        );
        let sent: Vec<(&str, &str)> = entries[1]
            .deliveries
            .iter()
            .map(|d| (d.channel.as_str(), d.status.as_str()))
            .collect();
        assert_eq!(sent, [("ops", "delivered"), ("pager", "failed")]);
        let d = &entries[1].deliveries[0];
        assert_eq!(
            (
                d.channel_id.as_str(),
                d.kind.as_str(),
                d.event.as_str(),
                d.attempts,
                d.http_status,
                d.queued_at,
                d.finished_at
            ),
            ("id-ops", "slack", "down", 2, Some(200), 10, Some(20))
        );
        assert_eq!(
            (
                entries[1].from.as_str(),
                entries[1].to.as_str(),
                entries[1].reason.as_str()
            ),
            ("up", "down", "late")
        );
    }

    #[test]
    fn a_delivery_says_which_reminder_and_which_escalation_step_counted_from_one() {
        let step = |seq, step| HistoryDelivery {
            seq,
            step,
            ..delivery(1, "ops", "delivered")
        };
        let entries = history(
            vec![flip(1, 100, None)],
            vec![
                step(0, Some(0)),
                step(0, Some(1)),
                step(2, None),
                delivery(1, "ops", "pending"),
            ],
        );
        let shown: Vec<(i64, Option<i64>)> = entries[0].deliveries.iter().map(|d| (d.seq, d.step)).collect();
        assert_eq!(shown, [(0, Some(1)), (0, Some(2)), (2, None), (0, None)]);
    }
}
