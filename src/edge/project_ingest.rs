//! One Durable Object per project (`PROJECT_INGEST`, named by the project id): it admits
//! event batches exactly (key, project status, 24 h `event_id` dedup, the key's token bucket,
//! the project's rate and monthly quota), holds every admitted batch durably in its own
//! SQLite storage, and flushes batches to D1 in large groups.
//!
//! Admitting a batch costs one local transaction: every check and every write happen with
//! no await between them, so concurrent batches are decided one after the other, and the
//! output gate holds the answer until the writes are durable. An alarm moves pending batches
//! to D1 shortly after; the flush's id and range are stored before D1 is called, so a flush
//! retried after a crash repeats the same flush, which D1 applies once.
//!
//! Ceiling: one object serialises its project, about 1,000 requests/s (500,000 events/s at
//! 500-event batches). A tenant above that is spread over shards named `project_id#n`, each
//! with its own buffer and a share of the rate and quota (docs/events.md).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use worker::{durable_object, DurableObject, Env, Request, Response, Result, SqlStorage, State};

use super::db::{database, now_ms};
use super::durable::{arm_flush_by, deliver_due_after_flush, internal, look_up_once, var_i64, Startup};
use super::events::{key_for_ingest, month_usage, project_limits, store_flush, IngestKeyRow, ProjectLimits};
use super::ping_flush::flush_pings;
use super::ping_pruning::log_limit;
use super::random;
use crate::core::cached_lookup::{Cached, Recheck};
use crate::core::event_dedup::{first_in_batch, sighting, Sighting, DEDUP_WINDOW_MS};
use crate::core::event_rate::month_of;
use crate::core::event_rate::MonthlyQuota;
use crate::core::event_store::{
    flush_upto, join_batches, lines_to_array, monitor_pings, month_label, plan_flush, EventSource, Feed, FlushedEvent,
    PendingBatch, FLUSH_MAX_BYTES, FLUSH_MAX_EVENTS,
};
use crate::core::flush_schedule::{FlushBackoff, SAFETY_REARM_MS};
use crate::core::ingest_admission::{retry_after_s, Admission, Charge, Forbidden, KeyFacts, KeyVerdict, ProjectMeters};
use crate::core::scope::Scope;
use crate::core::token_bucket::TokenBucket;

/// Admitted batches wait this long so several reach D1 together (var EVENT_FLUSH_DELAY_MS).
const DEFAULT_FLUSH_DELAY_MS: i64 = 1_000;
/// Flushes per alarm before the next alarm takes over.
const FLUSHES_PER_ALARM: usize = 8;
/// Keys and the project's limits are re-read from D1 every 5 minutes, a missing one every
/// minute (revocation and limit changes are also pushed at once; this bounds a missed push).
const RECHECK: Recheck = Recheck {
    found_ms: 300_000,
    missing_ms: 60_000,
};
/// Expired dedup ids removed per alarm.
const SEEN_PRUNE_CHUNK: i64 = 5_000;

/// The worker names the project in this header.
pub const PROJECT_HEADER: &str = "x-edgebeat-project";

/// `pending.events` is large (a whole batch) and kept last in each row: SQLite reads a row's
/// columns in order, so the small ones before it are read without walking its overflow pages.
const SCHEMA: &str = "\
    CREATE TABLE IF NOT EXISTS pending (seq INTEGER PRIMARY KEY, n INTEGER NOT NULL, bytes INTEGER NOT NULL, \
      names TEXT NOT NULL, events TEXT NOT NULL); \
    CREATE TABLE IF NOT EXISTS seen (event_id TEXT PRIMARY KEY, first_seen INTEGER NOT NULL); \
    CREATE INDEX IF NOT EXISTS seen_by_first_seen ON seen (first_seen); \
    CREATE TABLE IF NOT EXISTS meter (name TEXT PRIMARY KEY, state TEXT NOT NULL);";

const METER_PROJECT_ID: &str = "project_id";
const METER_PROJECT: &str = "project";
const METER_INFLIGHT: &str = "inflight";

/// What the worker sends with a batch: this is the first line of the request body, and each
/// further line is one event (`event_store::pending_line`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AcceptMeta {
    pub key_id: String,
    /// SHA-256 (hex) of the presented secret: the secret itself never leaves the worker.
    pub secret_hash: String,
    pub source: EventSource,
    pub origin: Option<String>,
    /// Each event's `event_id`, in line order.
    pub event_ids: Vec<Option<String>>,
    /// The batch's distinct event names (the sweep asks whether a name is still pending).
    pub names: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitedBy {
    Key,
    Project,
}

/// The object's answer to a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AcceptOutcome {
    /// `accepted` counts every event (a duplicate too); `stored`, those new within 24 h.
    Accepted {
        accepted: u64,
        stored: u64,
    },
    UnknownKey,
    Forbidden {
        reason: Forbidden,
    },
    QuotaExceeded {
        limit: u64,
        resets_at: i64,
    },
    Limited {
        by: LimitedBy,
        retry_after_s: i64,
    },
}

/// What the flushes cost D1 since this object started (the benchmark reads it).
#[derive(Debug, Default, Clone, Copy, Serialize)]
struct FlushStats {
    flushes: u64,
    events: u64,
    statements: u64,
    rows_written: u64,
    monitors_fed: u64,
    /// Time spent waiting for D1's batch (wall clock, as the object sees it).
    d1_ms: u64,
}

struct Hot {
    project: Cached<ProjectLimits>,
    keys: HashMap<String, Cached<KeyFacts>>,
    meters: Option<ProjectMeters>,
    buckets: HashMap<String, TokenBucket>,
    flush_armed: bool,
    flush_backoff: FlushBackoff,
    stats: FlushStats,
}

/// The flush in progress: stored before D1 is called, so a retry repeats it exactly.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Inflight {
    id: String,
    upto: i64,
}

#[durable_object]
pub struct ProjectIngest {
    state: State,
    env: Env,
    startup: Startup,
    hot: Rc<RefCell<Hot>>,
}

fn read_meter<T: for<'de> Deserialize<'de>>(sql: &SqlStorage, name: &str) -> Result<Option<T>> {
    #[derive(Deserialize)]
    struct Row {
        state: String,
    }
    let rows: Vec<Row> = sql
        .exec("SELECT state FROM meter WHERE name = ?", vec![name.into()])?
        .to_array()?;
    rows.first()
        .map(|r| serde_json::from_str(&r.state).map_err(internal))
        .transpose()
}

fn write_meter(sql: &SqlStorage, name: &str, value: &impl Serialize) -> Result<()> {
    let state = serde_json::to_string(value).map_err(internal)?;
    sql.exec(
        "INSERT INTO meter (name, state) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET state = excluded.state",
        vec![name.into(), state.into()],
    )?;
    Ok(())
}

/// (batches, events) waiting for D1.
fn pending_counts(sql: &SqlStorage) -> Result<(u64, u64)> {
    #[derive(Deserialize)]
    struct Row {
        batches: i64,
        events: i64,
    }
    let row: Row = sql
        .exec(
            "SELECT COUNT(*) AS batches, COALESCE(SUM(n), 0) AS events FROM pending",
            None,
        )?
        .one()?;
    Ok((row.batches as u64, row.events as u64))
}

fn bucket_meter(key_id: &str) -> String {
    format!("key:{key_id}")
}

fn key_facts(row: IngestKeyRow) -> KeyFacts {
    KeyFacts {
        scope: Scope::parse(&row.scope),
        revoked: row.revoked_at.is_some(),
        allowed_origins: row
            .allowed_origins
            .as_deref()
            .and_then(|o| serde_json::from_str(o).ok()),
        project_id: row.project_id,
        secret_hash: row.secret_hash,
    }
}

impl DurableObject for ProjectIngest {
    fn new(state: State, env: Env) -> Self {
        let hot = Rc::new(RefCell::new(Hot {
            project: Cached::Unresolved,
            keys: HashMap::new(),
            meters: None,
            buckets: HashMap::new(),
            flush_armed: false,
            flush_backoff: FlushBackoff::default(),
            stats: FlushStats::default(),
        }));
        Self {
            state,
            env,
            startup: Startup::default(),
            hot,
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        self.ready().await?;
        let project_id = req.headers().get(PROJECT_HEADER)?.unwrap_or_default();
        match req.path().as_str() {
            "/accept" => {
                let body = req.text().await?;
                Response::from_json(&self.accept(&project_id, &body).await?)
            }
            "/usage" => self.usage(&project_id).await,
            "/state" => self.state_answer(),
            // The sweep, about to call an event-fed monitor down, asks whether events of its
            // name are still on their way; this also restarts a flush whose alarm was lost.
            "/hurry" => {
                #[derive(Deserialize)]
                struct Ask {
                    name: String,
                }
                let ask: Ask = req.json().await?;
                #[derive(Deserialize)]
                struct Row {
                    n: i64,
                }
                let waiting: Row = self
                    .state
                    .storage()
                    .sql()
                    .exec(
                        "SELECT COUNT(*) AS n FROM pending WHERE EXISTS \
                         (SELECT 1 FROM json_each(pending.names) WHERE json_each.value = ?)",
                        vec![ask.name.into()],
                    )?
                    .one()?;
                if waiting.n > 0 && arm_flush_by(&self.state.storage(), now_ms() + 1_000).await? {
                    self.hot.borrow_mut().flush_armed = true;
                }
                Response::from_json(&serde_json::json!({"pending": waiting.n}))
            }
            // A key was revoked in D1: refuse it from the very next request.
            "/forget-key" => {
                let key_id = req.text().await?;
                self.hot.borrow_mut().keys.insert(key_id, Cached::Revoked);
                Response::empty()
            }
            // The project's status or limits changed in D1: read them again on the next batch.
            "/refresh" => {
                self.hot.borrow_mut().project.forget();
                Response::empty()
            }
            _ => Response::error("not found", 404),
        }
    }

    async fn alarm(&self) -> Result<Response> {
        self.ready().await?;
        let storage = self.state.storage();
        // The flush decides the next alarm; this one only stands if the flush never finishes.
        storage.set_alarm(SAFETY_REARM_MS).await?;
        let mut outcome = Ok(());
        for _ in 0..FLUSHES_PER_ALARM {
            match self.flush_once().await {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            }
        }
        let sql = storage.sql();
        let cutoff = now_ms() - DEDUP_WINDOW_MS;
        if let Err(e) = sql.exec(
            "DELETE FROM seen WHERE event_id IN (SELECT event_id FROM seen WHERE first_seen <= ? LIMIT ?)",
            vec![cutoff.into(), SEEN_PRUNE_CHUNK.into()],
        ) {
            worker::console_error!("could not prune expired event ids: {e}");
        }
        let (batches, _) = pending_counts(&sql)?;
        let (rearm_in, failures) = {
            let mut hot = self.hot.borrow_mut();
            match &outcome {
                Ok(()) => hot.flush_backoff.succeeded(),
                Err(e) => {
                    let attempt = hot.flush_backoff.failed();
                    worker::console_error!("event flush to D1 failed (attempt {attempt}): {e}");
                }
            }
            hot.flush_armed = batches > 0;
            (
                hot.flush_backoff.next_flush_in(hot.flush_armed),
                hot.flush_backoff.failures(),
            )
        };
        let rearmed = match rearm_in {
            Some(delay) => storage.set_alarm(delay).await,
            None => storage.delete_alarm().await,
        };
        if let Err(e) = rearmed {
            worker::console_error!("could not re-arm the event flush after {failures} failures: {e}");
        }
        Response::empty()
    }
}

impl ProjectIngest {
    /// Before the first event of this instance does anything, the schema exists and batches
    /// held by a previous life have a flush armed (`durable::Startup` says why not in the
    /// constructor).
    async fn ready(&self) -> Result<()> {
        let (hot, storage) = (self.hot.clone(), self.state.storage());
        let restore = async move {
            let sql = storage.sql();
            sql.exec(SCHEMA, None)?;
            let (batches, _) = pending_counts(&sql)?;
            // Any alarm already set will flush them.
            if batches > 0 {
                arm_flush_by(&storage, i64::MAX).await?;
            }
            hot.borrow_mut().flush_armed = batches > 0;
            Ok(())
        };
        self.startup.ready(&self.state, restore).await
    }

    fn flush_delay_ms(&self) -> i64 {
        var_i64(&self.env, "EVENT_FLUSH_DELAY_MS", DEFAULT_FLUSH_DELAY_MS)
    }

    fn state_answer(&self) -> Result<Response> {
        let sql = self.state.storage().sql();
        let (batches, events) = pending_counts(&sql)?;
        #[derive(Deserialize)]
        struct Row {
            n: i64,
        }
        let seen: Row = sql.exec("SELECT COUNT(*) AS n FROM seen", None)?.one()?;
        let hot = self.hot.borrow();
        let meters = match &hot.meters {
            Some(meters) => Some(meters.clone()),
            None => read_meter::<ProjectMeters>(&sql, METER_PROJECT)?,
        };
        let stored_this_month = meters.map_or(0, |m| m.quota.used_at(now_ms()));
        Response::from_json(&serde_json::json!({
            "stored_this_month": stored_this_month,
            "pending_batches": batches,
            "pending_events": events,
            "seen_ids": seen.n,
            "flush_failures": hot.flush_backoff.failures(),
            "flushed": hot.stats,
        }))
    }

    /// The key with this id, from memory or (single-flight) from D1; `None` when it does not
    /// exist or was revoked.
    async fn key(&self, key_id: &str, now: i64) -> Result<Option<KeyFacts>> {
        let (hot, id) = (self.hot.clone(), key_id.to_string());
        let cached = move || hot.borrow().keys.get(&id).and_then(|c| c.fresh(now, RECHECK));
        let (hot, env, key_id) = (self.hot.clone(), self.env.clone(), key_id.to_string());
        look_up_once(&self.state, cached, async move {
            let facts = key_for_ingest(&database(&env)?, &key_id).await?.map(key_facts);
            hot.borrow_mut().keys.insert(key_id, Cached::found(facts.clone(), now));
            Ok(facts)
        })
        .await
    }

    /// The project's status and limits, and its meters loaded; `None` when there is no such
    /// project.
    async fn project(&self, project_id: &str, now: i64) -> Result<Option<ProjectLimits>> {
        let hot = self.hot.clone();
        let cached = move || {
            let hot = hot.borrow();
            // A known project is only ready once its meters are loaded too.
            hot.project
                .fresh(now, RECHECK)
                .filter(|answer| hot.meters.is_some() || answer.is_none())
        };
        let (hot, env, storage, project_id) = (
            self.hot.clone(),
            self.env.clone(),
            self.state.storage(),
            project_id.to_string(),
        );
        look_up_once(&self.state, cached, async move {
            let db = database(&env)?;
            let Some(limits) = project_limits(&db, &project_id).await? else {
                hot.borrow_mut().project = Cached::found(None, now);
                return Ok(None);
            };
            let sql = storage.sql();
            let stored: Option<ProjectMeters> = match hot.borrow().meters.clone() {
                Some(meters) => Some(meters),
                None => read_meter(&sql, METER_PROJECT)?,
            };
            let mut meters = match stored {
                Some(meters) => meters,
                // A first batch: the month's usage so far is what D1 has stored.
                None => {
                    let used = month_usage(&db, &project_id, &month_label(now)).await?;
                    let mut meters = ProjectMeters::new(limits.event_rate_per_min.max(0) as u64);
                    meters.quota = MonthlyQuota {
                        month: month_of(now),
                        used: used.max(0) as u64,
                    };
                    write_meter(&sql, METER_PROJECT_ID, &project_id)?;
                    meters
                }
            };
            meters.rate.set_limit(limits.event_rate_per_min.max(0) as u64);
            let mut hot = hot.borrow_mut();
            hot.meters = Some(meters);
            hot.project = Cached::found(Some(limits.clone()), now);
            Ok(Some(limits))
        })
        .await
    }

    async fn accept(&self, project_id: &str, body: &str) -> Result<AcceptOutcome> {
        let now = now_ms();
        let mut lines = body.split('\n');
        let meta: AcceptMeta = serde_json::from_str(lines.next().unwrap_or_default()).map_err(internal)?;
        let lines: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
        if lines.len() != meta.event_ids.len() || lines.is_empty() {
            return Err(internal("a batch's lines and ids disagree"));
        }
        let Some(key) = self.key(&meta.key_id, now).await? else {
            return Ok(AcceptOutcome::UnknownKey);
        };
        match key.verdict(project_id, &meta.secret_hash, meta.origin.as_deref()) {
            KeyVerdict::Valid => {}
            KeyVerdict::Unknown => return Ok(AcceptOutcome::UnknownKey),
            KeyVerdict::Forbidden(reason) => return Ok(AcceptOutcome::Forbidden { reason }),
        }
        let Some(project) = self.project(project_id, now).await? else {
            return Ok(AcceptOutcome::UnknownKey);
        };
        if project.status != "active" {
            return Ok(AcceptOutcome::Forbidden {
                reason: Forbidden::Inactive,
            });
        }
        let outcome = self.admit(&meta, &lines, &project, now)?;
        let arm = matches!(outcome, AcceptOutcome::Accepted { stored, .. } if stored > 0)
            && !std::mem::replace(&mut self.hot.borrow_mut().flush_armed, true);
        if arm {
            if let Err(e) = self.state.storage().set_alarm(self.flush_delay_ms()).await {
                // The batch is stored; the next batch (or the sweep's hurry) arms the flush.
                self.hot.borrow_mut().flush_armed = false;
                worker::console_error!("could not arm the event flush: {e}");
            }
        }
        Ok(outcome)
    }

    /// Decides and records a batch. Synchronous on purpose: no await between the checks and
    /// the writes, so no other batch is decided in between, and the writes commit together.
    fn admit(&self, meta: &AcceptMeta, lines: &[&str], project: &ProjectLimits, now: i64) -> Result<AcceptOutcome> {
        let sql = self.state.storage().sql();
        let first = first_in_batch(meta.event_ids.iter().map(Option::as_deref));
        let asked: Vec<&str> = meta
            .event_ids
            .iter()
            .zip(&first)
            .filter_map(|(id, first)| id.as_deref().filter(|_| *first))
            .collect();
        let seen: HashMap<String, i64> = if asked.is_empty() {
            HashMap::new()
        } else {
            #[derive(Deserialize)]
            struct Seen {
                event_id: String,
                first_seen: i64,
            }
            let rows: Vec<Seen> = sql
                .exec(
                    "SELECT event_id, first_seen FROM seen WHERE event_id IN (SELECT value FROM json_each(?))",
                    vec![serde_json::to_string(&asked).map_err(internal)?.into()],
                )?
                .to_array()?;
            rows.into_iter().map(|r| (r.event_id, r.first_seen)).collect()
        };
        let keep: Vec<bool> = meta
            .event_ids
            .iter()
            .zip(&first)
            .map(|(id, first)| {
                *first
                    && id
                        .as_deref()
                        .is_none_or(|id| sighting(seen.get(id).copied(), now) == Sighting::New)
            })
            .collect();
        let charge = Charge {
            sent: lines.len() as u64,
            new: keep.iter().filter(|k| **k).count() as u64,
        };
        let bucket_name = bucket_meter(&meta.key_id);
        let mut hot = self.hot.borrow_mut();
        let mut meters = hot
            .meters
            .clone()
            .unwrap_or_else(|| ProjectMeters::new(project.event_rate_per_min.max(0) as u64));
        let mut bucket = if meta.source.charges_key_bucket() {
            Some(match hot.buckets.get(&meta.key_id) {
                Some(bucket) => bucket.clone(),
                None => read_meter(&sql, &bucket_name)?.unwrap_or_else(|| TokenBucket::for_key(now)),
            })
        } else {
            None
        };
        let quota = project.monthly_event_quota.map(|q| q.max(0) as u64);
        match meters.admit(bucket.as_mut(), charge, quota, now) {
            Admission::Admitted => {}
            Admission::QuotaExceeded(e) => {
                return Ok(AcceptOutcome::QuotaExceeded {
                    limit: e.limit,
                    resets_at: e.resets_at_ms,
                })
            }
            Admission::ProjectLimited(refusal) => {
                return Ok(AcceptOutcome::Limited {
                    by: LimitedBy::Project,
                    retry_after_s: retry_after_s(refusal, now),
                })
            }
            Admission::KeyLimited(refusal) => {
                return Ok(AcceptOutcome::Limited {
                    by: LimitedBy::Key,
                    retry_after_s: retry_after_s(refusal, now),
                })
            }
        }
        // One implicit transaction: every statement below commits, or none does.
        if charge.new > 0 {
            let kept = lines_to_array(
                lines
                    .iter()
                    .zip(&keep)
                    .filter(|(_, keep)| **keep)
                    .map(|(line, _)| *line),
            );
            let new_ids: Vec<&str> = meta
                .event_ids
                .iter()
                .zip(&keep)
                .filter_map(|(id, keep)| id.as_deref().filter(|_| *keep))
                .collect();
            let (n, bytes) = (charge.new as i64, kept.len() as i64);
            let names = serde_json::to_string(&meta.names).map_err(internal)?;
            sql.exec(
                "INSERT INTO pending (events, n, bytes, names) VALUES (?, ?, ?, ?)",
                vec![kept.into(), n.into(), bytes.into(), names.into()],
            )?;
            if !new_ids.is_empty() {
                sql.exec(
                    "INSERT OR REPLACE INTO seen (event_id, first_seen) SELECT value, ? FROM json_each(?)",
                    vec![now.into(), serde_json::to_string(&new_ids).map_err(internal)?.into()],
                )?;
            }
        }
        write_meter(&sql, METER_PROJECT, &meters)?;
        if let Some(bucket) = &bucket {
            write_meter(&sql, &bucket_name, bucket)?;
        }
        hot.meters = Some(meters);
        if let Some(bucket) = bucket {
            hot.buckets.insert(meta.key_id.clone(), bucket);
        }
        Ok(AcceptOutcome::Accepted {
            accepted: charge.sent,
            stored: charge.new,
        })
    }

    /// `GET /usage`: the month's events and the limits, as this object counts them.
    async fn usage(&self, project_id: &str) -> Result<Response> {
        let now = now_ms();
        let Some(limits) = self.project(project_id, now).await? else {
            return Response::error("no such project", 404);
        };
        let used = self.hot.borrow().meters.as_ref().map_or(0, |m| m.quota.used_at(now));
        let (_, pending) = pending_counts(&self.state.storage().sql())?;
        Response::from_json(&serde_json::json!({
            "month": month_label(now),
            "events": used,
            "pending_events": pending,
            "event_rate_per_min": limits.event_rate_per_min,
            "monthly_event_quota": limits.monthly_event_quota,
        }))
    }

    /// Moves one group of pending batches to D1; answers how many events it moved.
    async fn flush_once(&self) -> Result<u64> {
        let storage = self.state.storage();
        let sql = storage.sql();
        let Some(project_id) = read_meter::<String>(&sql, METER_PROJECT_ID)? else {
            return Ok(0);
        };
        let inflight = match read_meter::<Inflight>(&sql, METER_INFLIGHT)? {
            Some(inflight) => inflight,
            None => {
                let batches: Vec<PendingBatch> = sql
                    .exec(
                        "SELECT seq, n AS events, bytes FROM pending ORDER BY seq LIMIT 1000",
                        None,
                    )?
                    .to_array()?;
                let Some(upto) = flush_upto(&batches, FLUSH_MAX_EVENTS, FLUSH_MAX_BYTES) else {
                    return Ok(0);
                };
                let inflight = Inflight {
                    id: random::uuid(),
                    upto,
                };
                write_meter(&sql, METER_INFLIGHT, &inflight)?;
                // Durable before D1 hears of it: a retry after a crash repeats this flush.
                storage.sync().await?;
                inflight
            }
        };
        #[derive(Deserialize)]
        struct Row {
            events: String,
        }
        let rows: Vec<Row> = sql
            .exec(
                "SELECT events FROM pending WHERE seq <= ? ORDER BY seq",
                vec![inflight.upto.into()],
            )?
            .to_array()?;
        let all = join_batches(rows.iter().map(|r| r.events.as_str()));
        let events: Vec<FlushedEvent> = serde_json::from_str(&all).map_err(internal)?;
        let plan = plan_flush(&events);
        let db = database(&self.env)?;
        let d1_started = now_ms();
        let (fed, cost) = store_flush(&db, &project_id, &inflight.id, &all, &plan, d1_started).await?;
        let d1_ms = (now_ms() - d1_started).max(0) as u64;
        let mut flipped = false;
        let log_limit = log_limit(&self.env).unwrap_or(i64::MAX);
        for monitor in &fed {
            let feed = Feed {
                monitor_id: &monitor.state.id,
                event_name: &monitor.event_name,
                allowed_keys: monitor.allowed_keys.as_deref(),
                after: monitor.last_ping_at,
            };
            let pings = monitor_pings(&events, feed);
            if pings.is_empty() {
                continue;
            }
            // The same flush as a token's pings: stored, counted, marked for pruning, applied.
            flipped |= flush_pings(&db, &monitor.state, &pings, log_limit, now_ms())
                .await?
                .flipped;
        }
        // D1 has them: forget them, and the flush, together.
        sql.exec("DELETE FROM pending WHERE seq <= ?", vec![inflight.upto.into()])?;
        sql.exec("DELETE FROM meter WHERE name = ?", vec![METER_INFLIGHT.into()])?;
        {
            let mut hot = self.hot.borrow_mut();
            let stats = &mut hot.stats;
            stats.flushes += 1;
            stats.events += events.len() as u64;
            stats.statements += cost.statements;
            stats.rows_written += cost.rows_written;
            stats.monitors_fed += fed.len() as u64;
            stats.d1_ms += d1_ms;
        }
        if flipped || !plan.errors.is_empty() {
            deliver_due_after_flush(&self.state, &self.env, "an event flush");
        }
        Ok(events.len() as u64)
    }
}
