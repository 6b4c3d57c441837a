//! The outbox: deliveries queued for channels (one per flip and channel, or a test), claimed
//! once per attempt, and their outcomes.

use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Result};

use crate::core::alerting::delivery::PER_RUN_CAPS;
use crate::core::time::format_rfc3339;
use crate::edge::db::{int, text};
use crate::edge::row_fields::row_fields;
use crate::edge::rows::{FirstRow, Rows};

/// The children of monitor `m` (`child`, monitors naming it in `depends_on`; the partial index
/// on monitors with parents keeps this to those).
const CHILDREN_OF_M: &str = "monitors child, json_each(child.depends_on) j \
   WHERE child.project_id = m.project_id AND child.depends_on IS NOT NULL AND j.value = m.id";

/// A parent's down alert waits this long before it is sent (and its payload is frozen at that
/// first attempt, `flip_payload`), so children that go down with it in the next sweeps are
/// named in it rather than held in silence.
pub const PARENT_SETTLE_MS: i64 = 60_000;

/// The JSON a flip's alert is made from (the webhook kind's body), built by SQLite from the
/// flip `f`, its monitor `m` and the monitor's last ping: frozen into the delivery when it is
/// queued, so every attempt and every kind tells the same story. A parent's down alert also
/// counts and names its dependent monitors that are down (`dependents`, only when there are).
fn flip_payload_sql() -> String {
    format!(
        "json_patch(json_object( \
   'event', CASE WHEN f.to_status = 'down' THEN 'down' ELSE 'up' END, \
   'monitor', json_object('id', m.id, 'unique_key', m.unique_key, 'name', m.name, 'status', m.status, \
      'service_id', m.service_id, 'slug', m.slug, 'tags', json(m.tags), \
      'last_ping_at', strftime('%Y-%m-%dT%H:%M:%fZ', m.last_ping_at / 1000.0, 'unixepoch'), \
      'next_due_at', strftime('%Y-%m-%dT%H:%M:%fZ', m.next_due_at / 1000.0, 'unixepoch')), \
   'flip', json_object('at', strftime('%Y-%m-%dT%H:%M:%fZ', f.at / 1000.0, 'unixepoch'), \
      'from', f.from_status, 'to', f.to_status, 'reason', f.reason, \
      'down_since', (SELECT strftime('%Y-%m-%dT%H:%M:%fZ', MAX(d.at) / 1000.0, 'unixepoch') FROM flips d \
         WHERE d.monitor_id = f.monitor_id AND d.to_status = 'down' AND d.at < f.at AND f.to_status <> 'down')), \
   'last_ping', COALESCE(json(m.last_ping), (SELECT json_object('received_at', strftime('%Y-%m-%dT%H:%M:%fZ', p.received_at / 1000.0, 'unixepoch'), \
      'result', p.kind, 'method', p.method, \
      'message', p.message, 'exit_status', p.exit_status, 'duration_ms', p.duration_ms) \
      FROM pings p WHERE p.monitor_id = m.id ORDER BY p.received_at DESC LIMIT 1))), \
   COALESCE((SELECT CASE WHEN COUNT(*) > 0 THEN json_object('dependents', json_object('count', COUNT(*), \
        'names', json((SELECT json_group_array(name) FROM (SELECT child.name FROM {CHILDREN_OF_M} \
           AND child.status = 'down' AND child.paused = 0 ORDER BY child.name LIMIT {named}))))) END \
      FROM {CHILDREN_OF_M} AND child.status = 'down' AND child.paused = 0 AND f.to_status = 'down'), '{{}}'))",
        named = crate::core::heartbeat::dependencies::MAX_NAMED,
    )
}

/// One alert of a flip to queue: the flip's own (seq 0), an escalation step's (seq 0 too, so
/// a channel in two steps hears once), or reminder `seq`.
#[derive(Debug, Clone, PartialEq)]
pub struct Queued {
    pub flip_at: i64,
    pub to_status: &'static str,
    pub seq: i64,
    /// The escalation step, from 0.
    pub step: Option<i64>,
    /// The channels; `None`: the monitor's own (`monitors.channels`, or all).
    pub channels: Option<Vec<String>>,
    /// What the payload says besides the flip (`reminder`, `escalation`).
    pub extra: serde_json::Value,
}

impl Queued {
    pub fn flip(flip_at: i64, to_status: &'static str, channels: Option<Vec<String>>) -> Queued {
        Queued {
            flip_at,
            to_status,
            seq: 0,
            step: None,
            channels,
            extra: serde_json::json!({}),
        }
    }

    /// Escalation step `step` (from 0) of `of`, due `after_s` into the down period.
    pub fn step(flip_at: i64, step: usize, of: usize, after_s: i64, channels: Option<Vec<String>>) -> Queued {
        Queued {
            step: Some(step as i64),
            extra: serde_json::json!({"escalation": {"step": step + 1, "of": of, "after_s": after_s}}),
            ..Queued::flip(flip_at, "down", channels)
        }
    }

    /// Reminder `number` of at most `max`, sent at `at`.
    pub fn reminder(flip_at: i64, number: u32, max: u32, at: i64, channels: Option<Vec<String>>) -> Queued {
        Queued {
            seq: i64::from(number),
            extra: serde_json::json!({"reminder": {"number": number, "max": max, "at": format_rfc3339(at)}}),
            ..Queued::flip(flip_at, "down", channels)
        }
    }
}

/// Queues `queued` for each of its channels that takes this kind of flip (down, or up again;
/// each channel can switch either off), for the monitor's flip recorded in the same batch,
/// only if the write of the monitor's state to version `won` did and, for the flip's own
/// alert (seq 0), only if that flip's alert was not held (`flips.held_by`: a writer that
/// read the monitor before a snooze must not alert what the snooze held); repeating it
/// queues nothing more (one delivery per channel, flip and seq). A reminder of a down whose
/// alert a parent held and nothing released is not sent either. A parent's own down alert
/// (seq 0) waits `PARENT_SETTLE_MS` and is built when it is first sent, so it can name the
/// dependents that went down with it.
pub fn enqueue_flip(
    db: &D1Database,
    monitor_id: &str,
    queued: &Queued,
    won: i64,
    now: i64,
) -> Result<D1PreparedStatement> {
    let channels = queued
        .channels
        .as_ref()
        .map_or(JsValue::NULL, |c| text(&serde_json::to_string(c).unwrap_or_default()));
    let settles = format!("(?5 = 0 AND f.to_status = 'down' AND EXISTS (SELECT 1 FROM {CHILDREN_OF_M}))");
    db.prepare(format!(
        "INSERT OR IGNORE INTO deliveries (channel_id, flip_id, seq, step, event, payload, next_attempt_at, created_at) \
         SELECT c.id, f.id, ?5, ?6, CASE WHEN f.to_status = 'down' THEN 'down' ELSE 'up' END, \
           CASE WHEN {settles} THEN NULL ELSE json_patch({payload}, ?7) END, \
           ?4 + CASE WHEN {settles} THEN {PARENT_SETTLE_MS} ELSE 0 END, ?4 \
         FROM flips f JOIN monitors m ON m.id = f.monitor_id JOIN channels c ON c.project_id = m.project_id \
         WHERE f.monitor_id = ?1 AND f.at = ?2 AND f.to_status = ?3 AND m.state_version = ?9 \
           AND CASE WHEN ?5 = 0 THEN f.held_by IS NULL \
             ELSE NOT (f.held_by LIKE '{prefix}%' AND NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.flip_id = f.id)) END \
           AND CASE WHEN ?8 IS NULL THEN (m.channels IS NULL OR c.id IN (SELECT value FROM json_each(m.channels))) \
             ELSE c.id IN (SELECT value FROM json_each(?8)) END \
           AND CASE WHEN f.to_status = 'down' THEN c.notify_down ELSE c.notify_up END = 1",
        payload = flip_payload_sql(),
        prefix = crate::core::alerting::hold::PARENT_PREFIX
    ))
    .bind(&[
        text(monitor_id),
        int(queued.flip_at),
        text(queued.to_status),
        int(now),
        int(queued.seq),
        queued.step.map_or(JsValue::NULL, int),
        text(&queued.extra.to_string()),
        channels,
        int(won),
    ])
}

/// Cancels the reminders of the down flip of `monitor_id` at `flip_at` still waiting to go
/// out (its period ended or was acknowledged: they would say something no longer true).
pub fn cancel_reminders(db: &D1Database, monitor_id: &str, flip_at: i64, now: i64) -> Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE deliveries SET status = 'cancelled', finished_at = ?3 WHERE status = 'pending' AND seq > 0 \
           AND flip_id = (SELECT id FROM flips WHERE monitor_id = ?1 AND at = ?2 AND to_status = 'down')",
    )
    .bind(&[text(monitor_id), int(flip_at), int(now)])
}

/// Queues the held alerts of monitors that are down and whose newest flip, a down, was held
/// by what no longer holds it: `m` is each such monitor, `f` its newest flip, and `which`
/// narrows them (over `?1`). Repeating it queues nothing more (one delivery per flip and
/// channel).
fn enqueue_released(db: &D1Database, which: &str, subject: &str, now: i64) -> Result<D1PreparedStatement> {
    db.prepare(format!(
        "INSERT OR IGNORE INTO deliveries (channel_id, flip_id, event, payload, next_attempt_at, created_at) \
         SELECT c.id, f.id, 'down', {payload}, ?2, ?2 \
         FROM monitors m JOIN flips f ON f.monitor_id = m.id JOIN channels c ON c.project_id = m.project_id \
         WHERE {which} AND m.status = 'down' AND m.paused = 0 AND m.enabled = 1 \
           AND f.to_status = 'down' AND f.at = (SELECT MAX(l.at) FROM flips l WHERE l.monitor_id = m.id) \
           AND NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.flip_id = f.id) \
           AND (m.channels IS NULL OR c.id IN (SELECT value FROM json_each(m.channels))) \
           AND c.notify_down = 1",
        payload = flip_payload_sql()
    ))
    .bind(&[text(subject), int(now)])
}

/// Queues the down alert a maintenance window held, for monitor `?1` that is still down as
/// its maintenance ends (one alert, once).
pub fn release_after_maintenance(db: &D1Database, monitor_id: &str, now: i64) -> Result<D1PreparedStatement> {
    enqueue_released(db, "m.id = ?1 AND f.held_by = 'maintenance'", monitor_id, now)
}

/// Queues the held down alerts of the children of monitor `?1` (just recovered) that are still
/// down, and whose other parents are not down: they alert on their own now.
pub fn release_children(db: &D1Database, parent_id: &str, now: i64) -> Result<D1PreparedStatement> {
    let which = format!(
        "m.depends_on IS NOT NULL AND EXISTS (SELECT 1 FROM json_each(m.depends_on) WHERE value = ?1) \
         AND m.project_id = (SELECT project_id FROM monitors WHERE id = ?1) \
         AND f.held_by LIKE '{prefix}%' \
         AND NOT EXISTS (SELECT 1 FROM json_each(m.depends_on) j JOIN monitors p ON p.id = j.value \
           WHERE p.status = 'down' AND p.paused = 0 AND p.enabled = 1)",
        prefix = crate::core::alerting::hold::PARENT_PREFIX
    );
    enqueue_released(db, &which, parent_id, now)
}

/// Queues a channel's test alert, its payload frozen at once.
pub async fn enqueue_test(db: &D1Database, channel_id: &str, channel_name: &str, now: i64) -> Result<i64> {
    let payload = serde_json::json!({
        "event": "test",
        "channel": {"id": channel_id, "name": channel_name},
        "message": "edgebeat test delivery",
    })
    .to_string();
    let id: Option<i64> = db
        .prepare(
            "INSERT INTO deliveries (channel_id, event, payload, next_attempt_at, created_at) \
             VALUES (?1, 'test', ?2, ?3, ?3) RETURNING id",
        )
        .bind(&[text(channel_id), text(&payload), int(now)])?
        .first_value("id")
        .await?;
    id.ok_or_else(|| worker::Error::RustError("test delivery not queued".into()))
}

/// A delivery taken for one attempt: what it says and where it goes.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub channel_id: String,
    pub event: String,
    pub payload: Option<String>,
    pub flip_id: Option<i64>,
    /// This attempt's number (1 for the first).
    pub attempts: i64,
}
row_fields!(Claimed {
    id,
    channel_id,
    event,
    payload,
    flip_id,
    attempts
});

const CLAIMED: &str = "id, channel_id, event, payload, flip_id, attempts";

/// Takes up to `limit` due deliveries for one attempt each, in one statement (so two sweeps
/// never take the same one), oldest due first, skipping channels a service asked to wait and
/// taking no more of one channel than its kind allows a run (`PER_RUN_CAPS`: a chat's own
/// rate limit). The lease (`lease_until`) is when each is tried again should this attempt
/// never report back.
pub async fn claim_due(db: &D1Database, at: i64, limit: i64, lease_until: i64) -> Result<Vec<Claimed>> {
    let caps: String = PER_RUN_CAPS
        .iter()
        .map(|(kind, cap)| format!(" WHEN '{kind}' THEN {cap}"))
        .collect();
    db.prepare(format!(
        "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?3 WHERE id IN ( \
           SELECT id FROM ( \
             SELECT d.id, d.next_attempt_at, \
               ROW_NUMBER() OVER (PARTITION BY d.channel_id ORDER BY d.next_attempt_at, d.id) AS rn, \
               CASE c.kind{caps} ELSE ?2 END AS cap \
             FROM deliveries d JOIN channels c ON c.id = d.channel_id \
             WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 AND c.hold_until <= ?1) \
           WHERE rn <= cap ORDER BY next_attempt_at, id LIMIT ?2) \
         RETURNING {CLAIMED}"
    ))
    .bind(&[int(at), int(limit), int(lease_until)])?
    .all()
    .await?
    .rows()
}

/// Takes one pending delivery for an attempt now, due or not (a channel's test).
pub async fn claim_one(db: &D1Database, id: i64, lease_until: i64) -> Result<Option<Claimed>> {
    db.prepare(format!(
        "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?2 \
         WHERE id = ?1 AND status = 'pending' RETURNING {CLAIMED}"
    ))
    .bind(&[int(id), int(lease_until)])?
    .first_row()
    .await
}

/// The payload of a delivery queued without one (a parent's down alert, or one queued before
/// payloads were frozen at queueing, migration 0012): built now from its flip, and frozen by
/// the attempt's record.
pub async fn flip_payload(db: &D1Database, flip_id: i64) -> Result<Option<String>> {
    db.prepare(format!(
        "SELECT {} AS payload FROM flips f JOIN monitors m ON m.id = f.monitor_id WHERE f.id = ?1",
        flip_payload_sql()
    ))
    .bind(&[int(flip_id)])?
    .first_value("payload")
    .await
}

/// Records how an attempt went (and the payload it sent, for rows queued without one).
pub fn record_attempt(
    db: &D1Database,
    id: i64,
    status: &str,
    next_attempt_at: i64,
    http_status: Option<u16>,
    error: Option<&str>,
    payload: &str,
    now: i64,
) -> Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE deliveries SET status = ?2, next_attempt_at = ?3, last_status = ?4, last_error = ?5, \
           payload = COALESCE(payload, ?7), finished_at = CASE WHEN ?2 = 'pending' THEN NULL ELSE ?6 END WHERE id = ?1",
    )
    .bind(&[
        int(id),
        text(status),
        int(next_attempt_at),
        http_status.map_or(JsValue::NULL, |s| int(i64::from(s))),
        error.map_or(JsValue::NULL, text),
        int(now),
        text(payload),
    ])
}

#[derive(Debug)]
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
row_fields!(DeliveryRow {
    id,
    event,
    status,
    attempts,
    last_status,
    last_error,
    next_attempt_at,
    created_at,
    finished_at
});

pub async fn delivery(db: &D1Database, id: i64) -> Result<Option<DeliveryRow>> {
    db.prepare(
        "SELECT id, event, status, attempts, last_status, last_error, next_attempt_at, created_at, finished_at \
         FROM deliveries WHERE id = ?1",
    )
    .bind(&[int(id)])?
    .first_row()
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
    .rows()
}
