//! The every-minute Cron Trigger: moves the status of monitors whose check time has come
//! (one indexed range read), records each flip once, and never calls a monitor down while
//! its token's object still holds pings that D1 has not seen.

use futures_util::future::join_all;
use worker::{D1Database, D1PreparedStatement, Env, Result};

use crate::core::heartbeat::dependencies::parents_first;
use crate::core::heartbeat::status::Status;
use crate::edge::alerting::outbox::release_after_maintenance;
use crate::edge::db::{database, int, now_ms, text};
use crate::edge::events::project_ingest::client::hurry_pending_events;
use crate::edge::heartbeat::monitor_state::{StoredState, STATE_COLUMNS};
use crate::edge::heartbeat::monitors::write_state;
use crate::edge::heartbeat::ping_token::client::hurry_pending_pings;
use crate::edge::heartbeat::zone::{intl_zone, IntlZone};

const PAGE: usize = 200;
/// Pages per invocation (20,000 monitors, ~500 D1 calls): keeps one cron invocation inside the
/// Workers Paid limit of 1,000 D1 queries; the rest stay due for the next minute.
const MAX_PAGES: usize = 100;
/// Monitors written per D1 batch.
const WRITE_CHUNK: usize = 50;

#[derive(Debug, Default, Clone, Copy)]
pub struct SweepReport {
    pub due: i64,
    pub flips: i64,
    pub deferred: i64,
    pub rows_read: i64,
    pub rows_written: i64,
}

/// Runs one batch of state writes (if any), adding D1's row counts to the report.
async fn write_batch(db: &D1Database, statements: Vec<D1PreparedStatement>, report: &mut SweepReport) -> Result<()> {
    if statements.is_empty() {
        return Ok(());
    }
    for meta in db
        .batch(statements)
        .await?
        .iter()
        .filter_map(|r| r.meta().ok().flatten())
    {
        report.rows_read += meta.rows_read.unwrap_or(0) as i64;
        report.rows_written += meta.rows_written.unwrap_or(0) as i64;
    }
    Ok(())
}

async fn due_page(db: &D1Database, at: i64, after: &(i64, String)) -> Result<(Vec<StoredState>, i64)> {
    let result = db
        .prepare(format!(
            "SELECT {STATE_COLUMNS} FROM monitors \
             WHERE check_at <= ?1 AND paused = 0 AND enabled = 1 AND (check_at, id) > (?2, ?3) \
             ORDER BY check_at, id LIMIT ?4"
        ))
        .bind(&[int(at), int(after.0), text(&after.1), int(PAGE as i64)])?
        .all()
        .await?;
    let read = result.meta()?.and_then(|m| m.rows_read).unwrap_or(0) as i64;
    Ok((result.results()?, read))
}

/// Evaluates every monitor due by `at` (the trigger's scheduled time).
pub async fn sweep(env: &Env, at: i64) -> Result<SweepReport> {
    let db = database(env)?;
    let mut report = SweepReport::default();
    let mut after = (i64::MIN, String::new());
    for _ in 0..MAX_PAGES {
        let (page, read) = due_page(&db, at, &after).await?;
        report.rows_read += read;
        report.due += page.len() as i64;
        // Parents first: a child that goes down with its parent finds it down, and is held.
        let parents: Vec<Vec<String>> = page.iter().map(StoredState::parents).collect();
        let listed: Vec<(&str, &[String])> = page
            .iter()
            .zip(&parents)
            .map(|(s, p)| (s.id.as_str(), p.as_slice()))
            .collect();
        let moves: Vec<_> = parents_first(&listed)
            .into_iter()
            .map(|i| &page[i])
            .map(|stored| {
                let mut state = stored.state();
                let (schedule, zone) = (stored.due_rule(), IntlZone::new(&stored.tz));
                let flips = state.on_clock(at, &stored.rules(&schedule, &zone));
                (stored, state, flips)
            })
            .collect();
        // A ping acknowledged in time may still be on its way to D1 (a busy token's pings wait
        // a few seconds to go as one batch): before calling a monitor down, ask its
        // token's object (the page's at once), however old the deadline, since a flush can be
        // held up for long (D1 failing, the object's isolate reset). Asking also wakes an
        // object whose flush stalled: it re-arms its alarm as it starts.
        let in_flight = join_all(moves.iter().map(|(stored, state, flips)| async move {
            // A failure counted (down, or failing one more time) may be a ping still on its way.
            if (state.status == Status::Down && !flips.is_empty()) || state.failures > stored.state().failures {
                let pings = hurry_pending_pings(env, &stored.ping_token).await?;
                let events = match &stored.event_name {
                    Some(name) => hurry_pending_events(env, &stored.project_id, name).await?,
                    None => 0,
                };
                Ok::<bool, worker::Error>(pings > 0 || events > 0)
            } else {
                Ok(false)
            }
        }))
        .await;
        let mut statements = Vec::new();
        let mut monitors_in_batch = 0;
        for ((stored, state, flips), in_flight) in moves.iter().zip(in_flight) {
            if in_flight? {
                report.deferred += 1;
                continue;
            }
            report.flips += flips.len() as i64;
            let now = now_ms();
            statements.extend(write_state(&db, stored, state, flips, at, now)?);
            // A down that a maintenance window held is told once the maintenance is over.
            let down = state.status == Status::Down;
            if stored
                .holds()
                .releases_maintenance(down, !flips.is_empty(), at, &intl_zone)
            {
                statements.push(release_after_maintenance(&db, &stored.id, now)?);
            }
            monitors_in_batch += 1;
            if monitors_in_batch == WRITE_CHUNK {
                write_batch(&db, std::mem::take(&mut statements), &mut report).await?;
                monitors_in_batch = 0;
            }
        }
        write_batch(&db, statements, &mut report).await?;
        match page.last() {
            Some(last) if page.len() == PAGE => after = (last.check_at.unwrap_or(at), last.id.clone()),
            _ => break,
        }
    }
    Ok(report)
}

pub async fn run_sweep(env: &Env, scheduled_at: i64, started_at: i64) -> Result<SweepReport> {
    let report = sweep(env, scheduled_at).await?;
    database(env)?
        .prepare(
            "INSERT INTO sweep_runs (scheduled_at, started_at, finished_at, due_monitors, flips, deferred, rows_read, rows_written) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
             ON CONFLICT (scheduled_at) DO UPDATE SET finished_at = excluded.finished_at, \
               due_monitors = excluded.due_monitors, flips = sweep_runs.flips + excluded.flips, \
               deferred = excluded.deferred, rows_read = excluded.rows_read, rows_written = excluded.rows_written",
        )
        .bind(&[
            int(scheduled_at),
            int(started_at),
            int(now_ms()),
            int(report.due),
            int(report.flips),
            int(report.deferred),
            int(report.rows_read),
            int(report.rows_written),
        ])?
        .run()
        .await?;
    Ok(report)
}
