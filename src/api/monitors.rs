//! Heartbeat monitor management (the heartbeat API's shapes), with a project API key.

use std::collections::HashMap;

use serde_json::{json, Value};
use worker::{D1Database, Env, Request};

use crate::api::read_your_writes::{flagged, flush_tokens, flush_tokens_reading, Flushed, TokenLogs};
use crate::core::access::credentials::{is_ping_token, is_unique_key};
use crate::core::access::scope::Scope;
use crate::core::alerting::planner::{look_at, next_step, Progress};
use crate::core::heartbeat::dependencies::check_parents;
use crate::core::heartbeat::look::LookTerms;
use crate::core::heartbeat::maintenance::Windows;
use crate::core::heartbeat::monitor::{apply_fields, parse_new_monitor, MonitorSpec, Schedule};
use crate::core::heartbeat::monitor_list::{
    cut_page, name_needle, parse_cursor, parse_include, parse_search, parse_status, parse_tag, Cursor, Include,
};
use crate::core::heartbeat::ping::heartbeat_query_fields;
use crate::core::heartbeat::ping_log::{answer_of, merge, statistic_history, LogQuery, STATISTIC_PINGS};
use crate::core::heartbeat::snooze::snooze_until;
use crate::core::heartbeat::statistic::{
    answered_range, parse_bucket, statistic_buckets, strip_range, Bucket, PingHistory, Watched, HOUR_MS,
};
use crate::core::heartbeat::status::is_watched;
use crate::core::http_contract::paging::parse_page;
use crate::core::http_contract::validation::FieldError;
use crate::core::join_all::join_all;
use crate::core::time::{format_rfc3339, parse_rfc3339};
use crate::edge::access::api_keys::scopes_of_own_keys;
use crate::edge::alerting::channels::count_own_channels;
use crate::edge::alerting::history::alert_history;
use crate::edge::db::{database, now_ms};
use crate::edge::heartbeat::monitor_state::{flips_of, read_state};
use crate::edge::heartbeat::monitors::{self, BandPlace, ListFilter, Monitor};
use crate::edge::heartbeat::ping_history::{move_history_to_d1, token_histories, MAX_HISTORY_TOKENS};
use crate::edge::heartbeat::ping_history::{ping_history, HistoryOf};
use crate::edge::heartbeat::ping_token::client::{refresh_token, retire_token, wipe_token};
use crate::edge::heartbeat::pings::ping_histories;
use crate::edge::heartbeat::zone::{intl_zone, zone_exists, IntlZone};
use crate::edge::random;
use crate::http::{
    json, json_body, project_access, project_key, public_url, query_param, query_params, uuid_param, Access, ApiError,
    ApiResult, Need,
};

/// The most monitors with maintenance windows a `status=maintenance` listing looks through.
const MAX_WITH_WINDOWS: i64 = 5_000;

/// A monitor as `scope` may see it: a read scope gets its `unique_key` and no id, token or
/// ping URL (the id pings the monitor while the project's `ping_by_id` is on).
fn view(m: &Monitor, base: &str, scope: Scope) -> Value {
    let at = |t: Option<i64>| t.map(format_rfc3339);
    let maintenance_until = in_maintenance_until(m, now_ms());
    let mut body = json!({
        "unique_key": m.unique_key,
        "service_id": m.service_id,
        "name": m.name,
        "slug": m.slug,
        "description": m.description,
        "channels": m.channels.as_deref().and_then(|c| serde_json::from_str::<Value>(c).ok()),
        "event_name": m.event_name,
        "event_key_ids": m.event_key_ids.as_deref().and_then(|k| serde_json::from_str::<Value>(k).ok()),
        "tags": serde_json::from_str::<Value>(&m.tags).unwrap_or(Value::Null),
        "interval": (m.interval_s > 0).then_some(m.interval_s),
        "grace": m.grace_s,
        "schedule": m.schedule,
        "tz": m.tz,
        "enabled": m.enabled != 0,
        "methods": serde_json::from_str::<Value>(&m.methods).unwrap_or(Value::Null),
        "paused": m.paused != 0,
        "snoozed_until": m.snoozed_until.map(format_rfc3339),
        "failure_tolerance": m.failure_tolerance,
        "recovery_threshold": m.recovery_threshold,
        "failures_in_row": m.failures_in_row,
        "successes_in_row": m.successes_in_row,
        "realert_every": m.realert_every,
        "realert_max": m.realert_max,
        "escalation": m.policy().escalation_value(),
        "alerting": alerting_view(m),
        "min_runtime": m.min_runtime,
        "max_runtime": m.max_runtime,
        "expect_min": m.expect_min,
        "expect_max": m.expect_max,
        "expect_window": m.expect_window,
        "band_out": m.band_out != 0,
        "maintenance_until": at(maintenance_until),
        "status": shown_status(m, maintenance_until),
        "last_ping_at": at(m.last_ping_at),
        "next_due_at": at(m.next_due_at),
        "n_pings": m.n_pings,
        "last_value": m.last_value,
        "created_at": format_rfc3339(m.created_at),
        "updated_at": format_rfc3339(m.updated_at),
    });
    if scope.sees_credentials() {
        body["id"] = Value::from(m.id.as_str());
        body["token"] = Value::from(m.ping_token.as_str());
        body["ping_urls"] = ping_urls(base, &m.ping_token);
        body["depends_on"] = m
            .depends_on
            .as_deref()
            .and_then(|d| serde_json::from_str::<Value>(d).ok())
            .unwrap_or(Value::Null);
    }
    body
}

/// Where the current down period's alerts stand: when it began, reminders sent, whether it
/// was acknowledged, and the next escalation step; `null` while the monitor is not down.
fn alerting_view(m: &Monitor) -> Value {
    let progress = Progress {
        down_since: m.down_since,
        steps_sent: u32::try_from(m.steps_sent).unwrap_or(0),
        reminders_sent: u32::try_from(m.reminders_sent).unwrap_or(0),
        reminded_at: None,
        acknowledged_at: m.acknowledged_at,
    };
    match (m.status.as_str(), m.down_since) {
        ("down", Some(since)) => json!({
            "down_since": format_rfc3339(since),
            "reminders_sent": m.reminders_sent,
            "acknowledged_at": m.acknowledged_at.map(format_rfc3339),
            "next_step": next_step(&m.policy(), &progress)
                .filter(|_| m.policy().escalation.is_some())
                .map(|(step, at)| json!({"step": step, "at": format_rfc3339(at)})),
        }),
        _ => Value::Null,
    }
}

/// Answers the project's monitor as a manage key sees it (after a change).
pub async fn answer_with(db: &D1Database, project_id: &str, id: &str, base: &str) -> ApiResult {
    let monitor = own_monitor(db, project_id, id).await?;
    json(200, &view(&monitor, base, Scope::Manage))
}

/// When the maintenance the monitor is in at `now` ends, if it is in one.
fn in_maintenance_until(m: &Monitor, now: i64) -> Option<i64> {
    Windows::from_column(m.maintenance.as_deref()).open_until(now, &intl_zone)
}

/// The status the API shows: `paused`, `maintenance` while a window holds the monitor (for
/// display only: its machine status moves on underneath), or the machine's.
fn shown_status(m: &Monitor, maintenance_until: Option<i64>) -> &str {
    if m.paused != 0 {
        "paused"
    } else if maintenance_until.is_some() {
        "maintenance"
    } else {
        m.status.as_str()
    }
}

/// Every URL that records a ping for this token.
fn ping_urls(base: &str, token: &str) -> Value {
    json!({
        "beacon": format!("{base}/api/v1/beet/{token}"),
        "heartbeat": format!("{base}/v1/heartbeat/{token}"),
        "ping": format!("{base}/ping/{token}"),
    })
}

pub fn monitor_id(raw: &str) -> Result<String, ApiError> {
    // `/v1/heartbeat/{id}` takes ping tokens too (the credential-less ping), so a token here
    // is a monitor that does not exist rather than a malformed id.
    if is_ping_token(raw) {
        return Err(ApiError::NotFound("heartbeat"));
    }
    uuid_param("id", raw)
}

/// How a read route names a monitor: by its id, or by its `unique_key` (what read scopes see).
pub(crate) enum MonitorRef {
    Id(String),
    UniqueKey(String),
}

pub(crate) fn monitor_ref(raw: &str) -> Result<MonitorRef, ApiError> {
    if is_unique_key(raw) {
        return Ok(MonitorRef::UniqueKey(raw.to_string()));
    }
    monitor_id(raw).map(MonitorRef::Id)
}

/// The project's monitor a read route names; another project's looks exactly like a missing one.
pub(crate) async fn readable_monitor(
    db: &D1Database,
    project_id: &str,
    named: &MonitorRef,
) -> Result<Monitor, ApiError> {
    let found = match named {
        MonitorRef::Id(id) => monitors::find_monitor(db, project_id, id).await?,
        MonitorRef::UniqueKey(key) => monitors::find_by_unique_key(db, project_id, key).await?,
    };
    found.ok_or(ApiError::NotFound("heartbeat"))
}

/// The named monitor as a read shows it: with every ping its token's object acknowledged in D1
/// first (read your writes; the row is read again only when pings moved).
async fn settled_monitor(
    env: &Env,
    db: &D1Database,
    project_id: &str,
    named: &MonitorRef,
) -> Result<(Monitor, Flushed), ApiError> {
    let monitor = readable_monitor(db, project_id, named).await?;
    let flushed = flush_tokens(env, [monitor.ping_token.as_str()]).await;
    if !flushed.moved {
        return Ok((monitor, flushed));
    }
    Ok((readable_monitor(db, project_id, named).await?, flushed))
}

/// The project's monitor with this id; another project's looks exactly like a missing one.
pub(crate) async fn own_monitor(db: &D1Database, project_id: &str, id: &str) -> Result<Monitor, ApiError> {
    monitors::find_monitor(db, project_id, id)
        .await?
        .ok_or(ApiError::NotFound("heartbeat"))
}

/// What only the edge can check: the zone is one the runtime knows, and the channels, keys
/// and parents are the project's own (parents of monitor `id`, when it exists, in no cycle).
async fn check_edge_fields(
    db: &D1Database,
    project_id: &str,
    id: Option<&str>,
    spec: &MonitorSpec,
) -> Result<(), ApiError> {
    if !zone_exists(&spec.tz) {
        return Err(FieldError::new("tz", "is not a known IANA time zone").into());
    }
    if let Some(ids) = &spec.channels {
        // Like any id of another project's: not found, rather than a malformed request.
        if count_own_channels(db, project_id, ids).await? != ids.len() {
            return Err(ApiError::NotFound("channel"));
        }
    }
    let escalation = spec.alerts.escalation_channels();
    if !escalation.is_empty() && count_own_channels(db, project_id, &escalation).await? != escalation.len() {
        return Err(ApiError::NotFound("channel"));
    }
    if let Some(ids) = &spec.event_key_ids {
        let scopes = scopes_of_own_keys(db, project_id, ids).await?;
        if scopes.len() != ids.len() {
            return Err(ApiError::NotFound("key"));
        }
        if !scopes.iter().all(|s| s.is_some_and(Scope::feeds_monitors)) {
            return Err(FieldError::new(
                "event_key_ids",
                "must name manage or ingest keys: a browser key's events never feed a monitor",
            )
            .into());
        }
    }
    if let Some(parents) = &spec.depends_on {
        if let Some(id) = id {
            // Itself first: a 400 that needs no lookup.
            check_parents(id, parents, &[])?;
        }
        if monitors::count_own_monitors(db, project_id, parents).await? != parents.len() {
            return Err(ApiError::NotFound("heartbeat"));
        }
        if let Some(id) = id {
            let graph: Vec<(String, Vec<String>)> = monitors::dependency_graph(db, project_id)
                .await?
                .into_iter()
                .filter(|(m, _)| m != id)
                .collect();
            check_parents(id, parents, &graph)?;
        }
    }
    Ok(())
}

pub async fn create(req: &mut Request, env: &Env) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    let spec = parse_new_monitor(&json_body(req).await?)?;
    let db = database(env)?;
    check_edge_fields(&db, &project_id, None, &spec).await?;
    let id = random::uuid();
    let now = now_ms();
    monitors::insert_monitor(&db, &id, &project_id, &random::ping_token(), &spec, now).await?;
    // The project's windows for every monitor, or for one of its tags, apply at once.
    monitors::refresh_maintenance(&db, &project_id, Some(&id), now).await?;
    let created = monitors::find_monitor(&db, &project_id, &id)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("heartbeat {id} missing right after its insert")))?;
    json(201, &view(&created, &public_url(env), Scope::Manage))
}

pub async fn get(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    let access = project_access(req, env, Need::Read).await?;
    let named = monitor_ref(raw_id)?;
    // The route's ping fields mean nothing with a key, but are held to the same rules.
    heartbeat_query_fields(
        query_param(req, "result").as_deref(),
        query_param(req, "message").as_deref(),
    )?;
    let (monitor, flushed) = settled_monitor(env, &database(env)?, &access.project_id, &named).await?;
    flagged(json(200, &view(&monitor, &public_url(env), access.scope)), flushed)
}

/// `PUT /v1/heartbeat/{id}`: changes the fields the body names.
pub async fn update(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    let id = &monitor_id(raw_id)?;
    let body = json_body(req).await?;
    let db = database(env)?;
    let current = own_monitor(&db, &project_id, id).await?;
    let spec = apply_fields(current.spec(), &body)?;
    check_edge_fields(&db, &project_id, Some(id), &spec).await?;
    // A new schedule moves the due time of the last ping, and so when the sweep looks next.
    let zone = IntlZone::new(&spec.tz);
    let next_due_at = current
        .last_ping_at
        .and_then(|last| spec.schedule().next_due_after(last, &zone));
    let now = now_ms();
    let Some(stored) = read_state(&db, id).await? else {
        return Err(ApiError::NotFound("heartbeat"));
    };
    let watched = is_watched(spec.enabled, stored.paused != 0);
    // A band keeps its place while its window stays; a new window starts at the next boundary.
    let judged_until = spec
        .band
        .judged_until_after_change(&stored.band(), stored.band_judged_until, now);
    let band = BandPlace {
        judged_until,
        out: stored.band_out != 0 && judged_until.is_some() && judged_until == stored.band_judged_until,
    };
    // A down monitor's reminders and steps follow the new policy.
    let alerts = (watched && stored.status == "down")
        .then(|| look_at(&spec.alerts, &stored.progress(), &stored.holds(), &intl_zone, now))
        .flatten();
    let terms = LookTerms {
        machine: stored
            .state()
            .check_at_rescheduled_within(next_due_at, spec.grace_s * 1_000, spec.runtime, watched),
        maintenance_end: stored.windows().check_at(&[now], &intl_zone),
        alerts,
        band: spec.band.next_judgment(judged_until),
    };
    let check_at = watched.then(|| terms.check_at()).flatten();
    if !monitors::update_monitor(&db, &project_id, id, &spec, next_due_at, check_at, band, now).await? {
        return Err(ApiError::NotFound("heartbeat"));
    }
    // New tags may bring the project's windows for a tag, or take them away.
    monitors::refresh_maintenance(&db, &project_id, Some(id), now).await?;
    // The token's object caches the allowed methods.
    refresh_token(env, &current.ping_token).await?;
    let updated = own_monitor(&db, &project_id, id).await?;
    json(200, &view(&updated, &public_url(env), Scope::Manage))
}

async fn set_paused(req: &mut Request, env: &Env, raw_id: &str, paused: bool) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    let id = &monitor_id(raw_id)?;
    let db = database(env)?;
    let band = own_monitor(&db, &project_id, id).await?.spec().band;
    if !monitors::set_paused(&db, &project_id, id, paused, &band, now_ms()).await? {
        return Err(ApiError::NotFound("heartbeat"));
    }
    let monitor = own_monitor(&db, &project_id, id).await?;
    json(200, &view(&monitor, &public_url(env), Scope::Manage))
}

/// `POST /v1/heartbeat/{id}/snooze {"until"}`: holds the monitor's alerts until then.
pub async fn snooze(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    let id = &monitor_id(raw_id)?;
    // Another project's monitor is not found before its body is read: a 400 would tell a
    // stranger nothing, but every route answers a foreign id alike.
    own_monitor(&database(env)?, &project_id, id).await?;
    let now = now_ms();
    let until = snooze_until(&json_body(req).await?, now)?;
    set_snooze(env, &project_id, id, Some(until), now).await
}

/// `DELETE /v1/heartbeat/{id}/snooze`: alerts go out again from the next flip.
pub async fn unsnooze(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    let id = &monitor_id(raw_id)?;
    set_snooze(env, &project_id, id, None, now_ms()).await
}

async fn set_snooze(env: &Env, project_id: &str, id: &str, until: Option<i64>, now: i64) -> ApiResult {
    let db = database(env)?;
    if !monitors::set_snooze(&db, project_id, id, until, now).await? {
        return Err(ApiError::NotFound("heartbeat"));
    }
    let monitor = own_monitor(&db, project_id, id).await?;
    json(200, &view(&monitor, &public_url(env), Scope::Manage))
}

pub async fn pause(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    set_paused(req, env, raw_id, true).await
}

pub async fn resume(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    set_paused(req, env, raw_id, false).await
}

/// A page of the project's monitors that match `filter`; with `none_is`, a filter that
/// matches no monitor at all names something that does not exist (404).
async fn list_page(
    req: &Request,
    env: &Env,
    access: &Access,
    filter: ListFilter,
    none_is: Option<&'static str>,
    include: Include,
) -> ApiResult {
    let project_id = &access.project_id;
    let page = parse_page(
        query_param(req, "page").as_deref(),
        query_param(req, "limit").as_deref(),
        50,
        100,
    )?;
    let db = database(env)?;
    let limit = usize::try_from(page.limit).unwrap_or(0);
    // A keyset page starts right after its cursor, not at an offset.
    let offset = match filter.after {
        Some(_) => 0,
        None => page.offset(),
    };
    let (mut fetched, mut total, mut tags) =
        page_of(&db, project_id, &filter, page.limit, offset, include.tags).await?;
    // Read your writes for the page's monitors (at most `limit` objects asked): their held pings
    // go to D1, and the page is read again if any moved (a status, and so the page, may change).
    // With strips, each object answers its part of the strip in the same request.
    let now = now_ms();
    let asks = fetched
        .iter()
        .take(limit)
        .map(|m| (m.ping_token.as_str(), include.strips.then(|| strip_query(m, now))));
    let (flushed, mut logs) = flush_tokens_reading(env, asks.collect()).await;
    if flushed.moved {
        (fetched, total, tags) = page_of(&db, project_id, &filter, page.limit, offset, include.tags).await?;
    }
    if let (0, Some(what)) = (total, none_is) {
        return Err(ApiError::NotFound(what));
    }
    let (items, more) = cut_page(fetched, limit);
    let strips = match include.strips {
        true => Some(strips_of(env, &db, &items, now, &mut logs).await?),
        false => None,
    };
    let base = public_url(env);
    let shown: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut item = view(m, &base, access.scope);
            if let Some(strips) = &strips {
                item["strip"] = strips[i].clone();
            }
            item
        })
        .collect();
    let mut body = json!({
        "items": shown,
        "page": page.page,
        "limit": page.limit,
        "total": total,
    });
    if none_is.is_none() {
        let last = items.last().filter(|_| more);
        body["next_cursor"] = json!(last.map(|m| Cursor {
            created_at: m.created_at,
            id: m.id.clone()
        }
        .encode()));
    }
    if let Some(tags) = tags {
        body["tags"] = json!(tags);
    }
    flagged(json(200, &body), flushed)
}

/// The monitors that match `filter` from `offset` (one more than `limit`, telling whether more
/// follow), how many match in all, and the project's tags when asked.
async fn page_of(
    db: &D1Database,
    project_id: &str,
    filter: &ListFilter,
    limit: i64,
    offset: i64,
    with_tags: bool,
) -> Result<(Vec<Monitor>, i64, Option<Vec<String>>), ApiError> {
    Ok(if filter.status.as_deref() == Some("maintenance") {
        // Whether a window holds a monitor now is computed, not stored: the monitors with
        // windows are read (at most `MAX_WITH_WINDOWS`) and the page is cut from those held.
        let all = ListFilter {
            after: None,
            ..filter.clone()
        };
        let (candidates, _, tags) =
            monitors::list_monitors(db, project_id, &all, MAX_WITH_WINDOWS, 0, with_tags).await?;
        let now = now_ms();
        let held: Vec<Monitor> = candidates
            .into_iter()
            .filter(|m| in_maintenance_until(m, now).is_some())
            .collect();
        let total = held.len() as i64;
        let fetched = held
            .into_iter()
            .filter(|m| filter.after.as_ref().is_none_or(|c| c.precedes(m.created_at, &m.id)))
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(0) + 1)
            .collect();
        (fetched, total, tags)
    } else {
        monitors::list_monitors(db, project_id, filter, limit + 1, offset, with_tags).await?
    })
}

/// The query a monitor's strip asks of its history at `now`.
fn strip_query(m: &Monitor, now: i64) -> LogQuery {
    let (start, end) = strip_range(now);
    LogQuery::statistic(start, end, m.grace_s * 1_000)
}

/// Each monitor's last 24 hours at `now`, hour by hour, as its statistic counts them: one
/// batch of D1 statements for the whole page (what D1 keeps), and each monitor's token objects
/// at once, but for a token whose part `logs` has (answered to the same query beside the
/// read's flush), which is taken from there.
async fn strips_of(
    env: &Env,
    db: &D1Database,
    items: &[Monitor],
    now: i64,
    logs: &mut TokenLogs,
) -> Result<Vec<Value>, ApiError> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let (start, end) = strip_range(now);
    let ids: Vec<String> = items.iter().map(|m| m.id.clone()).collect();
    let mut in_d1 = ping_histories(db, &ids, start, end).await?;
    let mut answered = Vec::with_capacity(items.len());
    let mut to_ask = Vec::with_capacity(items.len());
    for m in items {
        let query = strip_query(m, now);
        let mut known = Vec::new();
        let mut unknown = Vec::new();
        for token in m.history_tokens() {
            match logs
                .iter()
                .position(|(t, asked_as, _)| *t == token && *asked_as == query)
            {
                Some(i) => known.push(logs.swap_remove(i).2),
                None => unknown.push(token),
            }
        }
        answered.push(known);
        to_ask.push((unknown, query));
    }
    let objects = join_all(
        to_ask
            .iter()
            .map(|(tokens, query)| async move { token_histories(env, tokens, query).await }),
    )
    .await;
    let objects = objects.into_iter().zip(answered).map(|(fresh, mut known)| {
        known.extend(fresh?);
        Ok::<_, worker::Error>(known)
    });
    let mut histories = HashMap::new();
    for (m, answers) in items.iter().zip(objects) {
        let mut answers = answers?;
        answers.push(answer_of(in_d1.remove(&m.id).unwrap_or_default()));
        histories.insert(m.id.clone(), statistic_history(merge(answers, STATISTIC_PINGS)));
    }
    let none = PingHistory::default();
    Ok(items
        .iter()
        .map(|m| {
            let schedule = Schedule::from_columns(m.interval_s, m.schedule.clone(), m.tz.clone());
            let zone = IntlZone::new(&m.tz);
            let watched = Watched {
                created_at: m.created_at,
                grace_ms: m.grace_s * 1_000,
                schedule: &schedule,
                zone: &zone,
            };
            let history = histories.get(&m.id).unwrap_or(&none);
            let buckets = statistic_buckets(&watched, history, start, end, HOUR_MS, now);
            Value::from(buckets.iter().map(bucket_view).collect::<Vec<_>>())
        })
        .collect())
}

/// A statistic bucket as the API shows it.
fn bucket_view(b: &Bucket) -> Value {
    json!({
        "received_at": format_rfc3339(b.start),
        "tick_count": b.tick_count,
        "run_count": b.run_count,
        "fail_count": b.fail_count,
        "complete_count": b.complete_count,
    })
}

/// `GET /v1/heartbeats?page=&limit=&cursor=&status=&tag=&q=&include=`
pub async fn list(req: &mut Request, env: &Env) -> ApiResult {
    let access = project_access(req, env, Need::Read).await?;
    let filter = ListFilter {
        service_id: None,
        status: parse_status(query_param(req, "status").as_deref())?,
        tag: parse_tag(query_param(req, "tag").as_deref())?,
        name_contains: parse_search(query_param(req, "q").as_deref())?.map(|q| name_needle(&q)),
        after: parse_cursor(query_param(req, "cursor").as_deref())?,
    };
    let include = parse_include(query_param(req, "include").as_deref())?;
    list_page(req, env, &access, filter, None, include).await
}

/// `GET /v1/service/{service_id}/heartbeats?page=&limit=` (the heartbeat API). A service exists in a
/// project while one of its monitors names it, so another project's is not found.
pub async fn list_for_service(req: &mut Request, env: &Env, raw_service_id: &str) -> ApiResult {
    let access = project_access(req, env, Need::Read).await?;
    let service_id = uuid_param("service_id", raw_service_id)?;
    let filter = ListFilter {
        service_id: Some(service_id),
        ..ListFilter::default()
    };
    list_page(req, env, &access, filter, Some("service"), Include::default()).await
}

/// `DELETE /v1/heartbeat?id=..&id=..`: deletes those of the project's monitors named; other
/// projects' ids are neither touched nor revealed (they simply do not count, and when none
/// counts, nothing was found).
pub async fn delete_many(req: &mut Request, env: &Env) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    let ids = query_params(req, "id");
    if ids.is_empty() || ids.len() > 100 {
        return Err(FieldError::new("id", "give 1 to 100 ids as ?id=..&id=..").into());
    }
    let ids = ids.iter().map(|id| monitor_id(id)).collect::<Result<Vec<_>, _>>()?;
    let deleted = monitors::delete_monitors(&database(env)?, &project_id, &ids).await?;
    if deleted.is_empty() {
        return Err(ApiError::NotFound("heartbeat"));
    }
    for tokens in &deleted {
        forget_tokens(env, tokens).await?;
    }
    json(200, &json!({"deleted": deleted.len()}))
}

pub async fn delete(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    let id = &monitor_id(raw_id)?;
    let deleted = monitors::delete_monitors(&database(env)?, &project_id, &[id.to_string()]).await?;
    let tokens = deleted.first().ok_or(ApiError::NotFound("heartbeat"))?;
    forget_tokens(env, tokens).await?;
    json(200, &json!({"deleted": 1}))
}

/// A deleted monitor's tokens: each refused from the next ping on, and its object's storage
/// (the monitor's history) forgotten, in one call to each object.
async fn forget_tokens(env: &Env, tokens: &[String]) -> Result<(), ApiError> {
    for token in tokens {
        wipe_token(env, token).await?;
    }
    Ok(())
}

pub async fn rotate_token(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    let id = &monitor_id(raw_id)?;
    let db = database(env)?;
    let monitor = own_monitor(&db, &project_id, id).await?;
    let token = random::ping_token();
    if !monitors::replace_token(&db, id, &monitor.ping_token, &token, now_ms()).await? {
        return Err(ApiError::Conflict("the token changed concurrently; retry"));
    }
    // D1 first, then the old token's object: from here on the old token records nothing.
    retire_token(env, &monitor.ping_token).await?;
    // Reads ask the new token's object from now on: what the old one still holds goes to D1
    // now (read your writes across a rotation; a failure leaves it to the old object's alarm).
    flush_tokens(env, [monitor.ping_token.as_str()]).await;
    // The old object keeps the history it held; past the last few tokens, the oldest's moves
    // to D1 (a failure leaves it listed, for the next rotation to move).
    let earlier = monitor.history_tokens.as_deref();
    let mut listed = monitors::history_tokens(&monitor.ping_token, earlier);
    while listed.len() > MAX_HISTORY_TOKENS {
        let oldest = listed.remove(0);
        if let Err(e) = move_history_to_d1(env, &db, id, &oldest).await {
            worker::console_error!("moving an earlier token's history to D1 failed: {e}");
            break;
        }
    }
    let base = public_url(env);
    json(
        200,
        &json!({"id": id, "token": token, "ping_urls": ping_urls(&base, &token)}),
    )
}

/// The monitor's pings received strictly after `last_received_at`, oldest first.
pub async fn events(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    let project_id = project_key(req, env, Need::Read).await?;
    let named = monitor_ref(raw_id)?;
    let limit = match query_param(req, "limit") {
        None => 100,
        Some(raw) => match raw.trim().parse::<i64>() {
            Ok(n) if (1..=1_000).contains(&n) => n,
            _ => return Err(FieldError::new("limit", "must be a whole number between 1 and 1000").into()),
        },
    };
    let after = match query_param(req, "last_received_at") {
        None => i64::MIN,
        Some(raw) => {
            parse_rfc3339(&raw).ok_or_else(|| FieldError::new("last_received_at", "must be an RFC 3339 date-time"))?
        }
    };
    let db = database(env)?;
    // No flush first: the token objects answer with every ping they acknowledged.
    let monitor = readable_monitor(&db, &project_id, &named).await?;
    let of = HistoryOf {
        monitor_id: &monitor.id,
        tokens: monitor.history_tokens(),
    };
    let query = LogQuery {
        after,
        until: i64::MAX,
        limit: limit as usize,
        ..LogQuery::default()
    };
    let pings = ping_history(env, &db, &of, &query).await?.pings;
    let items: Vec<Value> = pings
        .iter()
        .map(|p| {
            json!({
                "received_at": format_rfc3339(p.received_at),
                "result": p.kind,
                "message": p.message,
                "value": p.value,
                "method": p.method,
                "source": p.source,
                "exit_status": p.exit_status,
                "run_id": p.run_id,
                "duration_ms": p.duration_ms,
            })
        })
        .collect();
    let last = pings.last().map(|p| format_rfc3339(p.received_at));
    json(200, &json!({"items": items, "limit": limit, "last_received_at": last}))
}

fn date_param(req: &Request, field: &str) -> Result<Option<i64>, ApiError> {
    match query_param(req, field) {
        None => Ok(None),
        Some(raw) => parse_rfc3339(&raw)
            .map(Some)
            .ok_or_else(|| FieldError::new(field, "must be an RFC 3339 date-time").into()),
    }
}

/// `GET /v1/heartbeat/{id}/statistic?interval=&start_date=&end_date=` (the heartbeat API): computed
/// on read from the schedule and the pings of the range (one indexed range scan).
pub async fn statistic(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    let project_id = project_key(req, env, Need::Read).await?;
    let named = monitor_ref(raw_id)?;
    let interval_text = query_param(req, "interval").unwrap_or_else(|| "1h".into());
    let bucket_ms = parse_bucket(&interval_text)?;
    let now = now_ms();
    let end = date_param(req, "end_date")?.unwrap_or(now);
    let start = date_param(req, "start_date")?.unwrap_or(end - 86_400_000);
    let (start, end) = answered_range(start, end, bucket_ms);
    let db = database(env)?;
    // No flush first: the token objects answer with every ping they acknowledged, and the
    // buckets need nothing else a flush writes (the schedule and grace are the monitor's own).
    let m = readable_monitor(&db, &project_id, &named).await?;
    let grace_ms = m.grace_s * 1_000;
    let of = HistoryOf {
        monitor_id: &m.id,
        tokens: m.history_tokens(),
    };
    let answer = ping_history(env, &db, &of, &LogQuery::statistic(start, end, grace_ms)).await?;
    let history = statistic_history(answer);
    let schedule = Schedule::from_columns(m.interval_s, m.schedule.clone(), m.tz.clone());
    let zone = IntlZone::new(&m.tz);
    let watched = Watched {
        created_at: m.created_at,
        grace_ms,
        schedule: &schedule,
        zone: &zone,
    };
    let buckets = statistic_buckets(&watched, &history, start, end, bucket_ms, now);
    let items: Vec<Value> = buckets.iter().map(bucket_view).collect();
    json(
        200,
        &json!({
            "interval": interval_text,
            "start_date": format_rfc3339(start),
            "end_date": format_rfc3339(end),
            "items": items,
        }),
    )
}

/// The most flips the alert history shows at once.
const MAX_HISTORY: i64 = 100;

/// `GET /v1/heartbeat/{id}/alerts?limit=`: the alert history, newest flip first, each with
/// the alerts sent for it to which channels, or why it was held.
pub async fn alerts(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    let project_id = project_key(req, env, Need::Read).await?;
    let named = monitor_ref(raw_id)?;
    let limit = match query_param(req, "limit") {
        None => 50,
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_HISTORY).contains(n))
            .ok_or_else(|| {
                ApiError::from(FieldError::new(
                    "limit",
                    format!("must be an integer from 1 to {MAX_HISTORY}"),
                ))
            })?,
    };
    let db = database(env)?;
    let (monitor, flushed) = settled_monitor(env, &db, &project_id, &named).await?;
    let id = &monitor.id;
    let items: Vec<Value> = alert_history(&db, id, limit)
        .await?
        .into_iter()
        .map(|e| {
            json!({
                "at": format_rfc3339(e.at),
                "from": e.from,
                "to": e.to,
                "reason": e.reason,
                "held_by": e.held_by,
                "deliveries": e.deliveries.iter().map(|d| json!({
                    "channel_id": d.channel_id,
                    "channel": d.channel,
                    "kind": d.kind,
                    "seq": d.seq,
                    "step": d.step,
                    "event": d.event,
                    "status": d.status,
                    "attempts": d.attempts,
                    "http_status": d.http_status,
                    "queued_at": format_rfc3339(d.queued_at),
                    "finished_at": d.finished_at.map(format_rfc3339),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    flagged(json(200, &json!({"items": items})), flushed)
}

/// `GET /v1/heartbeat/{id}/flips`: every change into or out of `down`, oldest first.
pub async fn flips(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    let project_id = project_key(req, env, Need::Read).await?;
    let named = monitor_ref(raw_id)?;
    let db = database(env)?;
    let (monitor, flushed) = settled_monitor(env, &db, &project_id, &named).await?;
    let items: Vec<Value> = flips_of(&db, &monitor.id, 1_000)
        .await?
        .iter()
        .map(|f| json!({"at": format_rfc3339(f.at), "from": f.from_status, "to": f.to_status, "reason": f.reason}))
        .collect();
    flagged(json(200, &json!({"items": items})), flushed)
}
