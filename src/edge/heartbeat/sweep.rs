//! The every-minute Cron Trigger: moves the status of monitors whose check time has come
//! (the deadlines the shards report passed, then one indexed range read of D1's), records
//! each flip once, and never calls a monitor down while its token's object still holds pings
//! that D1 has not seen: it asks the object while the failure is young or the token is held
//! (`token_ledger::may_be_on_its_way`; docs/alerting.md, "What the sweep asks"). A monitor
//! with a volume band whose window closed has that window's pings counted (one more statement
//! for it alone) and judged once every ping received in it is in D1.

use std::collections::HashSet;

use worker::{D1Database, D1PreparedStatement, Env, Result};

use crate::core::heartbeat::deadline_watch::Settled;
use crate::core::heartbeat::dependencies::parents_first;
use crate::core::heartbeat::ping_log::LogQuery;
use crate::core::heartbeat::status::Status;
use crate::core::heartbeat::token_ledger::may_be_on_its_way;
use crate::core::heartbeat::volume_band::window_settled;
use crate::core::join_all::join_all;
use crate::edge::alerting::outbox::release_after_maintenance;
use crate::edge::db::{database, int, now_ms, text};
use crate::edge::events::project_ingest::client::hurry_pending_events;
use crate::edge::heartbeat::deadline_shard::client::{overdue_everywhere, registered_shards, settle, Holds, ShardDue};
use crate::edge::heartbeat::monitor_state::{StoredState, STATE_COLUMNS};
use crate::edge::heartbeat::monitors::history_tokens;
use crate::edge::heartbeat::monitors::write_state;
use crate::edge::heartbeat::ping_history::{ping_history, HistoryOf};
use crate::edge::heartbeat::ping_token::client::{flush_for_judgment, hurry, settled_within, Held};
use crate::edge::heartbeat::zone::{intl_zone, IntlZone};
use crate::edge::rows::Rows;

const PAGE: usize = 200;
/// Pages per invocation (20,000 monitors, ~500 D1 calls): keeps one cron invocation inside the
/// Workers Paid limit of 1,000 D1 queries; the rest stay due for the next minute.
const MAX_PAGES: usize = 100;
/// Monitors written per D1 batch.
const WRITE_CHUNK: usize = 50;
/// Overdue deadlines taken from each shard per invocation (the rest come next minute).
const SHARD_LIMIT: usize = 200;

#[derive(Debug, Default, Clone, Copy)]
pub struct SweepReport {
    pub due: i64,
    pub flips: i64,
    pub deferred: i64,
    pub rows_read: i64,
    pub rows_written: i64,
    /// Token objects the sweep itself called (asked what they hold, or had flush).
    pub objects_called: i64,
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
    Ok((result.rows()?, read))
}

/// The volume window of `stored` to judge at `at`, if one closed long enough ago.
fn band_window(stored: &StoredState, at: i64) -> Option<(i64, i64)> {
    let band = stored.band();
    let judged_until = stored.band_judged_until?;
    (band.next_judgment(Some(judged_until))? <= at).then(|| band.next_window(judged_until))
}

/// If the clock alone counts a failure for `stored` at `at` (down, or failing one more time),
/// the deadline it counts it after: a ping received up to then may still be on its way.
fn clock_failure_after(stored: &StoredState, at: i64) -> Option<i64> {
    let before = stored.state();
    let mut state = before.clone();
    let (schedule, zone) = (stored.due_rule(), IntlZone::new(&stored.tz));
    let rules = stored.rules(&schedule, &zone);
    let deadline = before.next_failure_at(&rules);
    let flips = state.on_clock(at, &rules);
    let counts = (state.status == Status::Down && !flips.is_empty()) || state.failures > before.failures;
    counts.then(|| deadline.unwrap_or(at))
}

/// Whether the clock alone changes anything for `stored` at `at` (late, down, a run timed out).
fn clock_moves(stored: &StoredState, at: i64) -> bool {
    let mut state = stored.state();
    let (schedule, zone) = (stored.due_rule(), IntlZone::new(&stored.tz));
    state.on_clock(at, &stored.rules(&schedule, &zone));
    state != stored.state()
}

/// Whether the sweep leaves `stored` for the next minute: a failure the clock counts while its
/// token's (or name's) pings are still on their way to D1 (`ask_token`: the failure is recent,
/// or a flush failed, however old the deadline); or a volume window whose pings are not all in
/// D1 yet. Asking also wakes an object whose flush stalled: it re-arms its alarm as it starts.
async fn held_back(
    env: &Env,
    stored: &StoredState,
    window: Option<(i64, i64)>,
    clock_failure: bool,
    ask_token: bool,
    at: i64,
) -> Result<(bool, bool)> {
    if !clock_failure && window.is_none() {
        return Ok((false, false));
    }
    let asked = ask_token || window.is_some();
    let held = match asked {
        true => hurry(env, &stored.ping_token).await?,
        false => Held::default(),
    };
    let events = match &stored.event_name {
        Some(name) => hurry_pending_events(env, &stored.project_id, name).await?,
        None => 0,
    };
    if clock_failure && (held.pending > 0 || events > 0) {
        return Ok((true, asked));
    }
    let unsettled = window.is_some_and(|(_, until)| !window_settled(until, held.since, events > 0, at));
    Ok((unsettled, asked))
}

/// Counts the pings of each monitor's volume window, from all its history at once (only
/// monitors whose window closed: the common path reads nothing more).
async fn window_counts(env: &Env, db: &D1Database, windows: &[(&StoredState, (i64, i64))]) -> Result<Vec<i64>> {
    let counts = join_all(windows.iter().map(|(stored, window)| async move {
        let of = HistoryOf {
            monitor_id: &stored.id,
            tokens: history_tokens(&stored.ping_token, stored.history_tokens.as_deref()),
        };
        let query = LogQuery {
            count: Some(*window),
            ..LogQuery::default()
        };
        ping_history(env, db, &of, &query).await.map(|answer| answer.count)
    }))
    .await;
    counts.into_iter().collect()
}

/// Judges a page of due monitors at `at` and writes what changed; answers, for each monitor
/// judged (not left for the next minute), its id and the deadline its state now has.
async fn judge(
    env: &Env,
    db: &D1Database,
    page: &[StoredState],
    at: i64,
    holds: &Holds,
    report: &mut SweepReport,
) -> Result<Vec<(String, Option<i64>)>> {
    // Parents first: a child that goes down with its parent finds it down, and is held.
    let parents: Vec<Vec<String>> = page.iter().map(StoredState::parents).collect();
    let listed: Vec<(&str, &[String])> = page
        .iter()
        .zip(&parents)
        .map(|(s, p)| (s.id.as_str(), p.as_slice()))
        .collect();
    let ordered: Vec<&StoredState> = parents_first(&listed).into_iter().map(|i| &page[i]).collect();
    let windows: Vec<Option<(i64, i64)>> = ordered.iter().map(|stored| band_window(stored, at)).collect();
    let failures: Vec<Option<i64>> = ordered.iter().map(|stored| clock_failure_after(stored, at)).collect();
    // A ping acknowledged in time may still be on its way to D1 (a busy token's pings wait a
    // few seconds to go as one batch): the objects of recent failures are asked, at once; for
    // older ones, only those of tokens whose shards said a flush failed (`holds`, from the
    // shards' answers to this sweep). `at` is the trigger's time, never after now: the real
    // age of a deadline is at least `at` minus it.
    let settled_within = settled_within(env);
    let held: Vec<bool> = join_all(ordered.iter().copied().zip(&windows).zip(&failures).map(
        |((stored, window), failure)| {
            let ask = failure.is_some_and(|after| {
                may_be_on_its_way(after, at, settled_within, holds.may_hold(env, &stored.ping_token))
            });
            held_back(env, stored, *window, failure.is_some(), ask, at)
        },
    ))
    .await
    .into_iter()
    .map(|answer| {
        answer.map(|(held, asked)| {
            report.objects_called += i64::from(asked);
            held
        })
    })
    .collect::<Result<_>>()?;
    let judged: Vec<(&StoredState, (i64, i64))> = ordered
        .iter()
        .copied()
        .zip(&windows)
        .zip(&held)
        .filter_map(|((stored, window), held)| window.filter(|_| !held).map(|w| (stored, w)))
        .collect();
    let counts = window_counts(env, db, &judged).await?;
    let mut statements = Vec::new();
    let mut monitors_in_batch = 0;
    let mut deadlines = Vec::new();
    for (stored, held) in ordered.iter().copied().zip(held) {
        if held {
            report.deferred += 1;
            continue;
        }
        let mut state = stored.state();
        let (schedule, zone) = (stored.due_rule(), IntlZone::new(&stored.tz));
        let rules = stored.rules(&schedule, &zone);
        let mut flips = Vec::new();
        let window = judged
            .iter()
            .zip(&counts)
            .find(|((judged, _), _)| judged.id == stored.id);
        if let Some(((_, (from, until)), pings)) = window {
            // In time order: the clock up to the window's end, the window, then the rest.
            flips.extend(state.on_clock(*until, &rules));
            flips.extend(state.on_band(*until, stored.band().judge(*from, *until, *pings), &rules));
        }
        flips.extend(state.on_clock(at, &rules));
        report.flips += flips.len() as i64;
        let now = now_ms();
        statements.extend(write_state(db, stored, &state, &flips, at, now)?);
        // A down that a maintenance window held is told once the maintenance is over.
        let down = state.status == Status::Down;
        if stored
            .holds()
            .releases_maintenance(down, !flips.is_empty(), at, &intl_zone)
        {
            statements.push(release_after_maintenance(db, &stored.id, now)?);
        }
        let watchable = state.status == Status::Up && stored.watched();
        deadlines.push((
            stored.id.clone(),
            watchable
                .then(|| state.check_at_within(stored.grace_ms(), stored.runtime()))
                .flatten(),
        ));
        monitors_in_batch += 1;
        if monitors_in_batch == WRITE_CHUNK {
            write_batch(db, std::mem::take(&mut statements), report).await?;
            monitors_in_batch = 0;
        }
    }
    write_batch(db, statements, report).await?;
    Ok(deadlines)
}

/// The up monitors whose deadline a shard says passed (D1's was pushed out while the shard
/// watched them). A shard knows only the check-ins it was told, and D1 lacks those the object
/// still holds, so each shard has those monitors' token objects flush before it answers; the
/// sweep reads them in D1 after that, flushes itself the ones the clock would move that a shard
/// could not (it restarted since their tell, or the flush failed there) and reads those again;
/// then they are judged like the monitors D1 finds due, and each shard is told what was
/// settled. Answers their ids and the tokens the shards hold (`Holds`).
async fn sweep_shards(
    env: &Env,
    db: &D1Database,
    at: i64,
    report: &mut SweepReport,
) -> Result<(HashSet<String>, Holds)> {
    let shards = registered_shards(db).await?;
    if shards.is_empty() {
        return Ok((HashSet::new(), Holds::none()));
    }
    let (reported, holds) = overdue_everywhere(env, &shards, at, SHARD_LIMIT).await?;
    let ids: Vec<&str> = reported
        .iter()
        .flat_map(|r| r.due.iter().map(|o| o.monitor_id.as_str()))
        .collect();
    let seen: HashSet<String> = ids.iter().map(|id| id.to_string()).collect();
    if ids.is_empty() {
        return Ok((seen, holds));
    }
    // Read after the shards had their monitors' objects flush (each shard calls its own).
    let mut states = states_of(db, &ids, report).await?;
    let flushed: HashSet<&str> = reported
        .iter()
        .flat_map(|r| r.flushed.iter().map(String::as_str))
        .collect();
    // Those whose current token a shard did not have flush (it restarted since their tell, the
    // flush failed, or the token was rotated since) are flushed from here and read again; an
    // object that cannot flush now leaves its monitor for the next minute.
    let late: Vec<StoredState> = states
        .iter()
        .filter(|s| !flushed.contains(s.ping_token.as_str()) && clock_moves(s, at))
        .cloned()
        .collect();
    let mut failed: HashSet<String> = HashSet::new();
    if !late.is_empty() {
        report.objects_called += late.len() as i64;
        let flushed = join_all(late.iter().map(|s| flush_for_judgment(env, &s.ping_token))).await;
        failed = late
            .iter()
            .zip(&flushed)
            .filter(|(_, f)| f.is_err())
            .map(|(s, _)| s.id.clone())
            .collect();
        let again: Vec<&str> = late
            .iter()
            .map(|s| s.id.as_str())
            .filter(|id| !failed.contains(*id))
            .collect();
        let fresh = states_of(db, &again, report).await?;
        states.retain(|s| !late.iter().any(|l| l.id == s.id));
        report.deferred += failed.len() as i64;
        states.extend(fresh);
    }
    report.due += states.len() as i64;
    let judged = judge(env, db, &states, at, &holds, report).await?;
    let present: HashSet<&str> = states.iter().map(|s| s.id.as_str()).collect();
    for ShardDue { shard, due, .. } in &reported {
        let settled: Vec<Settled> = due
            .iter()
            .filter_map(|o| {
                let deadline = match judged.iter().find(|(id, _)| *id == o.monitor_id) {
                    Some((_, deadline)) => *deadline,
                    // Left for the next minute: kept, and reported again.
                    None if present.contains(o.monitor_id.as_str()) || failed.contains(&o.monitor_id) => return None,
                    // Gone, paused or disabled: nothing to watch.
                    None => None,
                };
                Some(Settled {
                    monitor_id: o.monitor_id.clone(),
                    reported: o.deadline,
                    deadline,
                })
            })
            .collect();
        if let Err(e) = settle(env, *shard, &settled).await {
            // Reported again next minute and settled then.
            worker::console_error!("settling shard {shard} failed: {e}");
        }
    }
    Ok((seen, holds))
}

/// The states of these monitors, those the sweep watches (not paused, enabled), in one read.
async fn states_of(db: &D1Database, ids: &[&str], report: &mut SweepReport) -> Result<Vec<StoredState>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = serde_json::to_string(ids).map_err(|e| worker::Error::RustError(e.to_string()))?;
    let result = db
        .prepare(format!(
            "SELECT {STATE_COLUMNS} FROM monitors \
             WHERE id IN (SELECT value FROM json_each(?1)) AND paused = 0 AND enabled = 1"
        ))
        .bind(&[text(&list)])?
        .all()
        .await?;
    report.rows_read += result.meta()?.and_then(|m| m.rows_read).unwrap_or(0) as i64;
    result.rows()
}

/// Evaluates every monitor due by `at` (the trigger's scheduled time): those a deadline shard
/// reports, then those D1's deadlines say are due.
pub async fn sweep(env: &Env, at: i64) -> Result<SweepReport> {
    let db = database(env)?;
    let mut report = SweepReport::default();
    // A shard that cannot answer (or D1 failing there) does not hold up D1's own due monitors;
    // their tokens' objects are then asked about every failure.
    let (from_shards, holds) = match sweep_shards(env, &db, at, &mut report).await {
        Ok(found) => found,
        Err(e) => {
            worker::console_error!("asking the deadline shards failed: {e}");
            (HashSet::new(), Holds::unknown())
        }
    };
    let mut after = (i64::MIN, String::new());
    for _ in 0..MAX_PAGES {
        let (mut page, read) = due_page(&db, at, &after).await?;
        report.rows_read += read;
        let next = match page.last() {
            Some(last) if page.len() == PAGE => Some((last.check_at.unwrap_or(at), last.id.clone())),
            _ => None,
        };
        page.retain(|s| !from_shards.contains(&s.id));
        report.due += page.len() as i64;
        judge(env, &db, &page, at, &holds, &mut report).await?;
        match next {
            Some(next) => after = next,
            None => break,
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
