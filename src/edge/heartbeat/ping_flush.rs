//! One flush of pings into D1, as one batch: the pings themselves only where D1 keeps them
//! (`pings::insert_pings`, for event-fed monitors; a token's object keeps its own), then the
//! monitor's counters, last ping and status together in one update
//! (`monitors::record_flush`). The flushing object keeps the monitor's state from the previous
//! flush, so nothing is read first; the status part of the update applies only over the
//! version the object knows (`state_version`), and the row comes back either way, so a lost
//! race costs one more write rather than a read first.

use worker::{D1Database, Result};

use crate::core::heartbeat::ping::PendingPing;
use crate::core::heartbeat::status::Signal;
use crate::edge::cost_meter;
use crate::edge::db::changed_one;
use crate::edge::heartbeat::monitor_state::{alert_moves, read_state, StoredState};
use crate::edge::heartbeat::monitors::{record_flush, write_state, Cover, PingHistoryIn};
use crate::edge::heartbeat::pings::insert_pings;
use crate::edge::heartbeat::zone::IntlZone;
use crate::edge::rows::Rows;

/// After a flush: the monitor's state as D1 now has it (`None`: the monitor is gone, or
/// the object should read it afresh next time), and whether a flip that alerts was recorded.
pub struct Flushed {
    pub state: Option<StoredState>,
    pub flipped: bool,
}

/// Applies one monitor's pending pings to its counters and status, storing them in D1 too where
/// D1 keeps its history (`history`); with `cover`, an up monitor's deadline in D1 is pushed out
/// (its shard watches it: `core::heartbeat::deadline_watch`).
pub async fn flush_pings(
    db: &D1Database,
    known: &StoredState,
    batch: &[PendingPing],
    history: PingHistoryIn,
    cover: Option<Cover>,
    now: i64,
) -> Result<Flushed> {
    let signals: Vec<Signal> = batch
        .iter()
        .map(|p| Signal {
            at: p.received_at,
            kind: p.input.kind,
            duration_ms: p.duration_ms,
        })
        .collect();
    let mut state = known.state();
    let (schedule, zone) = (known.due_rule(), IntlZone::new(&known.tz));
    let flips = state.on_signals(&signals, &known.rules(&schedule, &zone));
    let changed = state != known.state();
    // Only a change of status moves alerts (a flip, or the down period's progress).
    let alerts = match changed {
        true => Some(alert_moves(db, known, &state, &flips, now, now)?),
        false => None,
    };
    let (progress, look) = match &alerts {
        Some(moves) => (moves.progress, moves.next_look),
        None => (known.progress(), known.alerts_look(&state, now)),
    };
    let mut statements = Vec::new();
    if let PingHistoryIn::D1 { .. } = history {
        statements.push(insert_pings(db, &known.id, batch)?);
    }
    let record = statements.len();
    statements.push(record_flush(
        db,
        known,
        &state,
        &flips,
        changed,
        (&progress, look),
        batch,
        history,
        cover,
        now,
    )?);
    statements.extend(alerts.into_iter().flat_map(|moves| moves.statements));
    let results = db.batch(statements).await?;
    cost_meter::d1_results(&results);
    let Some(after) = results[record].rows::<StoredState>()?.into_iter().next() else {
        return Ok(Flushed {
            state: None,
            flipped: false,
        }); // deleted meanwhile: its pings were not stored either
    };
    let won = after.state_version == known.state_version + i64::from(changed) && after.state() == state;
    if won {
        return Ok(Flushed {
            flipped: changed && known.watched() && !flips.is_empty(),
            state: Some(after),
        });
    }
    // Someone (the sweep, an edit) wrote the status meanwhile: apply the pings over theirs.
    let flipped = apply_pings_over(db, &known.id, Some(after), &signals, now).await?;
    Ok(Flushed { state: None, flipped })
}

/// Applies pings to a monitor's status, starting from `known` (a state just read back from
/// D1) or, without it, from a fresh read; retried while someone else writes the state.
async fn apply_pings_over(
    db: &D1Database,
    monitor_id: &str,
    mut known: Option<StoredState>,
    pings: &[Signal],
    now: i64,
) -> Result<bool> {
    for _ in 0..5 {
        let stored = match known.take() {
            Some(stored) => stored,
            None => {
                cost_meter::d1_statements(1);
                match read_state(db, monitor_id).await? {
                    Some(stored) => stored,
                    None => return Ok(false), // deleted meanwhile
                }
            }
        };
        let mut state = stored.state();
        let schedule = stored.due_rule();
        let zone = IntlZone::new(&stored.tz);
        let flips = state.on_signals(pings, &stored.rules(&schedule, &zone));
        if state == stored.state() {
            return Ok(false);
        }
        let results = db.batch(write_state(db, &stored, &state, &flips, now, now)?).await?;
        cost_meter::d1_results(&results);
        if changed_one(&results[0])? {
            return Ok(stored.watched() && !flips.is_empty());
        }
    }
    Err(worker::Error::RustError(format!(
        "monitor {monitor_id}: status kept changing under the flush"
    )))
}
