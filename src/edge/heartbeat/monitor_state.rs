//! The status machine's memory in D1: a monitor's state as read, and its flips, recorded once
//! and only where the write of the state over its version (`state_version`, written by
//! `monitors`, the row's one writer) won.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Result};

use crate::core::alerting::hold::{Holds, PARENT_PREFIX};
use crate::core::heartbeat::cron::Zone;
use crate::core::heartbeat::maintenance::Windows;
use crate::core::heartbeat::monitor::Schedule;
use crate::core::heartbeat::status::{is_watched, Rules, State, Status, Tolerance, Transition};
use crate::edge::alerting::outbox::{enqueue_flip, release_children};
use crate::edge::db::{int, text};
use crate::edge::heartbeat::zone::intl_zone;

pub const STATE_COLUMNS: &str = "id, ping_token, status, next_due_at, started_at, last_signal_at, state_version, \
    grace_s, paused, enabled, interval_s, schedule, tz, check_at, project_id, event_name, snoozed_until, \
    failure_tolerance, recovery_threshold, failures_in_row, successes_in_row, maintenance, depends_on";

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
    /// Flips before this time queue no alert (`core::heartbeat::snooze`).
    #[serde(default)]
    pub snoozed_until: Option<i64>,
    /// `core::heartbeat::status::Tolerance` (defaults for a state kept before migration 0014).
    #[serde(default)]
    pub failure_tolerance: i64,
    #[serde(default = "one")]
    pub recovery_threshold: i64,
    /// The machine's counts (`State::failures`, `State::successes`).
    #[serde(default)]
    pub failures_in_row: i64,
    #[serde(default)]
    pub successes_in_row: i64,
    /// The windows that apply to the monitor (`core::heartbeat::maintenance::Windows`).
    #[serde(default)]
    pub maintenance: Option<String>,
    /// JSON array of its parents' ids (`core::heartbeat::dependencies`).
    #[serde(default)]
    pub depends_on: Option<String>,
}

fn one() -> i64 {
    1
}

/// A count as stored, read back as the machine keeps it.
fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

impl StoredState {
    pub fn state(&self) -> State {
        State {
            status: Status::parse(&self.status).unwrap_or(Status::New),
            next_due_at: self.next_due_at,
            started_at: self.started_at,
            last_signal_at: self.last_signal_at,
            failures: count(self.failures_in_row),
            successes: count(self.successes_in_row),
        }
    }

    pub fn tolerance(&self) -> Tolerance {
        Tolerance {
            failures: count(self.failure_tolerance),
            recovery: count(self.recovery_threshold).max(1),
        }
    }

    /// The rules the machine judges this monitor by, over its schedule and zone.
    pub fn rules<'a>(&self, schedule: &'a Schedule, zone: &'a dyn Zone) -> Rules<'a> {
        Rules {
            grace_ms: self.grace_ms(),
            schedule,
            zone,
            tolerance: self.tolerance(),
        }
    }

    /// The rules of its own that hold this monitor's alerts (a parent's status is read where
    /// the flip is recorded).
    pub fn holds(&self) -> Holds {
        Holds {
            snoozed_until: self.snoozed_until,
            maintenance: self.windows(),
        }
    }

    /// Its maintenance windows.
    pub fn windows(&self) -> Windows {
        Windows::from_column(self.maintenance.as_deref())
    }

    /// Its parents' ids.
    pub fn parents(&self) -> Vec<String> {
        self.depends_on
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok())
            .unwrap_or_default()
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

/// Why a flip is held when nothing of the monitor's own holds it (`?8` NULL): a down flip
/// while one of its parents is down (the first listed), and an up flip ending a down whose
/// alert a parent held and nothing released (so no recovery is told of a down never told).
/// Read here, as the flip is recorded, since a parent's status may have changed in this
/// very batch. `?1` monitor, `?5` to_status.
fn held_by_sql() -> String {
    format!(
        "COALESCE(?8, CASE WHEN ?5 = 'down' THEN \
           (SELECT '{PARENT_PREFIX}' || p.id FROM monitors c, json_each(c.depends_on) j JOIN monitors p ON p.id = j.value \
            WHERE c.id = ?1 AND p.status = 'down' AND p.paused = 0 AND p.enabled = 1 ORDER BY j.key LIMIT 1) \
         ELSE \
           (SELECT d.held_by FROM flips d WHERE d.monitor_id = ?1 AND d.to_status = 'down' \
              AND d.held_by LIKE '{PARENT_PREFIX}%' AND NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.flip_id = d.id) \
              AND d.at = (SELECT MAX(e.at) FROM flips e WHERE e.monitor_id = ?1 AND e.to_status = 'down')) \
         END)"
    )
}

/// The statements recording `flips`, which take effect only if the write of the state over
/// version `stored.state_version` won (the row's version is then one more). A flip whose
/// alert nothing holds queues it; a recovery also releases the alerts of the children it
/// held that are still down.
pub fn flip_statements(
    db: &D1Database,
    stored: &StoredState,
    flips: &[Transition],
    now: i64,
) -> Result<Vec<D1PreparedStatement>> {
    let mut statements = Vec::new();
    let holds = stored.holds();
    // Unwatched monitors change status but record no flips: they never alert.
    for f in flips.iter().filter(|_| stored.watched()) {
        let held = holds.first(f.at, &intl_zone);
        statements.push(
            db.prepare(format!(
                "INSERT OR IGNORE INTO flips (monitor_id, at, from_status, to_status, reason, recorded_at, held_by) \
                 SELECT ?1, ?3, ?4, ?5, ?6, ?7, {} WHERE EXISTS \
                   (SELECT 1 FROM monitors WHERE id = ?1 AND state_version = ?2 + 1)",
                held_by_sql()
            ))
            .bind(&[
                text(&stored.id),
                int(stored.state_version),
                int(f.at),
                text(f.from.as_str()),
                text(f.to.as_str()),
                text(f.reason),
                int(now),
                held.as_ref().map_or(JsValue::NULL, |h| text(&h.stored())),
            ])?,
        );
        if held.is_none() {
            statements.push(enqueue_flip(db, &stored.id, f.at, f.to.as_str(), now)?);
        }
        if f.to == Status::Up {
            statements.push(release_children(db, &stored.id, now)?);
        }
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
