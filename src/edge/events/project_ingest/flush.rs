//! Moving a project's held batches to D1: a few flushes per alarm, each stored as in flight
//! before D1 hears of it (a retry after a crash repeats it, and D1 applies it once); the
//! event-fed monitors get their pings in the same flush; then the next alarm is set.

use serde::{Deserialize, Serialize};
use worker::Result;

use super::memory::Project;
use super::tables::{pending_counts, read_meter, write_meter, METER_INFLIGHT, METER_PROJECT_ID};
use crate::core::alerting::event_routes::route_flush;
use crate::core::events::event_dedup::DEDUP_WINDOW_MS;
use crate::core::events::event_store::{
    flush_upto, join_batches, monitor_pings, plan_flush, Feed, FlushedEvent, PendingBatch, FLUSH_MAX_BYTES,
    FLUSH_MAX_EVENTS,
};
use crate::edge::alerting::event_routes::load_routes;
use crate::edge::db::{database, now_ms};
use crate::edge::durable::{deliver_due_after_flush, internal};
use crate::edge::events::event_rows::store_flush;
use crate::edge::heartbeat::monitors::PingHistoryIn;
use crate::edge::heartbeat::ping_flush::flush_pings;
use crate::edge::heartbeat::ping_pruning::log_limit;
use crate::edge::random;
use crate::edge::row_fields::row_fields;
use crate::edge::rows::Rows;

/// Flushes per alarm before the next alarm takes over.
const FLUSHES_PER_ALARM: usize = 8;
/// Expired dedup ids removed per alarm.
const SEEN_PRUNE_CHUNK: i64 = 5_000;

/// The flush in progress: stored before D1 is called, so a retry repeats it exactly.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Inflight {
    id: String,
    upto: i64,
}

impl Project {
    /// The alarm's work (beside it, not inside it): flush what is held, prune expired event ids, set the next alarm.
    pub(super) async fn flush_due(&self) -> Result<()> {
        let storage = self.state.storage();
        let mut outcome = Ok(());
        for _ in 0..FLUSHES_PER_ALARM {
            match self.flush_once().await {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            }
        }
        let sql = storage.sql();
        let cutoff = now_ms() - DEDUP_WINDOW_MS;
        if let Err(e) = sql.exec(
            "DELETE FROM seen WHERE event_id IN (SELECT event_id FROM seen WHERE first_seen <= ? LIMIT ?)",
            vec![cutoff.into(), SEEN_PRUNE_CHUNK.into()],
        ) {
            worker::console_error!("could not prune expired event ids: {e}");
        }
        let (batches, _) = pending_counts(&sql)?;
        let (rearm_in, failures) = {
            let mut hot = self.hot.borrow_mut();
            match &outcome {
                Ok(()) => hot.flush_backoff.succeeded(),
                Err(e) => {
                    let attempt = hot.flush_backoff.failed();
                    worker::console_error!("event flush to D1 failed (attempt {attempt}): {e}");
                }
            }
            hot.flush_armed = batches > 0;
            (
                hot.flush_backoff.next_flush_in(hot.flush_armed),
                hot.flush_backoff.failures(),
            )
        };
        let rearmed = match rearm_in {
            Some(delay) => storage.set_alarm(delay).await,
            None => storage.delete_alarm().await,
        };
        if let Err(e) = rearmed {
            worker::console_error!("could not re-arm the event flush after {failures} failures: {e}");
        }
        Ok(())
    }

    /// Moves one group of pending batches to D1; answers how many events it moved.
    pub(super) async fn flush_once(&self) -> Result<u64> {
        let storage = self.state.storage();
        let sql = storage.sql();
        let Some(project_id) = read_meter::<String>(&sql, METER_PROJECT_ID)? else {
            return Ok(0);
        };
        let inflight = match read_meter::<Inflight>(&sql, METER_INFLIGHT)? {
            Some(inflight) => inflight,
            None => {
                let batches: Vec<PendingBatch> = sql
                    .exec(
                        "SELECT seq, n AS events, bytes FROM pending ORDER BY seq LIMIT 1000",
                        None,
                    )?
                    .rows()?;
                let Some(upto) = flush_upto(&batches, FLUSH_MAX_EVENTS, FLUSH_MAX_BYTES) else {
                    return Ok(0);
                };
                let inflight = Inflight {
                    id: random::uuid(),
                    upto,
                };
                write_meter(&sql, METER_INFLIGHT, &inflight)?;
                // Durable before D1 hears of it: a retry after a crash repeats this flush.
                storage.sync().await?;
                inflight
            }
        };
        struct Row {
            events: String,
        }
        row_fields!(Row { events });
        let rows: Vec<Row> = sql
            .exec(
                "SELECT events FROM pending WHERE seq <= ? ORDER BY seq",
                vec![inflight.upto.into()],
            )?
            .rows()?;
        let all = join_batches(rows.iter().map(|r| r.events.as_str()));
        let events: Vec<FlushedEvent> = serde_json::from_str(&all).map_err(internal)?;
        let mut plan = plan_flush(&events);
        let db = database(&self.env)?;
        let d1_started = now_ms();
        // Read at each flush, so a change of the rules applies from the next flush on.
        let routes = load_routes(&db, &project_id)
            .await?
            .map(|r| r.routes)
            .unwrap_or_default();
        let routed = route_flush(&project_id, &routes, &events);
        // Errors no rule matched keep the default digest (all of them, without rules).
        plan.errors = routed.default_errors.clone();
        let (fed, cost) = store_flush(&db, &project_id, &inflight.id, &all, &plan, &routed, d1_started).await?;
        let d1_ms = (now_ms() - d1_started).max(0) as u64;
        let mut flipped = false;
        let log_limit = log_limit(&self.env).unwrap_or(i64::MAX);
        for monitor in &fed {
            // The query found it by its event_name, so it has one.
            let Some(event_name) = monitor.state.event_name.as_deref() else {
                continue;
            };
            let feed = Feed {
                monitor_id: &monitor.state.id,
                event_name,
                allowed_keys: monitor.allowed_keys.as_deref(),
                after: monitor.last_ping_at,
            };
            let pings = monitor_pings(&events, feed);
            if pings.is_empty() {
                continue;
            }
            // The same flush as a token's pings: stored, counted, marked for pruning, applied.
            let history = PingHistoryIn::D1 { log_limit };
            flipped |= flush_pings(&db, &monitor.state, &pings, history, None, now_ms())
                .await?
                .flipped;
        }
        // D1 has them: forget them, and the flush, together.
        sql.exec("DELETE FROM pending WHERE seq <= ?", vec![inflight.upto.into()])?;
        sql.exec("DELETE FROM meter WHERE name = ?", vec![METER_INFLIGHT.into()])?;
        {
            let mut hot = self.hot.borrow_mut();
            let stats = &mut hot.stats;
            stats.flushes += 1;
            stats.events += events.len() as u64;
            // The batch, and the read of the project's event routes before it.
            stats.statements += cost.statements + 1;
            stats.rows_written += cost.rows_written;
            stats.monitors_fed += fed.len() as u64;
            stats.d1_ms += d1_ms;
        }
        if flipped || routed.tells_anyone() {
            deliver_due_after_flush(&self.state, &self.env, "an event flush");
        }
        Ok(events.len() as u64)
    }
}

row_fields!(crate::core::events::event_store::PendingBatch { seq, events, bytes });
