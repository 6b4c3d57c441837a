//! One flush of a token's pings into D1, as one batch of two statements: store the pings,
//! then move the monitor's counters and its status together. The token's object keeps the
//! monitor's state from the previous flush, so nothing is read first; the status part of the
//! update applies only over the version the object knows (`state_version`), and the row
//! comes back either way, so a lost race costs one more write rather than a read first.

use worker::{D1Database, D1PreparedStatement, Result};

use super::db::{changed_one, int, text};
use super::meter;
use super::monitor_state::{flip_statements, read_state, StoredState, STATE_COLUMNS};
use super::monitors::write_state;
use super::pings::insert_pings;
use super::zone::IntlZone;
use crate::core::ping::{latest_value, PendingPing, PingKind};
use crate::core::retention::mark_above;

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
    let signals: Vec<(i64, PingKind)> = batch.iter().map(|p| (p.received_at, p.input.kind)).collect();
    let mut state = known.state();
    let flips = state.on_pings(&signals, known.grace_ms(), &known.due_rule(), &IntlZone::new(&known.tz));
    let changed = state != known.state();
    let mut statements = vec![
        insert_pings(db, &known.id, batch)?,
        update_monitor(db, known, &state, changed, batch, log_limit)?,
    ];
    if changed {
        statements.extend(flip_statements(db, known, &flips, now)?);
    }
    let results = db.batch(statements).await?;
    meter::d1_results(&results);
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
    pings: &[(i64, PingKind)],
    now: i64,
) -> Result<bool> {
    for _ in 0..5 {
        let stored = match known.take() {
            Some(stored) => stored,
            None => {
                meter::d1_statements(1);
                match read_state(db, monitor_id).await? {
                    Some(stored) => stored,
                    None => return Ok(false), // deleted meanwhile
                }
            }
        };
        let mut state = stored.state();
        let schedule = stored.due_rule();
        let zone = IntlZone::new(&stored.tz);
        let flips = state.on_pings(pings, stored.grace_ms(), &schedule, &zone);
        if state == stored.state() {
            return Ok(false);
        }
        let results = db.batch(write_state(db, &stored, &state, &flips, now)?).await?;
        meter::d1_results(&results);
        if changed_one(&results[0])? {
            return Ok(stored.watched() && !flips.is_empty());
        }
    }
    Err(worker::Error::RustError(format!(
        "monitor {monitor_id}: status kept changing under the flush"
    )))
}

fn opt(v: Option<i64>) -> wasm_bindgen::JsValue {
    v.map_or(wasm_bindgen::JsValue::NULL, int)
}

/// Counters always (the pings are stored whatever the status does); the status only over
/// the known version. Answers the row as it is afterwards.
fn update_monitor(
    db: &D1Database,
    known: &StoredState,
    state: &crate::core::status::State,
    changed: bool,
    batch: &[PendingPing],
    log_limit: i64,
) -> Result<D1PreparedStatement> {
    let newest = batch.iter().map(|p| p.received_at).max().unwrap_or(0);
    let (value, value_at) = match latest_value(batch) {
        Some((v, at)) => (wasm_bindgen::JsValue::from_f64(v), int(at)),
        None => (wasm_bindgen::JsValue::NULL, wasm_bindgen::JsValue::NULL),
    };
    let check_at = if known.watched() {
        state.check_at(known.grace_ms())
    } else {
        None
    };
    let own = "state_version = ?5";
    db.prepare(format!(
        "UPDATE monitors SET n_pings = n_pings + changes(), \
           last_ping_at = MAX(COALESCE(last_ping_at, 0), ?2), \
           last_value = CASE WHEN ?3 IS NOT NULL AND ?4 >= COALESCE(last_value_at, 0) THEN ?3 ELSE last_value END, \
           last_value_at = CASE WHEN ?3 IS NOT NULL AND ?4 >= COALESCE(last_value_at, 0) THEN ?4 ELSE last_value_at END, \
           status = CASE WHEN {own} THEN ?6 ELSE status END, \
           next_due_at = CASE WHEN {own} THEN ?7 ELSE next_due_at END, \
           started_at = CASE WHEN {own} THEN ?8 ELSE started_at END, \
           last_signal_at = CASE WHEN {own} THEN ?9 ELSE last_signal_at END, \
           check_at = CASE WHEN {own} THEN ?10 ELSE check_at END, \
           prune_due = CASE WHEN n_pings + changes() - n_pruned > ?12 THEN 1 ELSE prune_due END, \
           state_version = CASE WHEN {own} THEN state_version + ?11 ELSE state_version END \
         WHERE id = ?1 RETURNING {STATE_COLUMNS}"
    ))
    .bind(&[
        text(&known.id),
        int(newest),
        value,
        value_at,
        int(known.state_version),
        text(state.status.as_str()),
        opt(state.next_due_at),
        opt(state.started_at),
        opt(state.last_signal_at),
        opt(check_at),
        int(i64::from(changed)),
        int(mark_above(log_limit)),
    ])
}
