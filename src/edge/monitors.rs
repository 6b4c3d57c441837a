//! Monitors in D1. Every query is scoped by project, so one project's key never reaches
//! another project's monitors.

use serde::Deserialize;
use worker::{D1Database, Result};

use super::db::{int, text};
use crate::core::monitor::NewMonitor;

const COLUMNS: &str = "id, name, ping_token, methods, interval_s, grace_s, enabled, paused, status, \
    last_ping_at, next_due_at, n_pings, last_value, created_at, updated_at";

#[derive(Debug, Clone, Deserialize)]
pub struct Monitor {
    pub id: String,
    pub name: String,
    pub ping_token: String,
    /// JSON array.
    pub methods: String,
    pub interval_s: i64,
    pub grace_s: i64,
    pub enabled: i64,
    pub paused: i64,
    pub status: String,
    pub last_ping_at: Option<i64>,
    pub next_due_at: Option<i64>,
    pub n_pings: i64,
    pub last_value: Option<f64>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub async fn insert_monitor(
    db: &D1Database,
    id: &str,
    project_id: &str,
    token: &str,
    new: &NewMonitor,
    now: i64,
) -> Result<()> {
    db.prepare(
        "INSERT INTO monitors (id, project_id, name, ping_token, interval_s, grace_s, enabled, methods, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9, ?8, ?8)",
    )
    .bind(&[
        text(id),
        text(project_id),
        text(&new.name),
        text(token),
        int(new.interval_s),
        int(new.grace_s),
        int(i64::from(new.enabled)),
        int(now),
        text(&serde_json::to_string(&new.methods).unwrap_or_default()),
    ])?
    .run()
    .await?;
    Ok(())
}

pub async fn find_monitor(db: &D1Database, project_id: &str, id: &str) -> Result<Option<Monitor>> {
    db.prepare(format!(
        "SELECT {COLUMNS} FROM monitors WHERE id = ?1 AND project_id = ?2"
    ))
    .bind(&[text(id), text(project_id)])?
    .first(None)
    .await
}

/// One page of a project's monitors, oldest first, and the project's total.
pub async fn list_monitors(db: &D1Database, project_id: &str, limit: i64, offset: i64) -> Result<(Vec<Monitor>, i64)> {
    let page = db
        .prepare(format!(
            "SELECT {COLUMNS} FROM monitors WHERE project_id = ?1 ORDER BY created_at, id LIMIT ?2 OFFSET ?3"
        ))
        .bind(&[text(project_id), int(limit), int(offset)])?;
    let total = db
        .prepare("SELECT COUNT(*) AS n FROM monitors WHERE project_id = ?1")
        .bind(&[text(project_id)])?;
    let results = db.batch(vec![page, total]).await?;
    let monitors = results[0].results::<Monitor>()?;
    #[derive(Deserialize)]
    struct Count {
        n: i64,
    }
    let total = results[1].results::<Count>()?.first().map_or(0, |c| c.n);
    Ok((monitors, total))
}

/// Deletes a monitor (its pings go with it) and returns its ping token, if it existed.
pub async fn delete_monitor(db: &D1Database, project_id: &str, id: &str) -> Result<Option<String>> {
    #[derive(Deserialize)]
    struct Deleted {
        ping_token: String,
    }
    let deleted: Option<Deleted> = db
        .prepare("DELETE FROM monitors WHERE id = ?1 AND project_id = ?2 RETURNING ping_token")
        .bind(&[text(id), text(project_id)])?
        .first(None)
        .await?;
    Ok(deleted.map(|d| d.ping_token))
}

/// Replaces the ping token if it is still `old_token`; false when someone else rotated first.
pub async fn replace_token(db: &D1Database, id: &str, old_token: &str, new_token: &str, now: i64) -> Result<bool> {
    let result = db
        .prepare("UPDATE monitors SET ping_token = ?3, updated_at = ?4 WHERE id = ?1 AND ping_token = ?2")
        .bind(&[text(id), text(old_token), text(new_token), int(now)])?
        .run()
        .await?;
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0) == 1)
}

/// The ping token of a project's system monitor, created with a 10-minute interval on the
/// system's first heartbeat. Concurrent first heartbeats create one monitor (unique index).
pub async fn system_monitor_token(db: &D1Database, project_id: &str, system_id: &str, now: i64) -> Result<String> {
    let create = db
        .prepare(
            "INSERT INTO monitors (id, project_id, name, ping_token, interval_s, grace_s, system_id, created_at, updated_at) \
             VALUES (?1, ?2, 'system ' || ?3, ?4, 600, 60, ?3, ?5, ?5) \
             ON CONFLICT (project_id, system_id) WHERE system_id IS NOT NULL DO NOTHING",
        )
        .bind(&[text(&super::random::uuid()), text(project_id), text(system_id), text(&super::random::ping_token()), int(now)])?;
    let find = db
        .prepare("SELECT ping_token FROM monitors WHERE project_id = ?1 AND system_id = ?2")
        .bind(&[text(project_id), text(system_id)])?;
    let results = db.batch(vec![create, find]).await?;
    #[derive(Deserialize)]
    struct Row {
        ping_token: String,
    }
    results[1]
        .results::<Row>()?
        .pop()
        .map(|r| r.ping_token)
        .ok_or_else(|| worker::Error::RustError("system monitor missing after upsert".into()))
}

/// What a token's object needs to know about its monitor.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenOwner {
    pub id: String,
    /// JSON array of the methods the heartbeat ping route accepts.
    pub methods: String,
}

/// The monitor a ping token belongs to (unique index on ping_token).
pub async fn monitor_for_token(db: &D1Database, token: &str) -> Result<Option<TokenOwner>> {
    db.prepare("SELECT id, methods FROM monitors WHERE ping_token = ?1")
        .bind(&[text(token)])?
        .first(None)
        .await
}
