//! A monitor's alert history from D1: its newest flips and the deliveries queued for them, in
//! one batch of two reads (`core::alerting::history` puts them together).

use worker::{D1Database, Result};

use crate::core::alerting::history::{history, HistoryDelivery, HistoryEntry, HistoryFlip};
use crate::edge::db::{int, text};
use crate::edge::row_fields::row_fields;
use crate::edge::rows::Rows;

/// The monitor's `limit` newest flips with their alerts, newest first.
pub async fn alert_history(db: &D1Database, monitor_id: &str, limit: i64) -> Result<Vec<HistoryEntry>> {
    let newest = "SELECT id FROM flips WHERE monitor_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2";
    let flips = db
        .prepare(format!(
            "SELECT id, at, from_status, to_status, reason, held_by FROM flips WHERE id IN ({newest}) \
             ORDER BY at DESC, id DESC"
        ))
        .bind(&[text(monitor_id), int(limit)])?;
    let deliveries = db
        .prepare(format!(
            "SELECT d.flip_id, d.channel_id, c.name AS channel_name, c.kind AS channel_kind, d.seq, d.step, d.event, d.status, \
               d.attempts, d.last_status, d.created_at, d.finished_at \
             FROM deliveries d JOIN channels c ON c.id = d.channel_id \
             WHERE d.flip_id IN ({newest}) ORDER BY d.id"
        ))
        .bind(&[text(monitor_id), int(limit)])?;
    let results = db.batch(vec![flips, deliveries]).await?;
    Ok(history(
        results[0].rows::<HistoryFlip>()?,
        results[1].rows::<HistoryDelivery>()?,
    ))
}

row_fields!(crate::core::alerting::history::HistoryFlip {
    id,
    at,
    from_status,
    to_status,
    reason,
    held_by
});
row_fields!(crate::core::alerting::history::HistoryDelivery {
    flip_id,
    channel_id,
    channel_name,
    channel_kind,
    seq,
    step,
    event,
    status,
    attempts,
    last_status,
    created_at,
    finished_at
});
