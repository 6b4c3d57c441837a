//! The status machine's memory in D1: a monitor's state as read, and its flips, recorded once
//! and only where the write of the state over its version (`state_version`, written by
//! `monitors`, the row's one writer) won.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Result};

use crate::core::alerting::hold::Holds;
use crate::core::heartbeat::check_at::{check_at, CheckTerms};
use crate::core::heartbeat::cron::Zone;
use crate::core::heartbeat::monitor::Schedule;
use crate::core::heartbeat::status::{is_watched, Rules, RuntimeBounds, State, Status, Tolerance, Transition};
use crate::core::heartbeat::volume_band::{VolumeBand, DEFAULT_WINDOW_S};
use crate::edge::alerting::outbox::enqueue_flip;
use crate::edge::db::{int, text};

pub const STATE_COLUMNS: &str = "id, ping_token, status, next_due_at, started_at, last_signal_at, state_version, \
    grace_s, paused, enabled, interval_s, schedule, tz, check_at, project_id, event_name, snoozed_until, \
    failure_tolerance, recovery_threshold, failures_in_row, successes_in_row, min_runtime, max_runtime, judged_run, \
    expect_min, expect_max, expect_window, band_judged_until, band_out";

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
    /// `core::heartbeat::runtime_bounds` (seconds), and the run the clock already failed.
    #[serde(default)]
    pub min_runtime: Option<i64>,
    #[serde(default)]
    pub max_runtime: Option<i64>,
    #[serde(default)]
    pub judged_run: Option<i64>,
    /// `core::heartbeat::volume_band`, and how far its windows are judged.
    #[serde(default)]
    pub expect_min: Option<i64>,
    #[serde(default)]
    pub expect_max: Option<i64>,
    #[serde(default = "default_window")]
    pub expect_window: i64,
    #[serde(default)]
    pub band_judged_until: Option<i64>,
    #[serde(default)]
    pub band_out: i64,
}

fn one() -> i64 {
    1
}

fn default_window() -> i64 {
    DEFAULT_WINDOW_S
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
            judged_run: self.judged_run,
            band_judged_until: self.band_judged_until,
            band_out: self.band_out != 0,
        }
    }

    pub fn runtime(&self) -> RuntimeBounds {
        RuntimeBounds::from_seconds(self.min_runtime, self.max_runtime)
    }

    pub fn band(&self) -> VolumeBand {
        VolumeBand {
            min: self.expect_min,
            max: self.expect_max,
            window_s: self.expect_window,
        }
    }

    /// When the sweep looks at this monitor next in `state` (`core::heartbeat::check_at`).
    pub fn check_at(&self, state: &State) -> Option<i64> {
        let terms = CheckTerms {
            machine: state.check_at_within(self.grace_ms(), self.runtime()),
            band: self.band().next_judgment(state.band_judged_until),
        };
        check_at(self.watched(), terms)
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
            runtime: self.runtime(),
        }
    }

    /// The rules that hold this monitor's alerts.
    pub fn holds(&self) -> Holds {
        Holds {
            snoozed_until: self.snoozed_until,
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

/// The statements recording `flips`, which take effect only if the write of the state over
/// version `stored.state_version` won (the row's version is then one more).
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
        let held = holds.first(f.at);
        statements.push(
            db.prepare(
                "INSERT OR IGNORE INTO flips (monitor_id, at, from_status, to_status, reason, recorded_at, held_by) \
                 SELECT ?1, ?3, ?4, ?5, ?6, ?7, ?8 WHERE EXISTS \
                   (SELECT 1 FROM monitors WHERE id = ?1 AND state_version = ?2 + 1)",
            )
            .bind(&[
                text(&stored.id),
                int(stored.state_version),
                int(f.at),
                text(f.from.as_str()),
                text(f.to.as_str()),
                text(&f.reason.to_string()),
                int(now),
                held.as_ref().map_or(JsValue::NULL, |h| text(h.as_str())),
            ])?,
        );
        if held.is_none() {
            statements.push(enqueue_flip(db, &stored.id, f.at, f.to.as_str(), now)?);
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
