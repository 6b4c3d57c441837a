//! Projects: the tenants that own keys and monitors.

use serde::{Deserialize, Serialize};
use worker::{D1Database, Result};

use crate::edge::db::{int, text};
use crate::edge::row_fields::row_fields;
use crate::edge::rows::FirstRow;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub status: String,
    pub ping_key: String,
    pub badge_key: String,
    pub created_at: i64,
}

pub async fn create_project(db: &D1Database, id: &str, name: &str, now: i64) -> Result<Project> {
    let ping_key = crate::edge::random::ping_key();
    let badge_key = crate::edge::random::badge_key();
    db.prepare(
        "INSERT INTO projects (id, name, status, created_at, ping_key, badge_key) VALUES (?1, ?2, 'active', ?3, ?4, ?5)",
    )
    .bind(&[text(id), text(name), int(now), text(&ping_key), text(&badge_key)])?
        .run()
        .await?;
    Ok(Project {
        id: id.into(),
        name: name.into(),
        status: "active".into(),
        ping_key,
        badge_key,
        created_at: now,
    })
}

pub async fn project_exists(db: &D1Database, id: &str) -> Result<bool> {
    let found: Option<i64> = db
        .prepare("SELECT 1 AS found FROM projects WHERE id = ?1")
        .bind(&[text(id)])?
        .first_value("found")
        .await?;
    Ok(found.is_some())
}

/// Whether the project's monitors can be pinged by their id (the heartbeat API), `None` if no project.
pub async fn ping_by_id(db: &D1Database, project_id: &str) -> Result<Option<bool>> {
    let on: Option<i64> = db
        .prepare("SELECT ping_by_id FROM projects WHERE id = ?1")
        .bind(&[text(project_id)])?
        .first_value("ping_by_id")
        .await?;
    Ok(on.map(|v| v != 0))
}

pub async fn set_ping_by_id(db: &D1Database, project_id: &str, on: bool) -> Result<()> {
    db.prepare("UPDATE projects SET ping_by_id = ?2 WHERE id = ?1")
        .bind(&[text(project_id), int(on as i64)])?
        .run()
        .await?;
    Ok(())
}

/// Replaces the project's ping key; the old one stops working at once.
pub async fn rotate_ping_key(db: &D1Database, project_id: &str) -> Result<Option<String>> {
    db.prepare("UPDATE projects SET ping_key = ?2 WHERE id = ?1 RETURNING ping_key")
        .bind(&[text(project_id), text(&crate::edge::random::ping_key())])?
        .first_value("ping_key")
        .await
}

/// The project's ping key and badge key, each created on first use for projects made before
/// it existed: one statement for both.
pub async fn public_keys(db: &D1Database, project_id: &str) -> Result<Option<PublicKeys>> {
    db.prepare(
        "UPDATE projects SET ping_key = COALESCE(ping_key, ?2), badge_key = COALESCE(badge_key, ?3) \
         WHERE id = ?1 RETURNING ping_key, badge_key",
    )
    .bind(&[
        text(project_id),
        text(&crate::edge::random::ping_key()),
        text(&crate::edge::random::badge_key()),
    ])?
    .first_row()
    .await
}

#[derive(Debug)]
pub struct PublicKeys {
    pub ping_key: String,
    pub badge_key: String,
}
row_fields!(PublicKeys { ping_key, badge_key });

/// Replaces the project's badge key; badges with the old one stop at once.
pub async fn rotate_badge_key(db: &D1Database, project_id: &str) -> Result<Option<String>> {
    db.prepare("UPDATE projects SET badge_key = ?2 WHERE id = ?1 RETURNING badge_key")
        .bind(&[text(project_id), text(&crate::edge::random::badge_key())])?
        .first_value("badge_key")
        .await
}

/// The active project a badge key names (projects_by_badge_key).
pub async fn project_for_badge_key(db: &D1Database, badge_key: &str) -> Result<Option<String>> {
    db.prepare("SELECT id FROM projects WHERE badge_key = ?1 AND status = 'active'")
        .bind(&[text(badge_key)])?
        .first_value("id")
        .await
}

/// The active project a ping key names.
pub async fn project_for_ping_key(db: &D1Database, ping_key: &str) -> Result<Option<String>> {
    db.prepare("SELECT id FROM projects WHERE ping_key = ?1 AND status = 'active'")
        .bind(&[text(ping_key)])?
        .first_value("id")
        .await
}
