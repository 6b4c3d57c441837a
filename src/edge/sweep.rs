//! The every-minute Cron Trigger. For now it records each run and how many monitors were
//! overdue at its scheduled time (found through the next_due_at index); the status machine
//! builds on this.

use worker::{Env, Result};

use super::db::{database, int};

pub async fn run_sweep(env: &Env, scheduled_at: i64, started_at: i64) -> Result<i64> {
    let db = database(env)?;
    let due: i64 = db
        .prepare("SELECT COUNT(*) AS n FROM monitors WHERE next_due_at IS NOT NULL AND next_due_at <= ?1")
        .bind(&[int(scheduled_at)])?
        .first(Some("n"))
        .await?
        .unwrap_or(0);
    db.prepare(
        "INSERT INTO sweep_runs (scheduled_at, started_at, finished_at, due_monitors) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (scheduled_at) DO UPDATE SET finished_at = excluded.finished_at, due_monitors = excluded.due_monitors",
    )
    .bind(&[int(scheduled_at), int(started_at), int(super::db::now_ms()), int(due)])?
    .run()
    .await?;
    Ok(due)
}
