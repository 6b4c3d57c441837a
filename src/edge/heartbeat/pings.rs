//! Pings in D1, and the one writer of their rows: a flush's insert (in batches,
//! idempotently) and pruning's deletion are here, beside the reads the API runs.

use std::collections::HashMap;

use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Result};

use crate::core::heartbeat::ping::{PendingPing, PingKind};
use crate::core::heartbeat::statistic::{PingHistory, PrunedHour};
use crate::edge::db::{int, json_list, text};

/// The statement inserting a batch of one monitor's pings (each once, by id; none for a
/// monitor deleted meanwhile). The next statement's `changes()` counts the new rows.
pub fn insert_pings(db: &D1Database, monitor_id: &str, batch: &[PendingPing]) -> Result<D1PreparedStatement> {
    let rows = serde_json::to_string(batch).map_err(|e| worker::Error::RustError(e.to_string()))?;
    db.prepare(
        "INSERT OR IGNORE INTO pings (id, monitor_id, received_at, kind, source, method, value, message, \
           exit_status, run_id, duration_ms, client_ip, user_agent) \
         SELECT json_extract(j.value, '$.id'), ?1, json_extract(j.value, '$.received_at'), \
           json_extract(j.value, '$.kind'), json_extract(j.value, '$.source'), json_extract(j.value, '$.method'), \
           json_extract(j.value, '$.value'), json_extract(j.value, '$.message'), \
           json_extract(j.value, '$.exit_status'), json_extract(j.value, '$.run_id'), \
           json_extract(j.value, '$.duration_ms'), \
           json_extract(j.value, '$.client_ip'), json_extract(j.value, '$.user_agent') \
         FROM json_each(?2) AS j \
         WHERE EXISTS (SELECT 1 FROM monitors WHERE id = ?1)",
    )
    .bind(&[text(monitor_id), text(&rows)])
}

/// The statement deleting the pings `selected` (a subquery of ping rowids over `bind`), for
/// pruning: their hourly figures are rolled up before it, in the same batch.
pub fn delete_pings(db: &D1Database, selected: &str, bind: &[JsValue]) -> Result<D1PreparedStatement> {
    db.prepare(format!("DELETE FROM pings WHERE rowid IN ({selected})"))
        .bind(bind)
}

/// A ping as the events endpoint shows it.
#[derive(Debug, serde::Deserialize)]
pub struct StoredPing {
    pub received_at: i64,
    pub kind: String,
    pub method: String,
    pub source: String,
    pub value: Option<f64>,
    pub message: Option<String>,
    pub exit_status: Option<i64>,
    pub run_id: Option<String>,
    pub duration_ms: Option<i64>,
}

/// A monitor's pings received strictly after `after_ms`, oldest first.
pub async fn pings_after(db: &D1Database, monitor_id: &str, after_ms: i64, limit: i64) -> Result<Vec<StoredPing>> {
    db.prepare(
        "SELECT received_at, kind, method, source, value, message, exit_status, run_id, duration_ms \
         FROM pings WHERE monitor_id = ?1 AND received_at > ?2 ORDER BY received_at, id LIMIT ?3",
    )
    .bind(&[text(monitor_id), int(after_ms), int(limit)])?
    .all()
    .await?
    .results()
}

/// (received_at, kind) of a monitor's pings in `(after_ms, until_ms]`, oldest first.
pub async fn ping_kinds_between(
    db: &D1Database,
    monitor_id: &str,
    after_ms: i64,
    until_ms: i64,
    cap: i64,
) -> Result<Vec<(i64, PingKind)>> {
    #[derive(serde::Deserialize)]
    struct Row {
        received_at: i64,
        kind: PingKind,
    }
    let rows = db
        .prepare(
            "SELECT received_at, kind FROM pings WHERE monitor_id = ?1 AND received_at > ?2 AND received_at <= ?3 \
             ORDER BY received_at LIMIT ?4",
        )
        .bind(&[text(monitor_id), int(after_ms), int(until_ms), int(cap)])?
        .all()
        .await?
        .results::<Row>()?;
    Ok(rows.into_iter().map(|r| (r.received_at, r.kind)).collect())
}

/// When the monitor's last check-in (tick, success or fail) before `before_ms` was.
pub async fn last_check_in_before(db: &D1Database, monitor_id: &str, before_ms: i64) -> Result<Option<i64>> {
    db.prepare(
        "SELECT received_at FROM pings WHERE monitor_id = ?1 AND received_at < ?2 \
         AND kind IN ('tick', 'success', 'fail') ORDER BY received_at DESC LIMIT 1",
    )
    .bind(&[text(monitor_id), int(before_ms)])?
    .first(Some("received_at"))
    .await
}

/// The hourly figures of a monitor's pruned pings in `[start, end)`.
pub async fn pruned_hours_between(db: &D1Database, monitor_id: &str, start: i64, end: i64) -> Result<Vec<PrunedHour>> {
    #[derive(serde::Deserialize)]
    struct Row {
        hour: i64,
        check_ins: u32,
        fails: u32,
    }
    let rows = db
        .prepare("SELECT hour, check_ins, fails FROM ping_hours WHERE monitor_id = ?1 AND hour >= ?2 AND hour < ?3 ORDER BY hour")
        .bind(&[text(monitor_id), int(start), int(end)])?
        .all()
        .await?
        .results::<Row>()?;
    Ok(rows
        .into_iter()
        .map(|r| PrunedHour {
            hour: r.hour,
            check_ins: r.check_ins,
            fails: r.fails,
        })
        .collect())
}

/// When the monitor's oldest stored ping came (everything before it was pruned, if anything).
pub async fn oldest_ping_at(db: &D1Database, monitor_id: &str) -> Result<Option<i64>> {
    db.prepare("SELECT received_at FROM pings WHERE monitor_id = ?1 ORDER BY received_at LIMIT 1")
        .bind(&[text(monitor_id)])?
        .first(Some("received_at"))
        .await
}

/// The statement counting a monitor's pings received in `[from, until)` (whole UTC hours),
/// exactly however many were pruned: the stored ones (its index) plus the pruned ones' hourly
/// figures (`ping_hours`, primary key), where pruning counts each ping before deleting it.
/// Answers one row, `n`.
pub fn count_between(db: &D1Database, monitor_id: &str, from: i64, until: i64) -> Result<D1PreparedStatement> {
    db.prepare(
        "SELECT (SELECT COUNT(*) FROM pings WHERE monitor_id = ?1 AND received_at >= ?2 AND received_at < ?3) \
           + (SELECT COALESCE(SUM(pings), 0) FROM ping_hours WHERE monitor_id = ?1 AND hour >= ?2 AND hour < ?3) AS n",
    )
    .bind(&[text(monitor_id), int(from), int(until)])
}

/// Check-ins read at most for a page's strips (the statistic's cap for one monitor).
const MAX_STRIP_PINGS: i64 = 200_000;

/// What the statistic reads of each monitor of `ids` for `[start, end)`, in one batch of
/// three statements whatever the number of monitors (a page of the list): their check-ins in
/// the range plus each one's grace, the last check-in before it and the oldest stored ping,
/// and the pruned hours' figures. Only check-ins count in a statistic, so only they are read.
pub async fn ping_histories(
    db: &D1Database,
    ids: &[String],
    start: i64,
    end: i64,
) -> Result<HashMap<String, PingHistory>> {
    let list = json_list(ids);
    let check_ins = db
        .prepare(
            "SELECT p.monitor_id AS monitor_id, p.received_at AS received_at, p.kind AS kind \
             FROM json_each(?1) AS j JOIN monitors AS m ON m.id = j.value \
             JOIN pings AS p ON p.monitor_id = m.id AND p.received_at >= ?2 AND p.received_at <= ?3 + m.grace_s * 1000 \
             WHERE p.kind IN ('tick', 'success', 'fail') \
             ORDER BY p.monitor_id, p.received_at LIMIT ?4",
        )
        .bind(&[list.clone(), int(start), int(end), int(MAX_STRIP_PINGS)])?;
    let edges = db
        .prepare(
            "SELECT j.value AS monitor_id, \
               (SELECT received_at FROM pings WHERE monitor_id = j.value AND received_at < ?2 \
                  AND kind IN ('tick', 'success', 'fail') ORDER BY received_at DESC LIMIT 1) AS anchor, \
               (SELECT received_at FROM pings WHERE monitor_id = j.value ORDER BY received_at LIMIT 1) AS oldest \
             FROM json_each(?1) AS j",
        )
        .bind(&[list.clone(), int(start)])?;
    let pruned = db
        .prepare(
            "SELECT h.monitor_id AS monitor_id, h.hour AS hour, h.check_ins AS check_ins, h.fails AS fails \
             FROM json_each(?1) AS j JOIN ping_hours AS h ON h.monitor_id = j.value AND h.hour >= ?2 AND h.hour < ?3 \
             ORDER BY h.monitor_id, h.hour",
        )
        .bind(&[list, int(start), int(end)])?;
    let results = db.batch(vec![check_ins, edges, pruned]).await?;
    crate::edge::cost_meter::d1_results(&results);
    #[derive(serde::Deserialize)]
    struct CheckIn {
        monitor_id: String,
        received_at: i64,
        kind: PingKind,
    }
    #[derive(serde::Deserialize)]
    struct Edges {
        monitor_id: String,
        anchor: Option<i64>,
        oldest: Option<i64>,
    }
    #[derive(serde::Deserialize)]
    struct Pruned {
        monitor_id: String,
        hour: i64,
        check_ins: u32,
        fails: u32,
    }
    let mut histories: HashMap<String, PingHistory> = HashMap::new();
    for e in results[1].results::<Edges>()? {
        let h = histories.entry(e.monitor_id).or_default();
        h.anchor = e.anchor;
        h.oldest_ping_at = e.oldest;
    }
    for p in results[0].results::<CheckIn>()? {
        histories
            .entry(p.monitor_id)
            .or_default()
            .pings
            .push((p.received_at, p.kind));
    }
    for r in results[2].results::<Pruned>()? {
        histories.entry(r.monitor_id).or_default().pruned.push(PrunedHour {
            hour: r.hour,
            check_ins: r.check_ins,
            fails: r.fails,
        });
    }
    Ok(histories)
}
