//! Events in D1: the flush of a project's accepted events (one batch of a few statements for
//! thousands of events), the reads behind the events queries, the project's limits, error
//! digests and retention.

use crate::edge::vars;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Env, Result};

use crate::core::alerting::event_routes::RoutedFlush;
use crate::core::events::event_query::EventQuery;
use crate::core::events::event_store::{retention_cutoff, FlushPlan, DEFAULT_RETENTION_DAYS, ERROR_DIGEST_WINDOW_MS};
use crate::core::events::project_limits::LimitsChange;
use crate::core::events::rollup::RollupRange;
use crate::edge::alerting::event_routes::{flush_statements, queue_routed_digests};
use crate::edge::db::{changed_one, database, int, opt_text, text};
use crate::edge::heartbeat::monitor_state::{StoredState, STATE_COLUMNS};
use crate::edge::row_fields::row_fields;
use crate::edge::rows::{FirstRow, Rows};

fn json_text(value: &impl serde::Serialize) -> Result<JsValue> {
    serde_json::to_string(value)
        .map(|s| text(&s))
        .map_err(|e| worker::Error::RustError(e.to_string()))
}

/// What the project's object needs to check a key (looked up once, re-checked every few
/// minutes, dropped at once when the key is revoked).
#[derive(Debug, Clone)]
pub struct IngestKeyRow {
    pub project_id: String,
    pub scope: String,
    pub secret_hash: String,
    pub revoked_at: Option<i64>,
    /// JSON array, or NULL for any origin.
    pub allowed_origins: Option<String>,
}
row_fields!(IngestKeyRow {
    project_id,
    scope,
    secret_hash,
    revoked_at,
    allowed_origins
});

pub async fn key_for_ingest(db: &D1Database, key_id: &str) -> Result<Option<IngestKeyRow>> {
    db.prepare("SELECT project_id, scope, secret_hash, revoked_at, allowed_origins FROM api_keys WHERE id = ?1")
        .bind(&[text(key_id)])?
        .first_row()
        .await
}

/// The project and scope of a key id: neither ever changes, so the worker may keep them.
#[derive(Debug, Clone)]
pub struct KeyOwner {
    pub project_id: String,
    pub scope: String,
}
row_fields!(KeyOwner { project_id, scope });

pub async fn key_owner(db: &D1Database, key_id: &str) -> Result<Option<KeyOwner>> {
    db.prepare("SELECT project_id, scope FROM api_keys WHERE id = ?1")
        .bind(&[text(key_id)])?
        .first_row()
        .await
}

/// A project's event limits.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectLimits {
    pub status: String,
    pub event_rate_per_min: i64,
    pub monthly_event_quota: Option<i64>,
}
row_fields!(ProjectLimits {
    status,
    event_rate_per_min,
    monthly_event_quota
});

pub async fn project_limits(db: &D1Database, project_id: &str) -> Result<Option<ProjectLimits>> {
    db.prepare("SELECT status, event_rate_per_min, monthly_event_quota FROM projects WHERE id = ?1")
        .bind(&[text(project_id)])?
        .first_row()
        .await
}

/// Applies the change; false when there is no such project.
pub async fn update_project_limits(db: &D1Database, project_id: &str, change: &LimitsChange) -> Result<bool> {
    let result = db
        .prepare(
            "UPDATE projects SET status = COALESCE(?2, status), \
               event_rate_per_min = COALESCE(?3, event_rate_per_min), \
               monthly_event_quota = CASE WHEN ?4 THEN ?5 ELSE monthly_event_quota END \
             WHERE id = ?1",
        )
        .bind(&[
            text(project_id),
            opt_text(change.status.as_deref()),
            change.event_rate_per_min.map_or(JsValue::NULL, int),
            JsValue::from_bool(change.monthly_event_quota.is_some()),
            change.monthly_event_quota.flatten().map_or(JsValue::NULL, int),
        ])?
        .run()
        .await?;
    changed_one(&result)
}

/// Events of the project stored for a month (`2026-11`), as D1 has them.
pub async fn month_usage(db: &D1Database, project_id: &str, month: &str) -> Result<i64> {
    let n: Option<i64> = db
        .prepare("SELECT events FROM project_usage WHERE project_id = ?1 AND month = ?2")
        .bind(&[text(project_id), text(month)])?
        .first_value("events")
        .await?;
    Ok(n.unwrap_or(0))
}

/// A monitor fed by events of its `event_name` (in `state`): its state, as a flush of its
/// pings needs it, and which keys' events it takes.
#[derive(Debug, Clone)]
pub struct FedMonitor {
    pub state: StoredState,
    /// `event_key_ids`; `None`: any key that may feed monitors.
    pub allowed_keys: Option<Vec<String>>,
    pub last_ping_at: Option<i64>,
}

struct FeedColumns {
    event_key_ids: Option<String>,
    last_ping_at: Option<i64>,
}
row_fields!(FeedColumns {
    event_key_ids,
    last_ping_at
});

/// What one flush cost D1.
#[derive(Debug, Default, Clone, Copy)]
pub struct FlushCost {
    pub statements: u64,
    pub rows_written: u64,
}

/// Guard of every write of a flush: it applies only while the flush is not recorded.
const NOT_FLUSHED: &str = "NOT EXISTS (SELECT 1 FROM event_flushes WHERE id = ?3)";

/// Stores a flush's events and applies its increments in one D1 batch (one transaction),
/// then answers which monitors its names feed. Safe to repeat with the same `flush_id` and
/// events: every write applies only while the flush id is not yet recorded, which the same
/// batch records.
pub async fn store_flush(
    db: &D1Database,
    project_id: &str,
    flush_id: &str,
    events_json: &str,
    plan: &FlushPlan,
    routed: &RoutedFlush,
    now: i64,
) -> Result<(Vec<FedMonitor>, FlushCost)> {
    let (p, f) = (text(project_id), text(flush_id));
    let increment = |sql: String, rows: JsValue| -> Result<D1PreparedStatement> {
        db.prepare(sql).bind(&[p.clone(), rows, f.clone()])
    };
    let mut statements = vec![
        increment(
            format!(
                "INSERT INTO events (id, project_id, event_id, kind, name, message, value, ts, client_ts, \
                   received_at, source, document) \
                 SELECT j.value ->> 0, ?1, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, \
                   j.value ->> 5, j.value ->> 6, j.value ->> 7, j.value ->> 8, j.value ->> 9, j.value -> 10 \
                 FROM json_each(?2) AS j WHERE {NOT_FLUSHED}"
            ),
            text(events_json),
        )?,
        increment(
            format!(
                "INSERT INTO event_rollups AS r (project_id, name, kind, bucket, start_ms, count, sum, min, max) \
                 SELECT ?1, j.value ->> 'name', j.value ->> 'kind', j.value ->> 'bucket', j.value ->> 'start_ms', \
                   j.value ->> '$.rollup.count', j.value ->> '$.rollup.sum', j.value ->> '$.rollup.min', \
                   j.value ->> '$.rollup.max' \
                 FROM json_each(?2) AS j WHERE {NOT_FLUSHED} \
                 ON CONFLICT (project_id, name, bucket, start_ms, kind) DO UPDATE SET \
                   count = r.count + excluded.count, sum = r.sum + excluded.sum, \
                   min = CASE WHEN r.min IS NULL THEN excluded.min WHEN excluded.min IS NULL THEN r.min \
                     ELSE MIN(r.min, excluded.min) END, \
                   max = CASE WHEN r.max IS NULL THEN excluded.max WHEN excluded.max IS NULL THEN r.max \
                     ELSE MAX(r.max, excluded.max) END"
            ),
            json_text(&plan.rollups)?,
        )?,
        increment(
            format!(
                "INSERT INTO event_names AS n (project_id, name, count, last_seen) \
                 SELECT ?1, j.value ->> 'name', j.value ->> 'count', j.value ->> 'last_seen' \
                 FROM json_each(?2) AS j WHERE {NOT_FLUSHED} \
                 ON CONFLICT (project_id, name) DO UPDATE SET count = n.count + excluded.count, \
                   last_seen = MAX(n.last_seen, excluded.last_seen)"
            ),
            json_text(&plan.names)?,
        )?,
        increment(
            format!(
                "INSERT INTO project_usage AS u (project_id, month, events) \
                 SELECT ?1, j.value ->> 'month', j.value ->> 'events' FROM json_each(?2) AS j WHERE {NOT_FLUSHED} \
                 ON CONFLICT (project_id, month) DO UPDATE SET events = u.events + excluded.events"
            ),
            json_text(&plan.usage)?,
        )?,
    ];
    if !plan.errors.is_empty() {
        statements.push(increment(
            format!(
                "INSERT INTO error_digests AS d (project_id, name, pending, last_message, last_at) \
                 SELECT ?1, j.value ->> 'name', j.value ->> 'count', j.value ->> 'message', j.value ->> 'last_at' \
                 FROM json_each(?2) AS j WHERE {NOT_FLUSHED} \
                 ON CONFLICT (project_id, name) DO UPDATE SET pending = d.pending + excluded.pending, \
                   last_message = CASE WHEN excluded.last_message IS NOT NULL \
                     AND excluded.last_at >= COALESCE(d.last_at, excluded.last_at) \
                     THEN excluded.last_message ELSE d.last_message END, \
                   last_at = MAX(COALESCE(d.last_at, excluded.last_at), excluded.last_at)"
            ),
            json_text(&plan.errors)?,
        )?);
    }
    // The project's event routes: digests counted and immediate alerts queued, in the same
    // transaction as the events (so once, whatever the flush's retries).
    statements.extend(flush_statements(db, project_id, flush_id, routed, now)?);
    statements.push(
        db.prepare("INSERT OR IGNORE INTO event_flushes (id, at) VALUES (?1, ?2)")
            .bind(&[f.clone(), int(now)])?,
    );
    if !plan.errors.is_empty() {
        // The first error of a quiet name is told now, not at the next cron run.
        statements.extend(queue_error_digests(db, Some(project_id), now)?);
    }
    if !routed.digests.is_empty() {
        statements.extend(queue_routed_digests(db, Some(project_id), now)?);
    }
    let names: Vec<&str> = plan.names.iter().map(|n| n.name.as_str()).collect();
    statements.push(
        db.prepare(format!(
            "SELECT {STATE_COLUMNS}, event_key_ids, last_ping_at FROM monitors \
             WHERE project_id = ?1 AND event_name IN (SELECT value FROM json_each(?2))"
        ))
        .bind(&[p.clone(), json_text(&names)?])?,
    );
    let count = statements.len() as u64;
    let results = db.batch(statements).await?;
    let mut cost = FlushCost {
        statements: count,
        rows_written: 0,
    };
    for meta in results.iter().filter_map(|r| r.meta().ok().flatten()) {
        cost.rows_written += meta.rows_written.unwrap_or(0) as u64;
    }
    let fed = match results.last() {
        Some(rows) => rows
            .rows::<StoredState>()?
            .into_iter()
            .zip(rows.rows::<FeedColumns>()?)
            .map(|(state, feed)| FedMonitor {
                state,
                allowed_keys: feed.event_key_ids.as_deref().and_then(|k| serde_json::from_str(k).ok()),
                last_ping_at: feed.last_ping_at,
            })
            .collect(),
        None => Vec::new(),
    };
    Ok((fed, cost))
}

/// Statements queueing one `error_digest` delivery per channel for every error name with
/// errors waiting whose last digest is at least the window old (of one project, or all),
/// and starting each such name's next window. Both read the same rows in one batch.
pub fn queue_error_digests(db: &D1Database, project_id: Option<&str>, now: i64) -> Result<Vec<D1PreparedStatement>> {
    let due = "d.pending > 0 AND (d.notified_at IS NULL OR d.notified_at <= ?2) AND (?1 IS NULL OR d.project_id = ?1)";
    let args = [opt_text(project_id), int(now - ERROR_DIGEST_WINDOW_MS), int(now)];
    Ok(vec![
        db.prepare(format!(
            "INSERT INTO deliveries (channel_id, event, payload, next_attempt_at, created_at) \
             SELECT c.id, 'error_digest', json_object('event', 'error_digest', \
               'project', json_object('id', d.project_id), \
               'error', json_object('name', d.name, 'count', d.pending, 'message', d.last_message, \
                 'last_at', strftime('%Y-%m-%dT%H:%M:%fZ', d.last_at / 1000.0, 'unixepoch')), \
               'window_minutes', {}), ?3, ?3 \
             FROM error_digests d JOIN channels c ON c.project_id = d.project_id AND c.notify_errors = 1 WHERE {due}",
            ERROR_DIGEST_WINDOW_MS / 60_000
        ))
        .bind(&args)?,
        db.prepare(format!(
            "UPDATE error_digests AS d SET pending = 0, notified_at = ?3 WHERE {due}"
        ))
        .bind(&args)?,
    ])
}

/// Rows deleted per statement, and statements per cron run: 20,000 events a minute at most,
/// each chunk an indexed range read of exactly what it deletes.
const PRUNE_CHUNK: i64 = 1_000;
const PRUNE_CHUNKS: usize = 20;

fn retention_days(env: &Env) -> i64 {
    vars::integer(env, "EVENT_RETENTION_DAYS").unwrap_or(DEFAULT_RETENTION_DAYS)
}

#[derive(Debug, Default, Clone, Copy)]
pub struct MaintenanceReport {
    pub pruned: u64,
    pub digests_queued: u64,
}

/// The cron's share of events: queue the error digests whose window has passed, and prune
/// events that arrived before the retention period (rollups, names and usage are kept).
pub async fn maintain_events(env: &Env, at: i64) -> Result<MaintenanceReport> {
    let db = database(env)?;
    let mut report = MaintenanceReport::default();
    let mut digests = queue_error_digests(&db, None, at)?;
    digests.extend(queue_routed_digests(&db, None, at)?);
    let results = db.batch(digests).await?;
    // The inserts are the first statement of each pair.
    report.digests_queued = results
        .iter()
        .step_by(2)
        .filter_map(|r| r.meta().ok().flatten())
        .filter_map(|m| m.changes)
        .sum::<usize>() as u64;
    let cutoff = retention_cutoff(at, retention_days(env));
    for _ in 0..PRUNE_CHUNKS {
        let result = db
            .prepare(
                "DELETE FROM events WHERE rowid IN \
                 (SELECT rowid FROM events WHERE received_at < ?1 ORDER BY received_at LIMIT ?2)",
            )
            .bind(&[int(cutoff), int(PRUNE_CHUNK)])?
            .run()
            .await?;
        let deleted = result.meta()?.and_then(|m| m.changes).unwrap_or(0) as u64;
        report.pruned += deleted;
        if deleted < PRUNE_CHUNK as u64 {
            break;
        }
    }
    // A flush is repeated within minutes of its first try, never after the retention period.
    db.prepare("DELETE FROM event_flushes WHERE at < ?1")
        .bind(&[int(cutoff)])?
        .run()
        .await?;
    Ok(report)
}

/// An event as the listing shows it.
#[derive(Debug)]
pub struct StoredEvent {
    pub id: String,
    pub event_id: Option<String>,
    pub kind: String,
    pub name: String,
    pub message: Option<String>,
    pub value: Option<f64>,
    pub ts: i64,
    pub client_ts: Option<i64>,
    pub received_at: i64,
    pub source: String,
    pub document: String,
}
row_fields!(StoredEvent {
    id,
    event_id,
    kind,
    name,
    message,
    value,
    ts,
    client_ts,
    received_at,
    source,
    document
});

/// One page of the project's events, newest first by (ts, id), one more than `limit` when
/// there is a next page. Each filter combination reads one index in order.
pub async fn list_events(db: &D1Database, project_id: &str, query: &EventQuery) -> Result<Vec<StoredEvent>> {
    let mut sql = String::from(
        "SELECT id, event_id, kind, name, message, value, ts, client_ts, received_at, source, document \
         FROM events WHERE project_id = ?1",
    );
    let mut args = vec![text(project_id)];
    let mut arg = |value: JsValue| {
        args.push(value);
        format!("?{}", args.len())
    };
    if let Some(kind) = query.kind {
        sql += &format!(" AND kind = {}", arg(text(kind.as_str())));
    }
    if let Some(name) = &query.name {
        sql += &format!(" AND name = {}", arg(text(name)));
    }
    if let Some(since) = query.since_ms {
        sql += &format!(" AND ts >= {}", arg(int(since)));
    }
    if let Some(until) = query.until_ms {
        sql += &format!(" AND ts < {}", arg(int(until)));
    }
    if let Some(after) = &query.after {
        let (ts, id) = (arg(int(after.ts_ms)), arg(text(&after.id)));
        sql += &format!(" AND (ts, id) < ({ts}, {id})");
    }
    sql += &format!(" ORDER BY ts DESC, id DESC LIMIT {}", arg(int(query.limit + 1)));
    db.prepare(sql).bind(&args)?.all().await?.rows()
}

#[derive(Debug)]
pub struct NameRow {
    pub name: String,
    pub count: i64,
    pub last_seen: i64,
}
row_fields!(NameRow { name, count, last_seen });

pub async fn event_names(db: &D1Database, project_id: &str, limit: i64) -> Result<Vec<NameRow>> {
    db.prepare(
        "SELECT name, count, last_seen FROM event_names WHERE project_id = ?1 ORDER BY last_seen DESC, name LIMIT ?2",
    )
    .bind(&[text(project_id), int(limit)])?
    .all()
    .await?
    .rows()
}

#[derive(Debug)]
pub struct RollupBucket {
    pub start_ms: i64,
    pub count: i64,
    pub sum: f64,
    pub min: Option<f64>,
    pub max: Option<f64>,
}
row_fields!(RollupBucket {
    start_ms,
    count,
    sum,
    min,
    max
});

/// The maintained rollups of one name in a range (both kinds together), oldest first; buckets
/// without events are absent.
pub async fn rollup_buckets(
    db: &D1Database,
    project_id: &str,
    name: &str,
    range: &RollupRange,
) -> Result<Vec<RollupBucket>> {
    db.prepare(
        "SELECT start_ms, SUM(count) AS count, TOTAL(sum) AS sum, MIN(min) AS min, MAX(max) AS max \
         FROM event_rollups WHERE project_id = ?1 AND name = ?2 AND bucket = ?3 AND start_ms >= ?4 AND start_ms < ?5 \
         GROUP BY start_ms ORDER BY start_ms",
    )
    .bind(&[
        text(project_id),
        text(name),
        text(range.bucket.as_str()),
        int(range.from_ms),
        int(range.to_ms),
    ])?
    .all()
    .await?
    .rows()
}
