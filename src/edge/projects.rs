//! Projects: the tenants that own keys and monitors.

use serde::{Deserialize, Serialize};
use worker::{D1Database, Result};

use super::db::{int, text};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub status: String,
    pub created_at: i64,
}

pub async fn create_project(db: &D1Database, id: &str, name: &str, now: i64) -> Result<Project> {
    db.prepare("INSERT INTO projects (id, name, status, created_at) VALUES (?1, ?2, 'active', ?3)")
        .bind(&[text(id), text(name), int(now)])?
        .run()
        .await?;
    Ok(Project {
        id: id.into(),
        name: name.into(),
        status: "active".into(),
        created_at: now,
    })
}

pub async fn project_exists(db: &D1Database, id: &str) -> Result<bool> {
    let found: Option<i64> = db
        .prepare("SELECT 1 AS found FROM projects WHERE id = ?1")
        .bind(&[text(id)])?
        .first(Some("found"))
        .await?;
    Ok(found.is_some())
}
