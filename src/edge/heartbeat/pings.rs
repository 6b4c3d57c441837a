//! Pings in D1, and the one writer of their rows: a flush's insert (in batches,
//! idempotently) and pruning's deletion are here, beside the reads the API runs.

use std::collections::HashMap;

use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Result};

use crate::core::heartbeat::ping::{PendingPing, PingKind};
use crate::core::heartbeat::ping_log::{HourFigures, LogAnswer, LogQuery, LoggedPing};
use crate::core::heartbeat::statistic::{PingHistory, PrunedHour};
use crate::edge::db::{int, json_list, text};
use crate::edge::row_fields::row_fields;
use crate::edge::rows::Rows;

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
    struct CheckIn {
        monitor_id: String,
        received_at: i64,
        kind: PingKind,
    }
    row_fields!(CheckIn {
        monitor_id,
        received_at,
        kind
    });
    struct Edges {
        monitor_id: String,
        anchor: Option<i64>,
        oldest: Option<i64>,
    }
    row_fields!(Edges {
        monitor_id,
        anchor,
        oldest
    });
    struct Pruned {
        monitor_id: String,
        hour: i64,
        check_ins: u32,
        fails: u32,
    }
    row_fields!(Pruned {
        monitor_id,
        hour,
        check_ins,
        fails
    });
    let mut histories: HashMap<String, PingHistory> = HashMap::new();
    for e in results[1].rows::<Edges>()? {
        let h = histories.entry(e.monitor_id).or_default();
        h.anchor = e.anchor;
        h.oldest_ping_at = e.oldest;
    }
    for p in results[0].rows::<CheckIn>()? {
        histories
            .entry(p.monitor_id)
            .or_default()
            .pings
            .push((p.received_at, p.kind));
    }
    for r in results[2].rows::<Pruned>()? {
        histories.entry(r.monitor_id).or_default().pruned.push(PrunedHour {
            hour: r.hour,
            check_ins: r.check_ins,
            fails: r.fails,
        });
    }
    Ok(histories)
}

/// D1's part of a monitor's history (what earlier builds stored, and event-fed pings), as
/// `q` asks it, in one batch of the statements it needs.
pub async fn d1_history(db: &D1Database, monitor_id: &str, q: &LogQuery) -> Result<LogAnswer> {
    let mut statements = Vec::new();
    let kinds = match q.check_ins_only {
        true => " AND kind IN ('tick', 'success', 'fail')",
        false => "",
    };
    statements.push(
        db.prepare(format!(
            "SELECT received_at, kind, method, source, value, message, exit_status, run_id, duration_ms \
             FROM pings WHERE monitor_id = ?1 AND received_at > ?2 AND received_at <= ?3{kinds} \
             ORDER BY received_at, id LIMIT ?4"
        ))
        .bind(&[text(monitor_id), int(q.after), int(q.until), int(q.limit as i64)])?,
    );
    statements.push(
        db.prepare(
            "SELECT (SELECT received_at FROM pings WHERE monitor_id = ?1 AND received_at < ?2 \
               AND kind IN ('tick', 'success', 'fail') ORDER BY received_at DESC LIMIT 1) AS anchor, \
             (SELECT received_at FROM pings WHERE monitor_id = ?1 ORDER BY received_at LIMIT 1) AS oldest",
        )
        .bind(&[text(monitor_id), int(q.anchor_before.unwrap_or(i64::MIN))])?,
    );
    let (hours_from, hours_until) = q.pruned_hours.unwrap_or((0, 0));
    statements.push(
        db.prepare(
            "SELECT hour, pings, check_ins, fails FROM ping_hours WHERE monitor_id = ?1 AND hour >= ?2 AND hour < ?3 \
             ORDER BY hour",
        )
        .bind(&[text(monitor_id), int(hours_from), int(hours_until)])?,
    );
    let (count_from, count_until) = q.count.unwrap_or((0, 0));
    statements.push(count_between(db, monitor_id, count_from, count_until)?);
    let results = db.batch(statements).await?;
    crate::edge::cost_meter::d1_results(&results);
    struct Edges {
        anchor: Option<i64>,
        oldest: Option<i64>,
    }
    row_fields!(Edges { anchor, oldest });
    struct Count {
        n: i64,
    }
    row_fields!(Count { n });
    let edges = results[1].rows::<Edges>()?.into_iter().next();
    Ok(LogAnswer {
        pings: results[0].rows::<LoggedPing>()?,
        anchor: edges
            .as_ref()
            .and_then(|e| e.anchor)
            .filter(|_| q.anchor_before.is_some()),
        oldest: edges.and_then(|e| e.oldest),
        pruned: results[2].rows::<HourFigures>()?,
        count: results[3].rows::<Count>()?.first().map_or(0, |c| c.n),
    })
}

/// The statement adding hourly figures of pings no longer kept to `ping_hours`, only while
/// `token` is still among the monitor's history tokens (so a history moved twice adds once:
/// the batch that moves it drops the token).
pub fn add_pruned_hours(
    db: &D1Database,
    monitor_id: &str,
    token: &str,
    hours: &[HourFigures],
) -> Result<D1PreparedStatement> {
    let rows = serde_json::to_string(hours).map_err(|e| worker::Error::RustError(e.to_string()))?;
    db.prepare(
        "INSERT INTO ping_hours (monitor_id, hour, pings, check_ins, fails) \
         SELECT ?1, json_extract(j.value, '$.hour'), json_extract(j.value, '$.pings'), \
           json_extract(j.value, '$.check_ins'), json_extract(j.value, '$.fails') \
         FROM json_each(?2) AS j \
         WHERE EXISTS (SELECT 1 FROM monitors m, json_each(m.history_tokens) t WHERE m.id = ?1 AND t.value = ?3) \
         ON CONFLICT (monitor_id, hour) DO UPDATE SET pings = pings + excluded.pings, \
           check_ins = check_ins + excluded.check_ins, fails = fails + excluded.fails",
    )
    .bind(&[text(monitor_id), text(&rows), text(token)])
}

row_fields!(crate::core::heartbeat::ping_log::LoggedPing {
    received_at,
    kind,
    method,
    source,
    value,
    message,
    exit_status,
    run_id,
    duration_ms
});
row_fields!(crate::core::heartbeat::ping_log::HourFigures {
    hour,
    pings,
    check_ins,
    fails
});
