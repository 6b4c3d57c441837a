//! The status machine's memory in D1: read a monitor's state, write it back only if nobody
//! else wrote it meanwhile (`state_version`), and record its flips once.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Result};

use super::db::{changed_one, int, text};
use super::outbox::enqueue_flip;
use super::zone::IntlZone;
use crate::core::monitor::Schedule;
use crate::core::ping::PingKind;
use crate::core::status::{is_watched, State, Status, Transition};

pub const STATE_COLUMNS: &str = "id, ping_token, status, next_due_at, started_at, last_signal_at, state_version, \
    grace_s, paused, enabled, interval_s, schedule, tz, check_at, project_id, event_name";

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StoredState {
    pub id: String,
    pub ping_token: String,
    pub status: String,
    pub next_due_at: Option<i64>,
    pub started_at: Option<i64>,
    pub last_signal_at: Option<i64>,
    pub state_version: i64,
    pub grace_s: i64,
    pub paused: i64,
    pub enabled: i64,
    pub interval_s: i64,
    pub schedule: Option<String>,
    pub tz: String,
    pub check_at: Option<i64>,
    pub project_id: String,
    /// Events of this name feed the monitor (they wait in the project's object, not the token's).
    pub event_name: Option<String>,
}

impl StoredState {
    pub fn state(&self) -> State {
        State {
            status: Status::parse(&self.status).unwrap_or(Status::New),
            next_due_at: self.next_due_at,
            started_at: self.started_at,
            last_signal_at: self.last_signal_at,
        }
    }

    pub fn grace_ms(&self) -> i64 {
        self.grace_s * 1_000
    }

    pub fn watched(&self) -> bool {
        is_watched(self.enabled != 0, self.paused != 0)
    }

    /// The schedule the interval, cron expression (the `schedule` column) and zone make.
    pub fn due_rule(&self) -> Schedule {
        Schedule::from_columns(self.interval_s, self.schedule.clone(), self.tz.clone())
    }
}

pub async fn read_state(db: &D1Database, monitor_id: &str) -> Result<Option<StoredState>> {
    db.prepare(format!("SELECT {STATE_COLUMNS} FROM monitors WHERE id = ?1"))
        .bind(&[text(monitor_id)])?
        .first(None)
        .await
}

fn opt(v: Option<i64>) -> JsValue {
    v.map_or(JsValue::NULL, int)
}

/// Statements writing `state` over version `stored.state_version`, and its flips only if that
/// write won. The first statement's `changes` tells whether it did.
pub fn write_state(
    db: &D1Database,
    stored: &StoredState,
    state: &State,
    flips: &[Transition],
    now: i64,
) -> Result<Vec<D1PreparedStatement>> {
    let check_at = if stored.watched() {
        state.check_at(stored.grace_ms())
    } else {
        None
    };
    let mut statements = vec![db
        .prepare(
            "UPDATE monitors SET status = ?3, next_due_at = ?4, started_at = ?5, last_signal_at = ?6, check_at = ?7, \
             state_version = state_version + 1 WHERE id = ?1 AND state_version = ?2",
        )
        .bind(&[
            text(&stored.id),
            int(stored.state_version),
            text(state.status.as_str()),
            opt(state.next_due_at),
            opt(state.started_at),
            opt(state.last_signal_at),
            opt(check_at),
        ])?];
    statements.extend(flip_statements(db, stored, flips, now)?);
    Ok(statements)
}

/// The statements recording `flips`, which take effect only if the write of the state over
/// version `stored.state_version` won (the row's version is then one more).
pub fn flip_statements(
    db: &D1Database,
    stored: &StoredState,
    flips: &[Transition],
    now: i64,
) -> Result<Vec<D1PreparedStatement>> {
    let mut statements = Vec::new();
    // Unwatched monitors change status but record no flips: they never alert.
    for f in flips.iter().filter(|_| stored.watched()) {
        statements.push(
            db.prepare(
                "INSERT OR IGNORE INTO flips (monitor_id, at, from_status, to_status, reason, recorded_at) \
                 SELECT ?1, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS \
                   (SELECT 1 FROM monitors WHERE id = ?1 AND state_version = ?2 + 1)",
            )
            .bind(&[
                text(&stored.id),
                int(stored.state_version),
                int(f.at),
                text(f.from.as_str()),
                text(f.to.as_str()),
                text(f.reason),
                int(now),
            ])?,
        );
        statements.push(enqueue_flip(db, &stored.id, f.at, f.to.as_str(), now)?);
    }
    Ok(statements)
}

/// A flip as the API shows it.
#[derive(Debug, Deserialize)]
pub struct StoredFlip {
    pub at: i64,
    pub from_status: String,
    pub to_status: String,
    pub reason: String,
}

pub async fn flips_of(db: &D1Database, monitor_id: &str, limit: i64) -> Result<Vec<StoredFlip>> {
    db.prepare("SELECT at, from_status, to_status, reason FROM flips WHERE monitor_id = ?1 ORDER BY at, id LIMIT ?2")
        .bind(&[text(monitor_id), int(limit)])?
        .all()
        .await?
        .results()
}

/// Applies pings to a monitor's status, starting from `known` (a state just read back from
/// D1) or, without it, from a fresh read; retried while someone else writes the state.
pub async fn apply_pings_over(
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
                super::meter::d1_statements(1);
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
        super::meter::d1_results(&results);
        if changed_one(&results[0])? {
            return Ok(stored.watched() && !flips.is_empty());
        }
    }
    Err(worker::Error::RustError(format!(
        "monitor {monitor_id}: status kept changing under the flush"
    )))
}
