//! Bounded ping history, run by the Cron Trigger: per monitor the last `PING_LOG_LIMIT` pings
//! (default 1,000; 0 keeps all), and none older than `PING_RETENTION_DAYS` days when that var
//! is set. Before pings go, what they said is added to their monitor's hourly figures
//! (`ping_hours`), which statistics read for pruned hours; flips are never pruned.
//!
//! The cost follows what is pruned: a flush marks a monitor that went over its limit
//! (`prune_due`, a partial index), this reads only marked monitors, and age pruning walks the
//! table from its oldest rows (rowid order) and stops at the first chunk with nothing to prune.

use crate::edge::vars;
use worker::{D1Database, Env, Result};

use crate::edge::cost_meter;
use crate::edge::db::{changed_rows, database, int, text};
use crate::edge::heartbeat::monitors::{count_pruned, marked_for_pruning, unmark_pruned};
use crate::edge::heartbeat::pings::delete_pings;

/// Stored pings kept per monitor unless the var PING_LOG_LIMIT says otherwise (0: no limit).
const DEFAULT_PING_LOG_LIMIT: i64 = 1_000;
/// Monitors pruned by count per cron run.
const MONITORS_PER_RUN: i64 = 200;
/// Pings looked at per statement when pruning by age; at most this many chunks per run.
const AGE_CHUNK: i64 = 500;
const AGE_CHUNKS_PER_RUN: usize = 20;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Default)]
pub struct PruneReport {
    pub monitors: usize,
    pub pruned: usize,
}

/// The configured log limit; `None` when pruning by count is off.
pub fn log_limit(env: &Env) -> Option<i64> {
    match vars::integer(env, "PING_LOG_LIMIT").unwrap_or(DEFAULT_PING_LOG_LIMIT) {
        limit if limit > 0 => Some(limit),
        _ => None,
    }
}

pub async fn prune_pings(env: &Env, now: i64) -> Result<PruneReport> {
    let db = database(env)?;
    let mut report = PruneReport::default();
    if let Some(limit) = log_limit(env) {
        prune_over_limit(&db, limit, &mut report).await?;
    }
    if let Some(days) = vars::integer(env, "PING_RETENTION_DAYS").filter(|d| *d > 0) {
        prune_older_than(&db, now - days * DAY_MS, &mut report).await?;
    }
    Ok(report)
}

/// Adds the pings `selected` (a subquery of ping rowids) to their monitors' hourly figures.
fn rollup_sql(selected: &str) -> String {
    format!(
        "INSERT INTO ping_hours (monitor_id, hour, pings, check_ins, fails, durations, duration_ms_sum, duration_ms_max) \
         SELECT monitor_id, (received_at / {HOUR_MS}) * {HOUR_MS} AS hour, COUNT(*), \
           SUM(kind IN ('tick', 'success', 'fail')), SUM(kind = 'fail'), COUNT(duration_ms), \
           COALESCE(SUM(duration_ms), 0), COALESCE(MAX(duration_ms), 0) \
         FROM pings WHERE rowid IN ({selected}) GROUP BY monitor_id, hour \
         ON CONFLICT (monitor_id, hour) DO UPDATE SET pings = pings + excluded.pings, \
           check_ins = check_ins + excluded.check_ins, fails = fails + excluded.fails, \
           durations = durations + excluded.durations, \
           duration_ms_sum = duration_ms_sum + excluded.duration_ms_sum, \
           duration_ms_max = MAX(duration_ms_max, excluded.duration_ms_max)"
    )
}

/// Each marked monitor down to its newest `limit` pings: roll up, delete, count, unmark, in
/// one transaction per page of monitors.
async fn prune_over_limit(db: &D1Database, limit: i64, report: &mut PruneReport) -> Result<()> {
    let marked = marked_for_pruning(db, MONITORS_PER_RUN).await?;
    cost_meter::d1_statements(1);
    if marked.is_empty() {
        return Ok(());
    }
    // The oldest `excess` pings of the monitor (its index, oldest first).
    let oldest = "SELECT rowid FROM pings WHERE monitor_id = ?1 ORDER BY received_at, id LIMIT ?2";
    let mut statements = Vec::new();
    for m in &marked {
        let excess = (m.kept - limit).max(0);
        let bind = [text(&m.id), int(excess)];
        statements.push(db.prepare(rollup_sql(oldest)).bind(&bind)?);
        statements.push(delete_pings(db, oldest, &bind)?);
        statements.push(unmark_pruned(db, &m.id)?);
    }
    let results = db.batch(statements).await?;
    cost_meter::d1_results(&results);
    report.monitors += marked.len();
    for deleted in results.iter().skip(1).step_by(3) {
        report.pruned += changed_rows(deleted)?;
    }
    Ok(())
}

/// Pings received before `cutoff`, oldest rows first, a chunk per transaction.
async fn prune_older_than(db: &D1Database, cutoff: i64, report: &mut PruneReport) -> Result<()> {
    let chunk = format!(
        "SELECT rowid FROM pings WHERE rowid IN (SELECT rowid FROM pings ORDER BY rowid LIMIT {AGE_CHUNK}) \
         AND received_at < ?1"
    );
    for _ in 0..AGE_CHUNKS_PER_RUN {
        let statements = vec![
            db.prepare(rollup_sql(&chunk)).bind(&[int(cutoff)])?,
            count_pruned(db, &chunk, &[int(cutoff)])?,
            delete_pings(db, &chunk, &[int(cutoff)])?,
        ];
        let results = db.batch(statements).await?;
        cost_meter::d1_results(&results);
        let deleted = changed_rows(&results[2])?;
        report.pruned += deleted;
        if deleted == 0 {
            break;
        }
    }
    Ok(())
}
