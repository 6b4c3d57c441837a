//! Writing accepted pings to D1, in batches, idempotently.

use worker::{D1Database, Result};

use super::db::{int, text};
use crate::core::ping::{latest_value, PendingPing};

/// Stores a batch of one monitor's pings in one D1 transaction. Safe to repeat: a ping
/// already stored is ignored (primary key) and `changes()` counts only new rows, so
/// `n_pings` never double counts. Pings of a deleted monitor are dropped.
pub async fn store_pings(db: &D1Database, monitor_id: &str, batch: &[PendingPing]) -> Result<()> {
    let Some(newest) = batch.iter().map(|p| p.received_at).max() else {
        return Ok(());
    };
    let rows = serde_json::to_string(batch).map_err(|e| worker::Error::RustError(e.to_string()))?;
    let insert = db
        .prepare(
            "INSERT OR IGNORE INTO pings (id, monitor_id, received_at, kind, source, method, value, message, \
               exit_status, run_id, client_ip, user_agent) \
             SELECT json_extract(j.value, '$.id'), ?1, json_extract(j.value, '$.received_at'), \
               json_extract(j.value, '$.kind'), json_extract(j.value, '$.source'), json_extract(j.value, '$.method'), \
               json_extract(j.value, '$.value'), json_extract(j.value, '$.message'), \
               json_extract(j.value, '$.exit_status'), json_extract(j.value, '$.run_id'), \
               json_extract(j.value, '$.client_ip'), json_extract(j.value, '$.user_agent') \
             FROM json_each(?2) AS j \
             WHERE EXISTS (SELECT 1 FROM monitors WHERE id = ?1)",
        )
        .bind(&[text(monitor_id), text(&rows)])?;
    let count = db
        .prepare(
            "UPDATE monitors SET n_pings = n_pings + changes(), \
               last_ping_at = MAX(COALESCE(last_ping_at, 0), ?2) \
             WHERE id = ?1",
        )
        .bind(&[text(monitor_id), int(newest)])?;
    let mut statements = vec![insert, count];
    if let Some((value, at)) = latest_value(batch) {
        statements.push(
            db.prepare(
                "UPDATE monitors SET last_value = ?2, last_value_at = ?3 \
                 WHERE id = ?1 AND COALESCE(last_value_at, 0) <= ?3",
            )
            .bind(&[
                text(monitor_id),
                wasm_bindgen::JsValue::from_f64(value),
                int(at),
            ])?,
        );
    }
    db.batch(statements).await?;
    Ok(())
}
