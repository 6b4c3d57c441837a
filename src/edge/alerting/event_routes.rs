//! Event routes in D1, and the one writer of their tables: a project's rules
//! (`event_routes`), the digests routed events wait in (`routed_digests`), and the daily
//! rollups already queued (`daily_rollup_sends`). What the rules decide is pure
//! (`core::alerting::event_routes`, `core::alerting::daily_rollup`); here it becomes
//! statements, most of them for the batch of the flush that stores the events.

use serde::Serialize;
use worker::{D1Database, D1PreparedStatement, Env, Result};

use crate::core::alerting::daily_rollup::{day_label, days_covered, rollup_messages, DayRow};
use crate::core::alerting::event_routes::{has_daily, EventRoute, RoutedFlush};
use crate::core::events::event_store::ERROR_DIGEST_WINDOW_MS;
use crate::core::events::rollup::{bucket_start, Bucket};
use crate::edge::db::{database, int, opt_text, text};
use crate::edge::row_fields::row_fields;
use crate::edge::rows::{FirstRow, Rows};

/// A project's rules as stored.
#[derive(Debug, Clone)]
pub struct StoredRoutes {
    pub routes: Vec<EventRoute>,
    pub updated_at: i64,
}

struct RoutesRow {
    routes: String,
    updated_at: i64,
}
row_fields!(RoutesRow { routes, updated_at });

/// The project's rules; none when it never set any. Rows this code did not write (or an
/// older shape) read as no rules, never as an error that would stop a flush.
pub async fn load_routes(db: &D1Database, project_id: &str) -> Result<Option<StoredRoutes>> {
    let row: Option<RoutesRow> = db
        .prepare("SELECT routes, updated_at FROM event_routes WHERE project_id = ?1")
        .bind(&[text(project_id)])?
        .first_row()
        .await?;
    Ok(row.map(|r| StoredRoutes {
        routes: serde_json::from_str(&r.routes).unwrap_or_else(|e| {
            worker::console_error!("event routes of {project_id} unreadable: {e}");
            Vec::new()
        }),
        updated_at: r.updated_at,
    }))
}

fn json_text<T: Serialize>(value: &T) -> Result<wasm_bindgen::JsValue> {
    serde_json::to_string(value)
        .map(|s| text(&s))
        .map_err(|e| worker::Error::RustError(e.to_string()))
}

/// Replaces the project's rules. A project's first rules start its daily rollups from today:
/// the first one covers today, sent at tomorrow's first cron run.
pub async fn save_routes(db: &D1Database, project_id: &str, routes: &[EventRoute], now: i64) -> Result<()> {
    db.prepare(
        "INSERT INTO event_routes (project_id, routes, has_daily, rollup_day, updated_at) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (project_id) DO UPDATE SET routes = excluded.routes, has_daily = excluded.has_daily, \
           updated_at = excluded.updated_at",
    )
    .bind(&[
        text(project_id),
        json_text(&routes)?,
        int(i64::from(has_daily(routes))),
        int(bucket_start(now, Bucket::Day)),
        int(now),
    ])?
    .run()
    .await?;
    Ok(())
}

/// Guard of a flush's writes: they apply only while the flush (`?3`) is not recorded.
const NOT_FLUSHED: &str = "NOT EXISTS (SELECT 1 FROM event_flushes WHERE id = ?3)";

/// The statements a flush adds for its routed events (before the flush is recorded, in its
/// batch): digests counted per channel, and immediate alerts queued, each only for channels
/// of the project that still exist.
pub fn flush_statements(
    db: &D1Database,
    project_id: &str,
    flush_id: &str,
    routed: &RoutedFlush,
    now: i64,
) -> Result<Vec<D1PreparedStatement>> {
    let mut statements = Vec::new();
    if !routed.digests.is_empty() {
        statements.push(
            db.prepare(format!(
                "INSERT INTO routed_digests AS d (channel_id, kind, name, project_id, pending, last_message, last_at) \
                 SELECT c.id, j.value ->> 'kind', j.value ->> 'name', ?1, j.value ->> 'count', \
                   j.value ->> 'message', j.value ->> 'last_at' \
                 FROM json_each(?2) AS j JOIN channels c ON c.id = j.value ->> 'channel_id' AND c.project_id = ?1 \
                 WHERE {NOT_FLUSHED} \
                 ON CONFLICT (channel_id, kind, name) DO UPDATE SET pending = d.pending + excluded.pending, \
                   last_message = CASE WHEN excluded.last_message IS NOT NULL \
                     AND excluded.last_at >= COALESCE(d.last_at, excluded.last_at) \
                     THEN excluded.last_message ELSE d.last_message END, \
                   last_at = MAX(COALESCE(d.last_at, excluded.last_at), excluded.last_at)"
            ))
            .bind(&[text(project_id), json_text(&routed.digests)?, text(flush_id)])?,
        );
    }
    if !routed.immediate.is_empty() {
        statements.push(
            db.prepare(format!(
                "INSERT INTO deliveries (channel_id, event, payload, next_attempt_at, created_at) \
                 SELECT c.id, j.value ->> 'event', j.value ->> 'payload', ?4, ?4 \
                 FROM json_each(?2) AS j JOIN channels c ON c.id = j.value ->> 'channel_id' AND c.project_id = ?1 \
                 WHERE {NOT_FLUSHED} ORDER BY j.key"
            ))
            .bind(&[
                text(project_id),
                json_text(&routed.immediate)?,
                text(flush_id),
                int(now),
            ])?,
        );
    }
    Ok(statements)
}

/// Statements queueing one digest delivery for every routed digest with events waiting whose
/// last message is at least the window old (of one project, or all), and starting each such
/// digest's next window: `error_digest` for errors (the payload the default digest sends),
/// `event_digest` for business events. Both read the same rows in one batch.
pub fn queue_routed_digests(db: &D1Database, project_id: Option<&str>, now: i64) -> Result<Vec<D1PreparedStatement>> {
    let due = "d.pending > 0 AND (d.notified_at IS NULL OR d.notified_at <= ?2) AND (?1 IS NULL OR d.project_id = ?1)";
    let args = [opt_text(project_id), int(now - ERROR_DIGEST_WINDOW_MS), int(now)];
    Ok(vec![
        db.prepare(format!(
            "INSERT INTO deliveries (channel_id, event, payload, next_attempt_at, created_at) \
             SELECT c.id, CASE d.kind WHEN 'error' THEN 'error_digest' ELSE 'event_digest' END, \
               json_object('event', CASE d.kind WHEN 'error' THEN 'error_digest' ELSE 'event_digest' END, \
                 'project', json_object('id', d.project_id), \
                 CASE d.kind WHEN 'error' THEN 'error' ELSE 'events' END, \
                 json_object('name', d.name, 'count', d.pending, 'message', d.last_message, \
                   'last_at', strftime('%Y-%m-%dT%H:%M:%fZ', d.last_at / 1000.0, 'unixepoch')), \
                 'window_minutes', {}), ?3, ?3 \
             FROM routed_digests d JOIN channels c ON c.id = d.channel_id AND c.project_id = d.project_id \
             WHERE {due}",
            ERROR_DIGEST_WINDOW_MS / 60_000
        ))
        .bind(&args)?,
        db.prepare(format!(
            "UPDATE routed_digests AS d SET pending = 0, notified_at = ?3 WHERE {due}"
        ))
        .bind(&args)?,
    ])
}

/// Projects whose daily rollup one cron run queues at most (the rest wait a minute).
const ROLLUP_PROJECTS_PER_RUN: i64 = 20;

struct DueProject {
    project_id: String,
    routes: String,
}
row_fields!(DueProject { project_id, routes });

/// The cron's share of daily rollups: for each project with a daily rule whose rollup of the
/// previous UTC day is not queued yet, one message per daily channel (with anything to tell),
/// each at most once per channel and day whatever the cron runs (`daily_rollup_sends`).
/// Answers how many were queued.
pub async fn queue_daily_rollups(env: &Env, at: i64) -> Result<u64> {
    let db = database(env)?;
    let today = bucket_start(at, Bucket::Day);
    let due: Vec<DueProject> = db
        .prepare(
            "SELECT project_id, routes FROM event_routes WHERE has_daily = 1 AND rollup_day < ?1 \
             ORDER BY rollup_day LIMIT ?2",
        )
        .bind(&[int(today), int(ROLLUP_PROJECTS_PER_RUN)])?
        .all()
        .await?
        .rows()?;
    let (day, previous) = days_covered(at);
    let mut queued = 0;
    for project in due {
        let routes: Vec<EventRoute> = serde_json::from_str(&project.routes).unwrap_or_default();
        // Each name seen since the day before, then its two day rows: an index seek per name.
        let rows: Vec<DayRow> = db
            .prepare(
                "SELECT r.name, r.kind, r.start_ms, r.count, r.sum FROM event_names n \
                 JOIN event_rollups r ON r.project_id = n.project_id AND r.name = n.name \
                   AND r.bucket = 'day' AND r.start_ms IN (?2, ?3) \
                 WHERE n.project_id = ?1 AND n.last_seen >= ?3",
            )
            .bind(&[text(&project.project_id), int(day), int(previous)])?
            .all()
            .await?
            .rows()?;
        let label = day_label(day);
        let mut statements = Vec::new();
        for message in rollup_messages(&project.project_id, &routes, &rows, at) {
            let (channel, project_id, day) = (text(&message.channel_id), text(&project.project_id), text(&label));
            // Queued only while this channel's rollup of the day is not: the send is recorded
            // in the same transaction, so a second run (or a concurrent one) queues nothing.
            statements.push(
                db.prepare(
                    "INSERT INTO deliveries (channel_id, event, payload, next_attempt_at, created_at) \
                     SELECT c.id, 'daily_rollup', ?5, ?4, ?4 FROM channels c WHERE c.id = ?1 AND c.project_id = ?2 \
                       AND NOT EXISTS (SELECT 1 FROM daily_rollup_sends s WHERE s.channel_id = ?1 AND s.day = ?3)",
                )
                .bind(&[
                    channel.clone(),
                    project_id.clone(),
                    day.clone(),
                    int(at),
                    json_text(&message.payload)?,
                ])?,
            );
            statements.push(
                db.prepare(
                    "INSERT OR IGNORE INTO daily_rollup_sends (channel_id, day, at) \
                     SELECT c.id, ?3, ?4 FROM channels c WHERE c.id = ?1 AND c.project_id = ?2",
                )
                .bind(&[channel, project_id, day, int(at)])?,
            );
        }
        statements.push(
            db.prepare("UPDATE event_routes SET rollup_day = MAX(rollup_day, ?2) WHERE project_id = ?1")
                .bind(&[text(&project.project_id), int(today)])?,
        );
        let results = db.batch(statements).await?;
        queued += results
            .iter()
            .step_by(2)
            .take(results.len() / 2)
            .filter_map(|r| r.meta().ok().flatten())
            .filter_map(|m| m.changes)
            .sum::<usize>() as u64;
    }
    Ok(queued)
}

row_fields!(crate::core::alerting::daily_rollup::DayRow {
    name,
    kind,
    start_ms,
    count,
    sum
});
