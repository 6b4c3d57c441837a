//! Maintenance windows in D1, and the one writer of their rows: a monitor's own windows and
//! the project's (every monitor, or those with a tag). What applies to each monitor is copied
//! onto its row (`monitors::refresh_maintenance`) by the caller after each change here.

use wasm_bindgen::JsValue;
use worker::{D1Database, Result};

use crate::core::heartbeat::maintenance::Window;
use crate::edge::db::{int, opt_text, text};
use crate::edge::row_fields::row_fields;
use crate::edge::rows::{FirstRow, Rows};

/// The most windows a project keeps that have not ended (recurring ones never end).
pub const MAX_OPEN_WINDOWS: i64 = 100;

const COLUMNS: &str = "w.id, w.monitor_id, m.unique_key AS monitor_unique_key, w.tag, w.starts_at, w.ends_at, \
    w.schedule, w.duration_s, w.tz, w.created_at";

#[derive(Debug, Clone)]
pub struct StoredWindow {
    pub id: String,
    /// `None` for a project-wide window.
    pub monitor_id: Option<String>,
    pub monitor_unique_key: Option<String>,
    pub tag: Option<String>,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub schedule: Option<String>,
    pub duration_s: Option<i64>,
    pub tz: Option<String>,
    pub created_at: i64,
}
row_fields!(StoredWindow {
    id,
    monitor_id,
    monitor_unique_key,
    tag,
    starts_at,
    ends_at,
    schedule,
    duration_s,
    tz,
    created_at
});

impl StoredWindow {
    pub fn window(&self) -> Window {
        match (&self.schedule, self.starts_at, self.ends_at) {
            (None, Some(from), Some(until)) => Window::Once { from, until },
            _ => Window::Recurring {
                schedule: self.schedule.clone().unwrap_or_default(),
                duration_s: self.duration_s.unwrap_or(0),
                tz: self.tz.clone().unwrap_or_else(|| "UTC".into()),
            },
        }
    }
}

/// How many of the project's windows have not ended by `now`.
pub async fn count_open(db: &D1Database, project_id: &str, now: i64) -> Result<i64> {
    let n: Option<i64> = db
        .prepare(
            "SELECT COUNT(*) AS n FROM maintenance_windows WHERE project_id = ?1 AND (ends_at IS NULL OR ends_at > ?2)",
        )
        .bind(&[text(project_id), int(now)])?
        .first_value("n")
        .await?;
    Ok(n.unwrap_or(0))
}

/// Stores a window of one monitor (`monitor_id`) or of the project (then `tag` or every monitor).
pub async fn insert_window(
    db: &D1Database,
    id: &str,
    project_id: &str,
    monitor_id: Option<&str>,
    tag: Option<&str>,
    window: &Window,
    now: i64,
) -> Result<()> {
    let null = || JsValue::NULL;
    let (starts_at, ends_at, schedule, duration_s, tz) = match window {
        Window::Once { from, until } => (int(*from), int(*until), null(), null(), null()),
        Window::Recurring {
            schedule,
            duration_s,
            tz,
        } => (null(), null(), text(schedule), int(*duration_s), text(tz)),
    };
    db.prepare(
        "INSERT INTO maintenance_windows (id, project_id, monitor_id, tag, starts_at, ends_at, schedule, duration_s, tz, \
           created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .bind(&[
        text(id),
        text(project_id),
        opt_text(monitor_id),
        opt_text(tag),
        starts_at,
        ends_at,
        schedule,
        duration_s,
        tz,
        int(now),
    ])?
    .run()
    .await?;
    Ok(())
}

/// The project's window with this id.
pub async fn find_window(db: &D1Database, project_id: &str, id: &str) -> Result<Option<StoredWindow>> {
    db.prepare(format!(
        "SELECT {COLUMNS} FROM maintenance_windows w LEFT JOIN monitors m ON m.id = w.monitor_id \
         WHERE w.id = ?1 AND w.project_id = ?2"
    ))
    .bind(&[text(id), text(project_id)])?
    .first_row()
    .await
}

/// The project's windows, oldest first; with `monitor_id`, those that apply to that monitor
/// (its own, and the project's for every monitor or for one of its tags).
pub async fn list_windows(db: &D1Database, project_id: &str, monitor_id: Option<&str>) -> Result<Vec<StoredWindow>> {
    db.prepare(format!(
        "SELECT {COLUMNS} FROM maintenance_windows w LEFT JOIN monitors m ON m.id = w.monitor_id \
         WHERE w.project_id = ?1 AND (?2 IS NULL OR w.monitor_id = ?2 OR (w.monitor_id IS NULL AND (w.tag IS NULL \
           OR EXISTS (SELECT 1 FROM monitors t, json_each(t.tags) g WHERE t.id = ?2 AND g.value = w.tag)))) \
         ORDER BY w.created_at, w.id LIMIT 500"
    ))
    .bind(&[text(project_id), opt_text(monitor_id)])?
    .all()
    .await?
    .rows()
}

/// Deletes the project's window with this id; false if there is none.
pub async fn delete_window(db: &D1Database, project_id: &str, id: &str) -> Result<bool> {
    let result = db
        .prepare("DELETE FROM maintenance_windows WHERE id = ?1 AND project_id = ?2")
        .bind(&[text(id), text(project_id)])?
        .run()
        .await?;
    crate::edge::db::changed_one(&result)
}
