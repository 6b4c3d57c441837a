//! Notification channels (signed webhooks) of a project, in D1. Their deliveries are the
//! outbox's (`outbox.rs`).

use serde::Deserialize;
use worker::{D1Database, Result};

use crate::edge::db::{changed_one, int, text};

#[derive(Debug, Clone, Deserialize)]
pub struct Channel {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub url: String,
    pub created_at: i64,
}

pub async fn insert_channel(
    db: &D1Database,
    id: &str,
    project_id: &str,
    name: &str,
    url: &str,
    secret: &str,
    now: i64,
) -> Result<()> {
    db.prepare(
        "INSERT INTO channels (id, project_id, kind, name, url, secret, created_at) VALUES (?1, ?2, 'webhook', ?3, ?4, ?5, ?6)",
    )
    .bind(&[text(id), text(project_id), text(name), text(url), text(secret), int(now)])?
    .run()
    .await?;
    Ok(())
}

pub async fn list_channels(db: &D1Database, project_id: &str) -> Result<Vec<Channel>> {
    db.prepare("SELECT id, kind, name, url, created_at FROM channels WHERE project_id = ?1 ORDER BY created_at, id")
        .bind(&[text(project_id)])?
        .all()
        .await?
        .results()
}

pub async fn find_channel(db: &D1Database, project_id: &str, id: &str) -> Result<Option<Channel>> {
    db.prepare("SELECT id, kind, name, url, created_at FROM channels WHERE id = ?1 AND project_id = ?2")
        .bind(&[text(id), text(project_id)])?
        .first(None)
        .await
}

pub async fn delete_channel(db: &D1Database, project_id: &str, id: &str) -> Result<bool> {
    let result = db
        .prepare("DELETE FROM channels WHERE id = ?1 AND project_id = ?2")
        .bind(&[text(id), text(project_id)])?
        .run()
        .await?;
    changed_one(&result)
}

/// How many of `ids` are channels of the project.
pub async fn count_own_channels(db: &D1Database, project_id: &str, ids: &[String]) -> Result<usize> {
    let n: Option<i64> = db
        .prepare("SELECT COUNT(*) AS n FROM channels WHERE project_id = ?1 AND id IN (SELECT value FROM json_each(?2))")
        .bind(&[text(project_id), text(&serde_json::to_string(ids).unwrap_or_default())])?
        .first(Some("n"))
        .await?;
    Ok(n.unwrap_or(0) as usize)
}
