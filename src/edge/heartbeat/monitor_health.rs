//! What badges and metrics read of a project's monitors: one query each, scoped by project
//! (monitors_by_project), so another project's monitors are never among them.

use worker::{D1Database, Result};

use crate::core::heartbeat::badge::BadgeMonitor;
use crate::core::heartbeat::health::Health;
use crate::core::heartbeat::status::Status;
use crate::core::http_contract::prometheus::MonitorMetrics;
use crate::edge::db::text;
use crate::edge::row_fields::row_fields;
use crate::edge::rows::Rows;

#[derive(Debug)]
struct HealthRow {
    unique_key: String,
    ping_token: String,
    name: String,
    slug: Option<String>,
    /// JSON array.
    tags: String,
    status: String,
    enabled: i64,
    paused: i64,
    last_ping_at: Option<i64>,
    n_pings: i64,
    flips: i64,
}
row_fields!(HealthRow {
    unique_key,
    ping_token,
    name,
    slug,
    tags,
    status,
    enabled,
    paused,
    last_ping_at,
    n_pings,
    flips
});

impl HealthRow {
    fn health(&self) -> Health {
        Status::parse(&self.status).map_or(Health::Unknown, |s| Health::of(s, self.enabled != 0, self.paused != 0))
    }

    fn tags(&self) -> Vec<String> {
        serde_json::from_str(&self.tags).unwrap_or_default()
    }
}

/// The project's monitors whose slug or one of whose tags is `selector`.
pub async fn badge_monitors(db: &D1Database, project_id: &str, selector: &str) -> Result<Vec<BadgeMonitor>> {
    let rows: Vec<HealthRow> = db
        .prepare(
            "SELECT unique_key, '' AS ping_token, name, slug, tags, status, enabled, paused, last_ping_at, n_pings, 0 AS flips FROM monitors \
             WHERE project_id = ?1 AND (slug = ?2 OR EXISTS (SELECT 1 FROM json_each(monitors.tags) WHERE value = ?2))",
        )
        .bind(&[text(project_id), text(selector)])?
        .all()
        .await?
        .rows()?;
    Ok(rows
        .iter()
        .map(|r| BadgeMonitor {
            slug: r.slug.clone(),
            tags: r.tags(),
            health: r.health(),
        })
        .collect())
}

/// Every monitor of the project, oldest first, with its flip count (flips_by_monitor), and
/// the monitors' ping tokens (whose objects a read asks to flush first).
pub async fn monitor_metrics(db: &D1Database, project_id: &str) -> Result<(Vec<MonitorMetrics>, Vec<String>)> {
    let rows: Vec<HealthRow> = db
        .prepare(
            "SELECT m.unique_key, m.ping_token, m.name, m.slug, m.tags, m.status, m.enabled, m.paused, m.last_ping_at, m.n_pings, \
             (SELECT COUNT(*) FROM flips f WHERE f.monitor_id = m.id) AS flips \
             FROM monitors m WHERE m.project_id = ?1 ORDER BY m.created_at, m.id",
        )
        .bind(&[text(project_id)])?
        .all()
        .await?
        .rows()?;
    let metrics = rows
        .iter()
        .map(|r| MonitorMetrics {
            unique_key: r.unique_key.clone(),
            name: r.name.clone(),
            tags: r.tags(),
            health: r.health(),
            last_ping_at: r.last_ping_at,
            pings: r.n_pings,
            flips: r.flips,
        })
        .collect();
    Ok((metrics, rows.into_iter().map(|r| r.ping_token).collect()))
}
