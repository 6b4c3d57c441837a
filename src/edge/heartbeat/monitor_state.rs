//! The status machine's memory in D1: a monitor's state as read, and its flips, recorded once
//! and only where the write of the state over its version (`state_version`, written by
//! `monitors`, the row's one writer) won.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement, Result};

use crate::core::heartbeat::monitor::Schedule;
use crate::core::heartbeat::snooze::holds_alerts;
use crate::core::heartbeat::status::{is_watched, State, Status, Transition};
use crate::edge::alerting::outbox::enqueue_flip;
use crate::edge::db::{int, text};

pub const STATE_COLUMNS: &str = "id, ping_token, status, next_due_at, started_at, last_signal_at, state_version, \
    grace_s, paused, enabled, interval_s, schedule, tz, check_at, project_id, event_name, snoozed_until";

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
        if !holds_alerts(stored.snoozed_until, f.at) {
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
