//! The outbox: deliveries queued for channels (one per flip and channel, or a test), claimed
//! once per attempt, and their outcomes.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Result};

use crate::edge::db::{changed_one, int, text};

/// Queues one delivery per channel the monitor notifies for the flip just recorded
/// (same batch), only if that flip exists; repeating it queues nothing more.
pub fn enqueue_flip(
    db: &D1Database,
    monitor_id: &str,
    at: i64,
    to_status: &str,
    now: i64,
) -> Result<D1PreparedStatement> {
    db.prepare(
        "INSERT OR IGNORE INTO deliveries (channel_id, flip_id, event, next_attempt_at, created_at) \
         SELECT c.id, f.id, CASE WHEN f.to_status = 'down' THEN 'down' ELSE 'up' END, ?4, ?4 \
         FROM flips f JOIN monitors m ON m.id = f.monitor_id JOIN channels c ON c.project_id = m.project_id \
         WHERE f.monitor_id = ?1 AND f.at = ?2 AND f.to_status = ?3 \
           AND (m.channels IS NULL OR c.id IN (SELECT value FROM json_each(m.channels)))",
    )
    .bind(&[text(monitor_id), int(at), text(to_status), int(now)])
}

pub async fn enqueue_test(db: &D1Database, channel_id: &str, now: i64) -> Result<i64> {
    let id: Option<i64> = db
        .prepare("INSERT INTO deliveries (channel_id, event, next_attempt_at, created_at) VALUES (?1, 'test', ?2, ?2) RETURNING id")
        .bind(&[text(channel_id), int(now)])?
        .first(Some("id"))
        .await?;
    id.ok_or_else(|| worker::Error::RustError("test delivery not queued".into()))
}

/// A due delivery with what it takes to send it.
#[derive(Debug, Clone, Deserialize)]
pub struct DueDelivery {
    pub id: i64,
    pub event: String,
    pub payload: Option<String>,
    pub attempts: i64,
    pub url: String,
    pub secret: String,
    pub channel_id: String,
    pub channel_name: String,
    pub flip_id: Option<i64>,
}

const DUE_COLUMNS: &str = "d.id, d.event, d.payload, d.attempts, c.url, c.secret, c.id AS channel_id, \
    c.name AS channel_name, d.flip_id";

/// One pending delivery, due or not (a channel test is sent at once).
pub async fn pending_delivery(db: &D1Database, id: i64) -> Result<Option<DueDelivery>> {
    db.prepare(format!(
        "SELECT {DUE_COLUMNS} FROM deliveries d JOIN channels c ON c.id = d.channel_id \
         WHERE d.id = ?1 AND d.status = 'pending'"
    ))
    .bind(&[int(id)])?
    .first(None)
    .await
}

pub async fn due_deliveries(db: &D1Database, at: i64, limit: i64) -> Result<Vec<DueDelivery>> {
    db.prepare(format!(
        "SELECT {DUE_COLUMNS} FROM deliveries d JOIN channels c ON c.id = d.channel_id \
         WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 ORDER BY d.next_attempt_at LIMIT ?2"
    ))
    .bind(&[int(at), int(limit)])?
    .all()
    .await?
    .results()
}

/// Takes the delivery for one attempt; false if another sweep took it first. The lease
/// (`retry_at`) is when it is tried again should this attempt never report back.
pub async fn claim(db: &D1Database, d: &DueDelivery, payload: &str, retry_at: i64) -> Result<bool> {
    let result = db
        .prepare(
            "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?3, payload = ?4 \
             WHERE id = ?1 AND attempts = ?2 AND status = 'pending'",
        )
        .bind(&[int(d.id), int(d.attempts), int(retry_at), text(payload)])?
        .run()
        .await?;
    changed_one(&result)
}

pub async fn record_attempt(
    db: &D1Database,
    id: i64,
    status: &str,
    next_attempt_at: i64,
    http_status: Option<u16>,
    error: Option<&str>,
    now: i64,
) -> Result<()> {
    db.prepare(
        "UPDATE deliveries SET status = ?2, next_attempt_at = ?3, last_status = ?4, last_error = ?5, \
           finished_at = CASE WHEN ?2 = 'pending' THEN NULL ELSE ?6 END WHERE id = ?1",
    )
    .bind(&[
        int(id),
        text(status),
        int(next_attempt_at),
        http_status.map_or(JsValue::NULL, |s| int(i64::from(s))),
        error.map_or(JsValue::NULL, text),
        int(now),
    ])?
    .run()
    .await?;
    Ok(())
}

/// The flip, its monitor and the monitor's last ping, as one JSON payload built by SQLite.
pub async fn flip_payload(db: &D1Database, flip_id: i64) -> Result<Option<String>> {
    db.prepare(
        "SELECT json_object( \
           'monitor', json_object('id', m.id, 'name', m.name, 'status', m.status, 'service_id', m.service_id, \
              'slug', m.slug, 'tags', json(m.tags), 'last_ping_at', strftime('%Y-%m-%dT%H:%M:%fZ', m.last_ping_at / 1000.0, 'unixepoch'), \
              'next_due_at', strftime('%Y-%m-%dT%H:%M:%fZ', m.next_due_at / 1000.0, 'unixepoch')), \
           'flip', json_object('at', strftime('%Y-%m-%dT%H:%M:%fZ', f.at / 1000.0, 'unixepoch'), \
              'from', f.from_status, 'to', f.to_status, 'reason', f.reason), \
           'last_ping', (SELECT json_object('received_at', strftime('%Y-%m-%dT%H:%M:%fZ', p.received_at / 1000.0, 'unixepoch'), \
              'result', p.kind, 'method', p.method, \
              'message', p.message, 'exit_status', p.exit_status, 'duration_ms', p.duration_ms) \
              FROM pings p WHERE p.monitor_id = m.id ORDER BY p.received_at DESC LIMIT 1)) AS payload \
         FROM flips f JOIN monitors m ON m.id = f.monitor_id WHERE f.id = ?1",
    )
    .bind(&[int(flip_id)])?
    .first(Some("payload"))
    .await
}

#[derive(Debug, Deserialize)]
pub struct DeliveryRow {
    pub id: i64,
    pub event: String,
    pub status: String,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_at: i64,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

pub async fn delivery(db: &D1Database, id: i64) -> Result<Option<DeliveryRow>> {
    db.prepare(
        "SELECT id, event, status, attempts, last_status, last_error, next_attempt_at, created_at, finished_at \
         FROM deliveries WHERE id = ?1",
    )
    .bind(&[int(id)])?
    .first(None)
    .await
}

pub async fn deliveries_of(db: &D1Database, channel_id: &str, limit: i64) -> Result<Vec<DeliveryRow>> {
    db.prepare(
        "SELECT id, event, status, attempts, last_status, last_error, next_attempt_at, created_at, finished_at \
         FROM deliveries WHERE channel_id = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2",
    )
    .bind(&[text(channel_id), int(limit)])?
    .all()
    .await?
    .results()
}
