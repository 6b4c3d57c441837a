//! Monitors in D1, and the one writer of their rows: every statement that changes a
//! monitor's row is here (create, settings, pause, token, delete; the status over its
//! `state_version`; a flush's counters and the pruning mark; pruning's count and unmark), so
//! a rule such as "mark for pruning" cannot be missed by a second path. Every query the API
//! runs is scoped by project, so one project's key never reaches another project's monitors.

use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Result};

use crate::core::alerting::planner::Progress;
use crate::core::alerting::policy::AlertPolicy;
use crate::core::heartbeat::deadline_watch::pushed_check_at;
use crate::core::heartbeat::look::LookTerms;
use crate::core::heartbeat::monitor::{MonitorSpec, PING_METHODS};
use crate::core::heartbeat::monitor_list::{Cursor, MAX_TAGS_LISTED};
use crate::core::heartbeat::ping::{latest_value, PendingPing};
use crate::core::heartbeat::retention::mark_above;
use crate::core::heartbeat::runtime_bounds::RuntimeBounds;
use crate::core::heartbeat::status::{State, Status, Transition};
use crate::core::heartbeat::tolerance::Tolerance;
use crate::core::heartbeat::volume_band::VolumeBand;
use crate::edge::db::{changed_one, int, json_list, opt_text, text};
use crate::edge::heartbeat::monitor_state::{alert_moves, StoredState, STATE_COLUMNS};
use crate::edge::heartbeat::zone::intl_zone;
use crate::edge::row_fields::row_fields;
use crate::edge::rows::{FirstRow, Rows};

const COLUMNS: &str = "id, name, ping_token, methods, service_id, slug, description, tags, channels, schedule, tz, \
    interval_s, grace_s, enabled, paused, status, last_ping_at, next_due_at, n_pings, last_value, created_at, updated_at, \
    event_name, unique_key, event_key_ids, snoozed_until, failure_tolerance, recovery_threshold, failures_in_row, \
    successes_in_row, realert_every, realert_max, escalation, down_since, steps_sent, reminders_sent, acknowledged_at, \
    maintenance, depends_on, min_runtime, max_runtime, expect_min, expect_max, expect_window, band_out, history_tokens";

#[derive(Debug, Clone)]
pub struct Monitor {
    pub id: String,
    pub name: String,
    pub ping_token: String,
    /// JSON array.
    pub methods: String,
    pub service_id: Option<String>,
    pub slug: Option<String>,
    pub description: String,
    /// JSON array.
    pub tags: String,
    /// JSON array of channel ids, or NULL for all.
    pub channels: Option<String>,
    pub schedule: Option<String>,
    pub tz: String,
    /// 0 for cron-scheduled monitors.
    pub interval_s: i64,
    pub grace_s: i64,
    pub enabled: i64,
    pub paused: i64,
    pub status: String,
    pub last_ping_at: Option<i64>,
    pub next_due_at: Option<i64>,
    pub n_pings: i64,
    pub last_value: Option<f64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub event_name: Option<String>,
    /// What read scopes see and address instead of the id.
    pub unique_key: String,
    /// JSON array of key ids, or NULL for any key that may feed monitors.
    pub event_key_ids: Option<String>,
    /// Alerts of flips before this time are held (`core::heartbeat::snooze`).
    pub snoozed_until: Option<i64>,
    pub failure_tolerance: i64,
    pub recovery_threshold: i64,
    /// The status machine's counts: failures in a row, successes in a row while down.
    pub failures_in_row: i64,
    pub successes_in_row: i64,
    /// `core::alerting::policy::AlertPolicy`'s columns.
    pub realert_every: Option<i64>,
    pub realert_max: i64,
    pub escalation: Option<String>,
    /// The current down period (`core::alerting::planner::Progress`).
    pub down_since: Option<i64>,
    pub steps_sent: i64,
    pub reminders_sent: i64,
    pub acknowledged_at: Option<i64>,
    /// The windows that apply to it, as one JSON array (`core::heartbeat::maintenance`).
    pub maintenance: Option<String>,
    /// JSON array of the ids of the monitors it depends on.
    pub depends_on: Option<String>,
    /// Seconds, NULL for no bound (`core::heartbeat::runtime_bounds`).
    pub min_runtime: Option<i64>,
    pub max_runtime: Option<i64>,
    /// The volume band (`core::heartbeat::volume_band`), and whether its last window broke it.
    pub expect_min: Option<i64>,
    pub expect_max: Option<i64>,
    pub expect_window: i64,
    pub band_out: i64,
    /// JSON array of its earlier ping tokens, whose objects keep the history they held.
    pub history_tokens: Option<String>,
}
row_fields!(Monitor {
    id,
    name,
    ping_token,
    methods,
    service_id,
    slug,
    description,
    tags,
    channels,
    schedule,
    tz,
    interval_s,
    grace_s,
    enabled,
    paused,
    status,
    last_ping_at,
    next_due_at,
    n_pings,
    last_value,
    created_at,
    updated_at,
    event_name,
    unique_key,
    event_key_ids,
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
    acknowledged_at,
    maintenance,
    depends_on,
    min_runtime,
    max_runtime,
    expect_min,
    expect_max,
    expect_window,
    band_out,
    history_tokens
});

/// The ping tokens whose objects keep a monitor's history: its earlier ones (`history_tokens`,
/// oldest first), then its own.
pub fn history_tokens(current: &str, earlier: Option<&str>) -> Vec<String> {
    let mut tokens: Vec<String> = earlier.and_then(|e| serde_json::from_str(e).ok()).unwrap_or_default();
    tokens.push(current.to_string());
    tokens
}

impl Monitor {
    pub fn history_tokens(&self) -> Vec<String> {
        history_tokens(&self.ping_token, self.history_tokens.as_deref())
    }

    /// The user-settable part, for applying an update on top.
    pub fn spec(&self) -> MonitorSpec {
        MonitorSpec {
            name: self.name.clone(),
            service_id: self.service_id.clone(),
            interval_s: (self.interval_s > 0).then_some(self.interval_s),
            grace_s: self.grace_s,
            cron: self.schedule.clone(),
            tz: self.tz.clone(),
            enabled: self.enabled != 0,
            methods: serde_json::from_str(&self.methods).unwrap_or_else(|_| PING_METHODS.map(String::from).to_vec()),
            slug: self.slug.clone(),
            tags: serde_json::from_str(&self.tags).unwrap_or_default(),
            description: self.description.clone(),
            channels: self.channels.as_deref().and_then(|c| serde_json::from_str(c).ok()),
            event_name: self.event_name.clone(),
            event_key_ids: self.event_key_ids.as_deref().and_then(|k| serde_json::from_str(k).ok()),
            tolerance: Tolerance::from_columns(self.failure_tolerance, self.recovery_threshold),
            alerts: self.policy(),
            depends_on: self.depends_on.as_deref().and_then(|d| serde_json::from_str(d).ok()),
            runtime: RuntimeBounds::from_seconds(self.min_runtime, self.max_runtime),
            band: VolumeBand {
                min: self.expect_min,
                max: self.expect_max,
                window_s: self.expect_window,
            },
        }
    }

    pub fn policy(&self) -> AlertPolicy {
        AlertPolicy::from_columns(self.realert_every, self.realert_max, self.escalation.as_deref())
    }
}

/// The bound values of a spec, in the order of `SPEC_COLUMNS`.
const SPEC_COLUMNS: [&str; 25] = [
    "name",
    "service_id",
    "interval_s",
    "grace_s",
    "schedule",
    "tz",
    "enabled",
    "methods",
    "slug",
    "tags",
    "description",
    "channels",
    "event_name",
    "event_key_ids",
    "failure_tolerance",
    "recovery_threshold",
    "realert_every",
    "realert_max",
    "escalation",
    "depends_on",
    "min_runtime",
    "max_runtime",
    "expect_min",
    "expect_max",
    "expect_window",
];

fn spec_values(spec: &MonitorSpec) -> Vec<wasm_bindgen::JsValue> {
    vec![
        text(&spec.name),
        opt_text(spec.service_id.as_deref()),
        int(spec.interval_s.unwrap_or(0)),
        int(spec.grace_s),
        opt_text(spec.cron.as_deref()),
        text(&spec.tz),
        int(i64::from(spec.enabled)),
        text(&serde_json::to_string(&spec.methods).unwrap_or_default()),
        opt_text(spec.slug.as_deref()),
        text(&serde_json::to_string(&spec.tags).unwrap_or_default()),
        text(&spec.description),
        spec.channels.as_ref().map_or(wasm_bindgen::JsValue::NULL, |c| {
            text(&serde_json::to_string(c).unwrap_or_default())
        }),
        opt_text(spec.event_name.as_deref()),
        spec.event_key_ids.as_ref().map_or(wasm_bindgen::JsValue::NULL, |k| {
            text(&serde_json::to_string(k).unwrap_or_default())
        }),
        int(i64::from(spec.tolerance.failures)),
        int(i64::from(spec.tolerance.recovery)),
        opt(spec.alerts.realert_every_s),
        int(i64::from(spec.alerts.realert_max)),
        opt_text(spec.alerts.escalation_json().as_deref()),
        spec.depends_on.as_ref().map_or(wasm_bindgen::JsValue::NULL, |d| {
            text(&serde_json::to_string(d).unwrap_or_default())
        }),
        opt(spec.runtime.min_ms.map(|ms| ms / 1_000)),
        opt(spec.runtime.max_ms.map(|ms| ms / 1_000)),
        opt(spec.band.min),
        opt(spec.band.max),
        int(spec.band.window_s),
    ]
}

pub async fn insert_monitor(
    db: &D1Database,
    id: &str,
    project_id: &str,
    token: &str,
    spec: &MonitorSpec,
    now: i64,
) -> Result<()> {
    let placeholders: Vec<String> = (8..8 + SPEC_COLUMNS.len()).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT INTO monitors (id, project_id, ping_token, created_at, updated_at, unique_key, band_judged_until, \
           check_at, {}) \
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, {})",
        SPEC_COLUMNS.join(", "),
        placeholders.join(", ")
    );
    // A band is judged from its first whole window; nothing else needs the clock before a ping.
    let band_from = spec.band.judged_until_after_change(&VolumeBand::NONE, None, now);
    let check_at = spec.band.next_judgment(band_from).filter(|_| spec.enabled);
    let mut values = vec![
        text(id),
        text(project_id),
        text(token),
        int(now),
        text(&crate::edge::random::unique_key()),
        opt(band_from),
        opt(check_at),
    ];
    values.extend(spec_values(spec));
    db.prepare(sql).bind(&values)?.run().await?;
    Ok(())
}

/// Where a monitor's volume band stands: judged up to `judged_until`, its last window out.
#[derive(Debug, Clone, Copy)]
pub struct BandPlace {
    pub judged_until: Option<i64>,
    pub out: bool,
}

/// Replaces the user-settable fields and the next due time; false if the monitor is gone.
pub async fn update_monitor(
    db: &D1Database,
    project_id: &str,
    id: &str,
    spec: &MonitorSpec,
    next_due_at: Option<i64>,
    check_at: Option<i64>,
    band: BandPlace,
    now: i64,
) -> Result<bool> {
    let assignments: Vec<String> = SPEC_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ?{}", i + 8))
        .collect();
    let sql = format!(
        "UPDATE monitors SET next_due_at = ?3, updated_at = ?4, check_at = ?5, band_judged_until = ?6, band_out = ?7, \
         state_version = state_version + 1, {} \
         WHERE id = ?1 AND project_id = ?2",
        assignments.join(", ")
    );
    let mut values = vec![
        text(id),
        text(project_id),
        next_due_at.map_or(wasm_bindgen::JsValue::NULL, int),
        int(now),
        check_at.map_or(wasm_bindgen::JsValue::NULL, int),
        opt(band.judged_until),
        int(i64::from(band.out)),
    ];
    values.extend(spec_values(spec));
    let result = db.prepare(sql).bind(&values)?.run().await?;
    changed_one(&result)
}

/// Snoozes the monitor's alerts until `until`, or ends a snooze (`None`); false if the
/// monitor is gone. A new version of the state, like every change to what judges or holds
/// the monitor: a flush that read the state before (a token's object keeps it between
/// flushes) then loses its write and applies its pings over the new one, so it cannot
/// record a flip under the old snooze.
pub async fn set_snooze(db: &D1Database, project_id: &str, id: &str, until: Option<i64>, now: i64) -> Result<bool> {
    let result = db
        .prepare(
            "UPDATE monitors SET snoozed_until = ?3, updated_at = ?4, state_version = state_version + 1 \
             WHERE id = ?1 AND project_id = ?2",
        )
        .bind(&[text(id), text(project_id), until.map_or(JsValue::NULL, int), int(now)])?
        .run()
        .await?;
    changed_one(&result)
}

/// The windows of `maintenance_windows` that apply to monitor `m`, not ended by `?2`, as the
/// JSON array `core::heartbeat::maintenance::Windows` reads (NULL for none), oldest first.
const WINDOWS_OF_M: &str = "(SELECT CASE WHEN COUNT(*) = 0 THEN NULL ELSE json_group_array(json(w)) END FROM ( \
     SELECT CASE WHEN w.schedule IS NULL THEN json_object('from', w.starts_at, 'until', w.ends_at) \
       ELSE json_object('schedule', w.schedule, 'duration_s', w.duration_s, 'tz', w.tz) END AS w \
     FROM maintenance_windows w WHERE w.project_id = m.project_id AND (w.ends_at IS NULL OR w.ends_at > ?2) \
       AND (w.monitor_id = m.id OR (w.monitor_id IS NULL AND (w.tag IS NULL \
         OR EXISTS (SELECT 1 FROM json_each(m.tags) t WHERE t.value = w.tag)))) \
     ORDER BY w.created_at, w.id))";

/// Rewrites the `maintenance` column of the project's monitors (or only of `monitor_id`)
/// from the windows that apply to each; answers the ping tokens of those whose windows
/// changed, whose objects must forget the state they keep. A changed monitor that is down is
/// looked at by the next sweep: a window taken away may leave a held down to tell.
pub async fn refresh_maintenance(
    db: &D1Database,
    project_id: &str,
    monitor_id: Option<&str>,
    now: i64,
) -> Result<Vec<String>> {
    struct Changed {
        ping_token: String,
    }
    row_fields!(Changed { ping_token });
    let rows = db
        .prepare(format!(
            "UPDATE monitors SET maintenance = n.windows, \
               check_at = CASE WHEN monitors.status = 'down' AND monitors.paused = 0 AND monitors.enabled = 1 \
                 THEN MIN(COALESCE(monitors.check_at, ?2), ?2) ELSE monitors.check_at END FROM \
               (SELECT m.id, {WINDOWS_OF_M} AS windows FROM monitors m \
                WHERE m.project_id = ?1 AND (?3 IS NULL OR m.id = ?3)) AS n \
             WHERE monitors.id = n.id AND monitors.maintenance IS NOT n.windows \
             RETURNING monitors.ping_token"
        ))
        .bind(&[text(project_id), int(now), opt_text(monitor_id)])?
        .all()
        .await?
        .rows::<Changed>()?;
    Ok(rows.into_iter().map(|r| r.ping_token).collect())
}

/// How many of `ids` are the project's monitors.
pub async fn count_own_monitors(db: &D1Database, project_id: &str, ids: &[String]) -> Result<usize> {
    let n: Option<i64> = db
        .prepare("SELECT COUNT(*) AS n FROM monitors WHERE project_id = ?1 AND id IN (SELECT value FROM json_each(?2))")
        .bind(&[text(project_id), json_list(ids)])?
        .first_value("n")
        .await?;
    Ok(usize::try_from(n.unwrap_or(0)).unwrap_or(0))
}

/// Every monitor of the project that has parents, with them (the partial index on monitors
/// with parents).
pub async fn dependency_graph(db: &D1Database, project_id: &str) -> Result<Vec<(String, Vec<String>)>> {
    struct Row {
        id: String,
        depends_on: String,
    }
    row_fields!(Row { id, depends_on });
    let rows = db
        .prepare("SELECT id, depends_on FROM monitors WHERE project_id = ?1 AND depends_on IS NOT NULL")
        .bind(&[text(project_id)])?
        .all()
        .await?
        .rows::<Row>()?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, serde_json::from_str(&r.depends_on).unwrap_or_default()))
        .collect())
}

/// Pauses or resumes; false if the monitor is gone.
/// Pausing stops the clock; resuming starts over as `new`, waiting for the next ping, so time
/// spent paused never turns into a flip.
/// A resumed monitor's band starts over from its next whole window (`band`: the monitor's).
pub async fn set_paused(
    db: &D1Database,
    project_id: &str,
    id: &str,
    paused: bool,
    band: &VolumeBand,
    now: i64,
) -> Result<bool> {
    let result = if paused {
        db.prepare(
            "UPDATE monitors SET paused = 1, check_at = NULL, state_version = state_version + 1, updated_at = ?3 \
             WHERE id = ?1 AND project_id = ?2",
        )
        .bind(&[text(id), text(project_id), int(now)])?
    } else {
        let band_from = band.judged_until_after_change(&VolumeBand::NONE, None, now);
        db.prepare(
            "UPDATE monitors SET paused = 0, status = 'new', next_due_at = NULL, started_at = NULL, \
             failures_in_row = 0, successes_in_row = 0, judged_run = NULL, band_judged_until = ?4, band_out = 0, \
             check_at = CASE WHEN enabled = 1 THEN ?5 END, \
             state_version = state_version + 1, updated_at = ?3 WHERE id = ?1 AND project_id = ?2",
        )
        .bind(&[
            text(id),
            text(project_id),
            int(now),
            opt(band_from),
            opt(band.next_judgment(band_from)),
        ])?
    }
    .run()
    .await?;
    changed_one(&result)
}

/// Which of a project's monitors a listing shows.
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub service_id: Option<String>,
    pub status: Option<String>,
    pub tag: Option<String>,
    /// Text the name, its ASCII letters in lower case, contains.
    pub name_contains: Option<String>,
    /// Only the monitors after this one in the listing's order (a keyset page).
    pub after: Option<Cursor>,
}

/// The project's monitor by its `unique_key` (unique index).
pub async fn find_by_unique_key(db: &D1Database, project_id: &str, unique_key: &str) -> Result<Option<Monitor>> {
    find_one(db, "unique_key", project_id, unique_key).await
}

pub async fn find_monitor(db: &D1Database, project_id: &str, id: &str) -> Result<Option<Monitor>> {
    find_one(db, "id", project_id, id).await
}

/// The project's monitor whose `column` (a unique one) is `value`.
async fn find_one(db: &D1Database, column: &'static str, project_id: &str, value: &str) -> Result<Option<Monitor>> {
    db.prepare(format!(
        "SELECT {COLUMNS} FROM monitors WHERE {column} = ?1 AND project_id = ?2"
    ))
    .bind(&[text(value), text(project_id)])?
    .first_row()
    .await
}

/// One page of a project's monitors matching `filter`, oldest first, how many match (the
/// cursor aside), and with `with_tags` every tag the project's monitors carry: one batch.
pub async fn list_monitors(
    db: &D1Database,
    project_id: &str,
    filter: &ListFilter,
    limit: i64,
    offset: i64,
    with_tags: bool,
) -> Result<(Vec<Monitor>, i64, Option<Vec<String>>)> {
    // `paused` is shown as a status, so filtering by it reads the flag; `maintenance` is
    // computed from the windows, so it selects the monitors that have any (the caller keeps
    // those a window holds now). The project's index orders the page (`created_at, id`).
    let conditions = "project_id = ?1 \
        AND (?2 IS NULL OR service_id = ?2) \
        AND (?3 IS NULL OR (CASE WHEN paused = 1 THEN 'paused' ELSE status END) = ?3 \
          OR (?3 = 'maintenance' AND paused = 0 AND maintenance IS NOT NULL)) \
        AND (?4 IS NULL OR EXISTS (SELECT 1 FROM json_each(monitors.tags) WHERE json_each.value = ?4)) \
        AND (?5 IS NULL OR instr(lower(name), ?5) > 0)";
    let args = [
        text(project_id),
        opt_text(filter.service_id.as_deref()),
        opt_text(filter.status.as_deref()),
        opt_text(filter.tag.as_deref()),
        opt_text(filter.name_contains.as_deref()),
    ];
    let (after_at, after_id) = match &filter.after {
        Some(c) => (int(c.created_at), text(&c.id)),
        None => (JsValue::NULL, JsValue::NULL),
    };
    let page = db
        .prepare(format!(
            "SELECT {COLUMNS} FROM monitors WHERE {conditions} \
             AND (?6 IS NULL OR created_at > ?6 OR (created_at = ?6 AND id > ?7)) \
             ORDER BY created_at, id LIMIT ?8 OFFSET ?9"
        ))
        .bind(&[args.to_vec(), vec![after_at, after_id, int(limit), int(offset)]].concat())?;
    let total = db
        .prepare(format!("SELECT COUNT(*) AS n FROM monitors WHERE {conditions}"))
        .bind(&args)?;
    let mut statements = vec![page, total];
    if with_tags {
        statements.push(
            db.prepare(
                "SELECT DISTINCT t.value AS tag FROM monitors, json_each(monitors.tags) AS t \
                 WHERE monitors.project_id = ?1 ORDER BY tag LIMIT ?2",
            )
            .bind(&[text(project_id), int(MAX_TAGS_LISTED)])?,
        );
    }
    let results = db.batch(statements).await?;
    crate::edge::cost_meter::d1_results(&results);
    let monitors = results[0].rows::<Monitor>()?;
    struct Count {
        n: i64,
    }
    row_fields!(Count { n });
    let total = results[1].rows::<Count>()?.first().map_or(0, |c| c.n);
    struct Tag {
        tag: String,
    }
    row_fields!(Tag { tag });
    let tags = match results.get(2) {
        Some(r) => Some(r.rows::<Tag>()?.into_iter().map(|t| t.tag).collect()),
        None => None,
    };
    Ok((monitors, total, tags))
}

/// Deletes those of `ids` that belong to the project (their pings in D1 go with them); returns
/// each deleted monitor's tokens, earlier ones first (their objects keep its history).
pub async fn delete_monitors(db: &D1Database, project_id: &str, ids: &[String]) -> Result<Vec<Vec<String>>> {
    struct Deleted {
        ping_token: String,
        history_tokens: Option<String>,
    }
    row_fields!(Deleted {
        ping_token,
        history_tokens
    });
    let deleted = db
        .prepare(
            "DELETE FROM monitors WHERE project_id = ?1 AND id IN (SELECT value FROM json_each(?2)) \
             RETURNING ping_token, history_tokens",
        )
        .bind(&[text(project_id), json_list(ids)])?
        .all()
        .await?
        .rows::<Deleted>()?;
    Ok(deleted
        .into_iter()
        .map(|d| history_tokens(&d.ping_token, d.history_tokens.as_deref()))
        .collect())
}

/// Replaces the ping token if it is still `old_token` (false when someone else rotated first),
/// keeping the old one among its history tokens: its object keeps the history it held.
pub async fn replace_token(db: &D1Database, id: &str, old_token: &str, new_token: &str, now: i64) -> Result<bool> {
    let result = db
        .prepare(
            "UPDATE monitors SET ping_token = ?3, updated_at = ?4, \
               history_tokens = json_insert(COALESCE(history_tokens, '[]'), '$[#]', ?2) \
             WHERE id = ?1 AND ping_token = ?2",
        )
        .bind(&[text(id), text(old_token), text(new_token), int(now)])?
        .run()
        .await?;
    changed_one(&result)
}

/// The statement dropping `token` from the monitor's history tokens (its history moved to D1).
pub fn drop_history_token(db: &D1Database, id: &str, token: &str) -> Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE monitors SET history_tokens = (SELECT json_group_array(value) FROM json_each(history_tokens) \
           WHERE value <> ?2) WHERE id = ?1",
    )
    .bind(&[text(id), text(token)])
}

/// The ping token of a project's system monitor, created with a 10-minute interval on the
/// system's first heartbeat. Concurrent first heartbeats create one monitor (unique index).
pub async fn system_monitor_token(db: &D1Database, project_id: &str, system_id: &str, now: i64) -> Result<String> {
    let create = db
        .prepare(
            "INSERT INTO monitors (id, project_id, name, ping_token, interval_s, grace_s, system_id, created_at, updated_at, \
               unique_key) \
             VALUES (?1, ?2, 'system ' || ?3, ?4, 600, 60, ?3, ?5, ?5, ?6) \
             ON CONFLICT (project_id, system_id) WHERE system_id IS NOT NULL DO NOTHING",
        )
        .bind(&[
            text(&crate::edge::random::uuid()),
            text(project_id),
            text(system_id),
            text(&crate::edge::random::ping_token()),
            int(now),
            text(&crate::edge::random::unique_key()),
        ])?;
    let find = db
        .prepare("SELECT ping_token FROM monitors WHERE project_id = ?1 AND system_id = ?2")
        .bind(&[text(project_id), text(system_id)])?;
    let results = db.batch(vec![create, find]).await?;
    struct Row {
        ping_token: String,
    }
    row_fields!(Row { ping_token });
    results[1]
        .rows::<Row>()?
        .pop()
        .map(|r| r.ping_token)
        .ok_or_else(|| worker::Error::RustError("system monitor missing after upsert".into()))
}

/// What a token's object needs to know about its monitor.
#[derive(Debug, Clone)]
pub struct TokenOwner {
    /// JSON array of the methods the heartbeat ping route accepts.
    pub methods: String,
    pub last_ping_at: Option<i64>,
    /// Its status, which the object's flushes then carry forward.
    pub state: StoredState,
}

/// The monitor a ping token belongs to (unique index on ping_token).
pub async fn monitor_for_token(db: &D1Database, token: &str) -> Result<Option<TokenOwner>> {
    struct Extra {
        methods: String,
        last_ping_at: Option<i64>,
    }
    row_fields!(Extra { methods, last_ping_at });
    let result = db
        .prepare(format!(
            "SELECT methods, last_ping_at, {STATE_COLUMNS} FROM monitors WHERE ping_token = ?1"
        ))
        .bind(&[text(token)])?
        .all()
        .await?;
    crate::edge::cost_meter::d1_results(std::slice::from_ref(&result));
    let (Some(extra), Some(state)) = (
        result.rows::<Extra>()?.into_iter().next(),
        result.rows::<StoredState>()?.into_iter().next(),
    ) else {
        return Ok(None);
    };
    Ok(Some(TokenOwner {
        methods: extra.methods,
        last_ping_at: extra.last_ping_at,
        state,
    }))
}

/// The ping token of the monitor with this id, when its project lets monitors be pinged by id
/// (primary key; the project row by its primary key).
pub async fn token_for_pingable_id(db: &D1Database, id: &str) -> Result<Option<String>> {
    db.prepare(
        "SELECT m.ping_token FROM monitors m JOIN projects p ON p.id = m.project_id \
         WHERE m.id = ?1 AND p.ping_by_id = 1",
    )
    .bind(&[text(id)])?
    .first_value("ping_token")
    .await
}

/// Ping tokens of the project's monitors with this slug (at most two: more than one is ambiguous).
pub async fn tokens_for_slug(db: &D1Database, project_id: &str, slug: &str) -> Result<Vec<String>> {
    struct Row {
        ping_token: String,
    }
    row_fields!(Row { ping_token });
    let rows = db
        .prepare("SELECT ping_token FROM monitors WHERE project_id = ?1 AND slug = ?2 LIMIT 2")
        .bind(&[text(project_id), text(slug)])?
        .all()
        .await?
        .rows::<Row>()?;
    Ok(rows.into_iter().map(|r| r.ping_token).collect())
}

/// A monitor for a slug ping with `?create=1`, unless the project already has that slug.
pub async fn create_slug_monitor(db: &D1Database, project_id: &str, slug: &str, now: i64) -> Result<()> {
    db.prepare(
        "INSERT INTO monitors (id, project_id, name, slug, ping_token, interval_s, grace_s, created_at, updated_at, \
           unique_key) \
         SELECT ?1, ?2, ?3, ?3, ?4, 86400, 3600, ?5, ?5, ?6 \
         WHERE NOT EXISTS (SELECT 1 FROM monitors WHERE project_id = ?2 AND slug = ?3)",
    )
    .bind(&[
        text(&crate::edge::random::uuid()),
        text(project_id),
        text(slug),
        text(&crate::edge::random::ping_token()),
        int(now),
        text(&crate::edge::random::unique_key()),
    ])?
    .run()
    .await?;
    Ok(())
}

fn opt(v: Option<i64>) -> JsValue {
    v.map_or(JsValue::NULL, int)
}

/// When the sweep looks at the monitor next in `state`, written at `at` with `flips`, the
/// alert planner looking next at `alerts`: never while it is not watched; else the earliest
/// time a rule needs (`LookTerms`).
pub fn check_at(
    stored: &StoredState,
    state: &State,
    flips: &[Transition],
    at: i64,
    alerts: Option<i64>,
) -> Option<i64> {
    if !stored.watched() {
        return None;
    }
    let windows = stored.windows();
    let maintenance_end = if windows.is_empty() {
        None
    } else {
        let moments: Vec<i64> = std::iter::once(at).chain(flips.iter().map(|f| f.at)).collect();
        windows.check_at(&moments, &intl_zone)
    };
    LookTerms {
        machine: state.check_at_within(stored.grace_ms(), stored.runtime()),
        maintenance_end,
        alerts,
        band: stored.band().next_judgment(state.band_judged_until),
    }
    .check_at()
}

/// Statements writing `state` over version `stored.state_version`, and its flips only if that
/// write won. The first statement's `changes` tells whether it did. `at` is the moment the
/// state was judged at (the sweep's scheduled time, or now), which the alert planner plans
/// for; `now` the clock's.
pub fn write_state(
    db: &D1Database,
    stored: &StoredState,
    state: &State,
    flips: &[Transition],
    at: i64,
    now: i64,
) -> Result<Vec<D1PreparedStatement>> {
    let alerts = alert_moves(db, stored, state, flips, at, now)?;
    let p = &alerts.progress;
    let mut statements = vec![db
        .prepare(
            "UPDATE monitors SET status = ?3, next_due_at = ?4, started_at = ?5, last_signal_at = ?6, check_at = ?7, \
             failures_in_row = ?8, successes_in_row = ?9, down_since = ?10, steps_sent = ?11, reminders_sent = ?12, \
             reminded_at = ?13, acknowledged_at = ?14, judged_run = ?15, band_judged_until = ?16, band_out = ?17, \
             state_version = state_version + 1 \
             WHERE id = ?1 AND state_version = ?2",
        )
        .bind(&[
            text(&stored.id),
            int(stored.state_version),
            text(state.status.as_str()),
            opt(state.next_due_at),
            opt(state.started_at),
            opt(state.last_signal_at),
            opt(check_at(stored, state, flips, at, alerts.next_look)),
            int(i64::from(state.failures)),
            int(i64::from(state.successes)),
            opt(p.down_since),
            int(i64::from(p.steps_sent)),
            int(i64::from(p.reminders_sent)),
            opt(p.reminded_at),
            opt(p.acknowledged_at),
            opt(state.judged_run),
            opt(state.band_judged_until),
            int(i64::from(state.band_out)),
        ])?];
    statements.extend(alerts.statements);
    Ok(statements)
}

/// Acknowledges the monitor's down period that began at `flip_at`, if it is still the
/// current one and not acknowledged yet: nothing more goes out for it. A new state version,
/// so a flush holding the row from before reads it afresh rather than writing over it.
pub fn acknowledge(db: &D1Database, id: &str, flip_at: i64, now: i64) -> Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE monitors SET acknowledged_at = ?3, state_version = state_version + 1 \
         WHERE id = ?1 AND status = 'down' AND down_since = ?2 AND acknowledged_at IS NULL",
    )
    .bind(&[text(id), int(flip_at), int(now)])
}

/// A flush's licence to push D1's deadline out: the deadline the monitor's shard holds durably
/// (`watched`), and how far past the real deadline to push (beyond the object's next flush).
#[derive(Debug, Clone, Copy)]
pub struct Cover {
    pub watched: i64,
    pub cover_ms: i64,
}

/// The statement following a flush's insert of the monitor's pings (`changes()` counts the
/// new ones): the counters always, since the pings are stored whatever the status does; the
/// status only over the version the flush knows; the pruning mark once the monitor keeps more
/// than `mark_above(log_limit)` pings. Answers the row as it is afterwards (`STATE_COLUMNS`).
pub fn record_flush(
    db: &D1Database,
    known: &StoredState,
    state: &State,
    flips: &[Transition],
    changed: bool,
    alerts: (&Progress, Option<i64>),
    batch: &[PendingPing],
    history: PingHistoryIn,
    cover: Option<Cover>,
    now: i64,
) -> Result<D1PreparedStatement> {
    let (p, alerts_look) = alerts;
    // Watched by its deadline shard: D1's deadline goes past the object's next flush.
    let real = check_at(known, state, flips, now, alerts_look);
    let up = state.status == Status::Up && flips.is_empty();
    let check_at = match cover {
        Some(cover) => pushed_check_at(real, Some(cover.watched), up, cover.cover_ms),
        None => real,
    };
    let times: Vec<i64> = batch.iter().map(|p| p.received_at).collect();
    let newest = times.iter().copied().max().unwrap_or(0);
    // D1: the pings were inserted just before (`changes()` counts the new ones), and a monitor
    // past its log limit is marked for pruning. The token's object: D1 has no row of them, and
    // a ping counts only while it is newer than the monitor's last ping. A flush repeated after
    // D1 took it (its checkpoint lost to a reset) counts nothing again, also when it carries
    // newer pings too: a token's pings come in time order, each after its monitor's last.
    // Almost always the oldest is already newer, and the whole batch counts without reading
    // its times (`json_each` costs a D1 row read per ping).
    let (counted, prune_due) = match history {
        PingHistoryIn::D1 { log_limit } => (
            "changes()".to_string(),
            format!(
                "CASE WHEN n_pings + changes() - n_pruned > {} THEN 1 ELSE prune_due END",
                mark_above(log_limit)
            ),
        ),
        PingHistoryIn::TokenObject => (
            "CASE WHEN ?23 > COALESCE(last_ping_at, 0) THEN ?24 \
             ELSE (SELECT COUNT(*) FROM json_each(?22) WHERE value > COALESCE(monitors.last_ping_at, 0)) END"
                .to_string(),
            "prune_due".to_string(),
        ),
    };
    let last_ping = batch
        .iter()
        .max_by_key(|p| p.received_at)
        .map_or(JsValue::NULL, |p| text(&last_ping_json(p)));
    let (value, value_at) = match latest_value(batch) {
        Some((v, at)) => (JsValue::from_f64(v), int(at)),
        None => (JsValue::NULL, JsValue::NULL),
    };
    let own = "state_version = ?5";
    let statement = db.prepare(format!(
        "UPDATE monitors SET n_pings = n_pings + {counted}, \
           last_ping = CASE WHEN COALESCE(last_ping_at, 0) < ?2 THEN ?12 ELSE last_ping END, \
           last_ping_at = MAX(COALESCE(last_ping_at, 0), ?2), \
           last_value = CASE WHEN ?3 IS NOT NULL AND ?4 >= COALESCE(last_value_at, 0) THEN ?3 ELSE last_value END, \
           last_value_at = CASE WHEN ?3 IS NOT NULL AND ?4 >= COALESCE(last_value_at, 0) THEN ?4 ELSE last_value_at END, \
           status = CASE WHEN {own} THEN ?6 ELSE status END, \
           next_due_at = CASE WHEN {own} THEN ?7 ELSE next_due_at END, \
           started_at = CASE WHEN {own} THEN ?8 ELSE started_at END, \
           last_signal_at = CASE WHEN {own} THEN ?9 ELSE last_signal_at END, \
           check_at = CASE WHEN {own} THEN ?10 ELSE check_at END, \
           failures_in_row = CASE WHEN {own} THEN ?13 ELSE failures_in_row END, \
           successes_in_row = CASE WHEN {own} THEN ?14 ELSE successes_in_row END, \
           down_since = CASE WHEN {own} THEN ?15 ELSE down_since END, \
           steps_sent = CASE WHEN {own} THEN ?16 ELSE steps_sent END, \
           reminders_sent = CASE WHEN {own} THEN ?17 ELSE reminders_sent END, \
           reminded_at = CASE WHEN {own} THEN ?18 ELSE reminded_at END, \
           acknowledged_at = CASE WHEN {own} THEN ?19 ELSE acknowledged_at END, \
           judged_run = CASE WHEN {own} THEN ?20 ELSE judged_run END, \
           band_out = CASE WHEN {own} THEN ?21 ELSE band_out END, \
           prune_due = {prune_due}, \
           state_version = CASE WHEN {own} THEN state_version + ?11 ELSE state_version END \
         WHERE id = ?1 RETURNING {STATE_COLUMNS}"
    ));
    let mut binds = vec![
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
        last_ping,
        int(i64::from(state.failures)),
        int(i64::from(state.successes)),
        opt(p.down_since),
        int(i64::from(p.steps_sent)),
        int(i64::from(p.reminders_sent)),
        opt(p.reminded_at),
        opt(p.acknowledged_at),
        opt(state.judged_run),
        int(i64::from(state.band_out)),
    ];
    // The D1 case counts with `changes()`: a parameter it does not name may not be bound.
    if let PingHistoryIn::TokenObject = history {
        // The batch's times, as the JSON array a repeated flush counts its new pings from.
        let oldest = times.iter().copied().min().unwrap_or(0);
        binds.push(text(&serde_json::to_string(&times).unwrap_or_else(|_| "[]".into())));
        binds.push(int(oldest));
        binds.push(int(times.len() as i64));
    }
    statement.bind(&binds)
}

/// Where a flush's pings are kept: D1's pings table (event-fed monitors), or the token's object,
/// whose ring is the monitor's history.
#[derive(Debug, Clone, Copy)]
pub enum PingHistoryIn {
    D1 { log_limit: i64 },
    TokenObject,
}

/// The newest ping as an alert shows it (`monitors.last_ping`).
fn last_ping_json(p: &PendingPing) -> String {
    serde_json::json!({
        "received_at": crate::core::time::format_rfc3339(p.received_at),
        "result": p.input.kind,
        "method": p.input.method,
        "message": p.input.message,
        "exit_status": p.input.exit_status,
        "duration_ms": p.duration_ms,
    })
    .to_string()
}

/// A monitor marked for pruning, and how many pings it keeps.
#[derive(Debug)]
pub struct MarkedMonitor {
    pub id: String,
    pub kept: i64,
}
row_fields!(MarkedMonitor { id, kept });

/// Up to `limit` monitors marked for pruning (a partial index on `prune_due`).
pub async fn marked_for_pruning(db: &D1Database, limit: i64) -> Result<Vec<MarkedMonitor>> {
    db.prepare("SELECT id, n_pings - n_pruned AS kept FROM monitors WHERE prune_due = 1 LIMIT ?1")
        .bind(&[int(limit)])?
        .all()
        .await?
        .rows()
}

/// The statement following the deletion of a marked monitor's oldest pings: counts them as
/// pruned (`changes()`) and unmarks the monitor.
pub fn unmark_pruned(db: &D1Database, monitor_id: &str) -> Result<D1PreparedStatement> {
    db.prepare("UPDATE monitors SET n_pruned = n_pruned + changes(), prune_due = 0 WHERE id = ?1")
        .bind(&[text(monitor_id)])
}

/// The statement, before the pings `selected` (a subquery of ping rowids over `bind`) are
/// deleted, counting them as pruned on their monitors.
pub fn count_pruned(db: &D1Database, selected: &str, bind: &[JsValue]) -> Result<D1PreparedStatement> {
    db.prepare(format!(
        "UPDATE monitors SET n_pruned = n_pruned + \
           (SELECT COUNT(*) FROM pings p WHERE p.monitor_id = monitors.id AND p.rowid IN ({selected})) \
         WHERE id IN (SELECT monitor_id FROM pings WHERE rowid IN ({selected}))"
    ))
    .bind(bind)
}
