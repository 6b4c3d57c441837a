//! One flush of a token's pings into D1, as one batch of two statements: store the pings
//! (`pings::insert_pings`), then move the monitor's counters and its status together
//! (`monitors::record_flush`). The token's object keeps the monitor's state from the previous
//! flush, so nothing is read first; the status part of the update applies only over the
//! version the object knows (`state_version`), and the row comes back either way, so a lost
//! race costs one more write rather than a read first.

use worker::{D1Database, Result};

use crate::core::heartbeat::ping::PendingPing;
use crate::core::heartbeat::status::Signal;
use crate::edge::cost_meter;
use crate::edge::db::changed_one;
use crate::edge::heartbeat::monitor_state::{alert_moves, read_state, StoredState};
use crate::edge::heartbeat::monitors::{record_flush, write_state};
use crate::edge::heartbeat::pings::insert_pings;
use crate::edge::heartbeat::zone::IntlZone;

/// After a flush: the monitor's state as D1 now has it (`None`: the monitor is gone, or
/// the object should read it afresh next time), and whether a flip that alerts was recorded.
pub struct Flushed {
    pub state: Option<StoredState>,
    pub flipped: bool,
}

/// Stores one monitor's pending pings and applies them to its status.
/// `log_limit`: the pings a monitor keeps; a tenth past it, the monitor is marked for pruning.
pub async fn flush_pings(
    db: &D1Database,
    known: &StoredState,
    batch: &[PendingPing],
    log_limit: i64,
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
    let mut statements = vec![
        insert_pings(db, &known.id, batch)?,
        record_flush(
            db,
            known,
            &state,
            &flips,
            changed,
            (&progress, look),
            batch,
            log_limit,
            now,
        )?,
    ];
    statements.extend(alerts.into_iter().flat_map(|moves| moves.statements));
    let results = db.batch(statements).await?;
    cost_meter::d1_results(&results);
    let Some(after) = results[1].results::<StoredState>()?.into_iter().next() else {
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
