//! The status machine's memory in D1: a monitor's state as read, and its flips, recorded once
//! and only where the write of the state over its version (`state_version`, written by
//! `monitors`, the row's one writer) won.

use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Result};

use crate::core::alerting::hold::{Holds, PARENT_PREFIX};
use crate::core::alerting::planner::{look_at, plan, Progress};
use crate::core::alerting::policy::AlertPolicy;
use crate::core::heartbeat::cron::Zone;
use crate::core::heartbeat::maintenance::Windows;
use crate::core::heartbeat::monitor::Schedule;
use crate::core::heartbeat::status::{is_watched, Rules, RuntimeBounds, State, Status, Tolerance, Transition};
use crate::core::heartbeat::volume_band::{VolumeBand, DEFAULT_WINDOW_S};
use crate::edge::alerting::outbox::{cancel_reminders, enqueue_flip, release_children, Queued};
use crate::edge::db::{int, text};
use crate::edge::heartbeat::zone::intl_zone;
use crate::edge::row_fields::row_fields;
use crate::edge::rows::{FirstRow, Rows};

pub const STATE_COLUMNS: &str = "id, ping_token, status, next_due_at, started_at, last_signal_at, state_version, \
    grace_s, paused, enabled, interval_s, schedule, tz, check_at, project_id, event_name, snoozed_until, \
    failure_tolerance, recovery_threshold, failures_in_row, successes_in_row, realert_every, realert_max, escalation, \
    down_since, steps_sent, reminders_sent, reminded_at, acknowledged_at, maintenance, depends_on, min_runtime, \
    max_runtime, judged_run, expect_min, expect_max, expect_window, band_judged_until, band_out, history_tokens";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// `core::alerting::policy::AlertPolicy` (defaults for a state kept before migration 0017).
    #[serde(default)]
    pub realert_every: Option<i64>,
    #[serde(default = "ten")]
    pub realert_max: i64,
    #[serde(default)]
    pub escalation: Option<String>,
    /// The down period's progress (`core::alerting::planner::Progress`).
    #[serde(default)]
    pub down_since: Option<i64>,
    #[serde(default)]
    pub steps_sent: i64,
    #[serde(default)]
    pub reminders_sent: i64,
    #[serde(default)]
    pub reminded_at: Option<i64>,
    #[serde(default)]
    pub acknowledged_at: Option<i64>,
    /// The windows that apply to the monitor (`core::heartbeat::maintenance::Windows`).
    #[serde(default)]
    pub maintenance: Option<String>,
    /// JSON array of its parents' ids (`core::heartbeat::dependencies`).
    #[serde(default)]
    pub depends_on: Option<String>,
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
    /// JSON array of its earlier ping tokens (`monitors::history_tokens`).
    #[serde(default)]
    pub history_tokens: Option<String>,
}
row_fields!(StoredState {
    id,
    ping_token,
    status,
    next_due_at,
    started_at,
    last_signal_at,
    state_version,
    grace_s,
    paused,
    enabled,
    interval_s,
    schedule,
    tz,
    check_at,
    project_id,
    event_name,
    snoozed_until,
    failure_tolerance,
    recovery_threshold,
    failures_in_row,
    successes_in_row,
    realert_every,
    realert_max,
    escalation,
    down_since,
    steps_sent,
    reminders_sent,
    reminded_at,
    acknowledged_at,
    maintenance,
    depends_on,
    min_runtime,
    max_runtime,
    judged_run,
    expect_min,
    expect_max,
    expect_window,
    band_judged_until,
    band_out,
    history_tokens
});

fn ten() -> i64 {
    crate::core::alerting::policy::DEFAULT_REALERT_MAX.into()
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

    pub fn tolerance(&self) -> Tolerance {
        Tolerance::from_columns(self.failure_tolerance, self.recovery_threshold)
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

    /// The rules of its own that hold this monitor's alerts (a parent's status is read where
    /// the flip is recorded).
    pub fn holds(&self) -> Holds {
        Holds {
            snoozed_until: self.snoozed_until,
            maintenance: self.windows(),
        }
    }

    /// Who hears of this monitor's down periods, and how often.
    pub fn policy(&self) -> AlertPolicy {
        AlertPolicy::from_columns(self.realert_every, self.realert_max, self.escalation.as_deref())
    }

    /// Where its current down period stands.
    pub fn progress(&self) -> Progress {
        Progress {
            down_since: self.down_since,
            steps_sent: count(self.steps_sent),
            reminders_sent: count(self.reminders_sent),
            reminded_at: self.reminded_at,
            acknowledged_at: self.acknowledged_at,
        }
    }

    /// When the alert planner has something to do for this monitor in `state` (`None`
    /// unless it is watched and down).
    pub fn alerts_look(&self, state: &State, now: i64) -> Option<i64> {
        (self.watched() && state.status == Status::Down)
            .then(|| look_at(&self.policy(), &self.progress(), &self.holds(), &intl_zone, now))
            .flatten()
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
        .first_row()
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

/// What a write of the state does for alerts: the down period's progress and when the
/// planner looks next (both stored with the state), and the statements recording the flips
/// and queueing their alerts, reminders and escalation steps.
pub struct AlertMoves {
    pub progress: Progress,
    pub next_look: Option<i64>,
    pub statements: Vec<D1PreparedStatement>,
}

/// The alert side of moving `stored` to `state` through `flips` at `at` (the sweep's
/// scheduled time, or a flush's now). Every statement takes effect only if the write of
/// `state` over version `stored.state_version` won: the row's version is then one more and
/// it holds that state. (The version alone is not enough: a write that lost to another
/// change, a snooze say, finds the version one more too, but not its state.)
pub fn alert_moves(
    db: &D1Database,
    stored: &StoredState,
    state: &State,
    flips: &[Transition],
    at: i64,
    now: i64,
) -> Result<AlertMoves> {
    let opt = |v: Option<i64>| v.map_or(JsValue::NULL, int);
    let mut statements = Vec::new();
    let (holds, policy) = (stored.holds(), stored.policy());
    let won = stored.state_version + 1;
    let mut progress = stored.progress();
    // Unwatched monitors change status but record no flips: they never alert.
    for f in flips.iter().filter(|_| stored.watched()) {
        let held = holds.first(f.at, &intl_zone);
        statements.push(
            db.prepare(format!(
                "INSERT OR IGNORE INTO flips (monitor_id, at, from_status, to_status, reason, recorded_at, held_by) \
                 SELECT ?1, ?3, ?4, ?5, ?6, ?7, {} WHERE EXISTS \
                   (SELECT 1 FROM monitors WHERE id = ?1 AND state_version = ?2 + 1 AND status = ?9 \
                      AND next_due_at IS ?10 AND started_at IS ?11 AND last_signal_at IS ?12 \
                      AND failures_in_row = ?13 AND successes_in_row = ?14)",
                // Only a monitor with parents asks after them (the sweep's common path reads
                // nothing more for monitors without).
                if stored.parents().is_empty() {
                    "?8".to_string()
                } else {
                    held_by_sql()
                }
            ))
            .bind(&[
                text(&stored.id),
                int(stored.state_version),
                int(f.at),
                text(f.from.as_str()),
                text(f.to.as_str()),
                text(&f.reason.to_string()),
                int(now),
                held.as_ref().map_or(JsValue::NULL, |h| text(&h.stored())),
                text(state.status.as_str()),
                opt(state.next_due_at),
                opt(state.started_at),
                opt(state.last_signal_at),
                int(i64::from(state.failures)),
                int(i64::from(state.successes)),
            ])?,
        );
        if f.to == Status::Down {
            // The planner queues the down alert: its first step (at once, unless delayed).
            progress = Progress::down_at(f.at);
            continue;
        }
        if held.is_none() {
            // Recovery goes to whoever heard of the outage: the steps reached.
            let channels = policy.channels_of_steps(0, progress.steps_sent as usize);
            let up = Queued::flip(f.at, f.to.as_str(), channels);
            statements.push(enqueue_flip(db, &stored.id, &up, won, now)?);
        }
        // The children it held that are still down alert on their own now.
        statements.push(release_children(db, &stored.id, now)?);
        if let Some(since) = progress.down_since {
            statements.push(cancel_reminders(db, &stored.id, since, now)?);
        }
        progress = Progress::default();
    }
    if !(stored.watched() && state.status == Status::Down) {
        return Ok(AlertMoves {
            progress: Progress::default(),
            next_look: None,
            statements,
        });
    }
    let planned = plan(&policy, progress, &holds, &intl_zone, at);
    if let Some(since) = planned.progress.down_since {
        let steps = policy.step_delays_ms().len();
        for step in planned.steps.iter().copied() {
            let queued = match &policy.escalation {
                Some(list) => Queued::step(
                    since,
                    step,
                    steps,
                    list[step].after_s,
                    policy.channels_of_steps(step, step + 1),
                ),
                // A monitor that reminds: its first alert carries the acknowledge link.
                None if policy.realert_every_s.is_some() => Queued {
                    extra: serde_json::json!({"acknowledge": true}),
                    ..Queued::flip(since, "down", None)
                },
                None => Queued::flip(since, "down", None),
            };
            statements.push(enqueue_flip(db, &stored.id, &queued, won, now)?);
        }
        if let Some(number) = planned.reminder {
            let channels = policy.channels_of_steps(0, planned.progress.steps_sent as usize);
            let queued = Queued::reminder(since, number, policy.realert_max, at, channels);
            statements.push(enqueue_flip(db, &stored.id, &queued, won, now)?);
        }
    }
    Ok(AlertMoves {
        progress: planned.progress,
        next_look: planned.next_look,
        statements,
    })
}

/// Records that a person acknowledged the down flip of `monitor_id` at `flip_at` (`by`:
/// `api` or `link`); its `changes` is 1 only the first time.
pub fn acknowledge_flip(
    db: &D1Database,
    monitor_id: &str,
    flip_at: i64,
    by: &str,
    now: i64,
) -> Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE flips SET acknowledged_at = ?4, acknowledged_by = ?3 \
         WHERE monitor_id = ?1 AND at = ?2 AND to_status = 'down' AND acknowledged_at IS NULL",
    )
    .bind(&[text(monitor_id), int(flip_at), text(by), int(now)])
}

/// A down flip, as its acknowledge link finds it.
#[derive(Debug)]
pub struct DownFlip {
    pub monitor_id: String,
    pub name: String,
    pub acknowledged_at: Option<i64>,
    /// Whether the monitor is still down in the period this flip began.
    pub current: i64,
}
row_fields!(DownFlip {
    monitor_id,
    name,
    acknowledged_at,
    current
});

/// The down flip of the monitor whose `unique_key` is `monitor_key` at `flip_at` (unique
/// index on the key; the flips' (monitor_id, at, to_status) is unique).
pub async fn down_flip(db: &D1Database, monitor_key: &str, flip_at: i64) -> Result<Option<DownFlip>> {
    db.prepare(
        "SELECT m.id AS monitor_id, m.name, f.acknowledged_at, \
           (m.status = 'down' AND m.down_since = f.at) AS current \
         FROM monitors m JOIN flips f ON f.monitor_id = m.id AND f.at = ?2 AND f.to_status = 'down' \
         WHERE m.unique_key = ?1",
    )
    .bind(&[text(monitor_key), int(flip_at)])?
    .first_row()
    .await
}

/// A flip as the API shows it.
#[derive(Debug)]
pub struct StoredFlip {
    pub at: i64,
    pub from_status: String,
    pub to_status: String,
    pub reason: String,
}
row_fields!(StoredFlip {
    at,
    from_status,
    to_status,
    reason
});

pub async fn flips_of(db: &D1Database, monitor_id: &str, limit: i64) -> Result<Vec<StoredFlip>> {
    db.prepare("SELECT at, from_status, to_status, reason FROM flips WHERE monitor_id = ?1 ORDER BY at, id LIMIT ?2")
        .bind(&[text(monitor_id), int(limit)])?
        .all()
        .await?
        .rows()
}
