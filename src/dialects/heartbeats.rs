//! Heartbeat monitor management (seed 001's shapes), with a project API key.

use serde_json::{json, Value};
use worker::{Env, Request};

use super::http::{json, json_body, origin, project_key, query_param, ApiError, ApiResult, Need};
use crate::core::monitor::parse_new_monitor;
use crate::core::paging::parse_page;
use crate::core::time::{format_rfc3339, parse_rfc3339};
use crate::core::validation::{is_uuid, FieldError};
use crate::edge::db::{database, now_ms};
use crate::edge::monitors::{self, Monitor};
use crate::edge::ping_gate::retire_token;
use crate::edge::pings::pings_after;
use crate::edge::random;

fn view(m: &Monitor, origin: &str) -> Value {
    let at = |t: Option<i64>| t.map(format_rfc3339);
    json!({
        "id": m.id,
        "name": m.name,
        "interval": m.interval_s,
        "grace": m.grace_s,
        "enabled": m.enabled != 0,
        "methods": serde_json::from_str::<Value>(&m.methods).unwrap_or(Value::Null),
        "paused": m.paused != 0,
        "status": m.status,
        "token": m.ping_token,
        "ping_urls": ping_urls(origin, &m.ping_token),
        "last_ping_at": at(m.last_ping_at),
        "next_due_at": at(m.next_due_at),
        "n_pings": m.n_pings,
        "last_value": m.last_value,
        "created_at": format_rfc3339(m.created_at),
        "updated_at": format_rfc3339(m.updated_at),
    })
}

/// Every URL that records a ping for this token.
fn ping_urls(origin: &str, token: &str) -> Value {
    json!({
        "beacon": format!("{origin}/api/v1/beet/{token}"),
        "heartbeat": format!("{origin}/v1/heartbeat/{token}"),
        "ping": format!("{origin}/ping/{token}"),
    })
}

fn monitor_id(raw: &str) -> Result<&str, ApiError> {
    if is_uuid(raw) {
        Ok(raw)
    } else {
        Err(FieldError::new("id", "must be a UUID").into())
    }
}

pub async fn create(req: &mut Request, env: &Env) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    let new = parse_new_monitor(&json_body(req).await?)?;
    let db = database(env)?;
    let id = random::uuid();
    monitors::insert_monitor(&db, &id, &project_id, &random::ping_token(), &new, now_ms()).await?;
    let created = monitors::find_monitor(&db, &project_id, &id)
        .await?
        .ok_or(ApiError::Internal)?;
    json(201, &view(&created, &origin(req)))
}

pub async fn get(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    let project_id = project_key(req, env, Need::Read).await?;
    let id = monitor_id(raw_id)?;
    let monitor = monitors::find_monitor(&database(env)?, &project_id, id)
        .await?
        .ok_or(ApiError::NotFound("heartbeat"))?;
    json(200, &view(&monitor, &origin(req)))
}

pub async fn list(req: &mut Request, env: &Env) -> ApiResult {
    let project_id = project_key(req, env, Need::Read).await?;
    let page = parse_page(
        query_param(req, "page").as_deref(),
        query_param(req, "limit").as_deref(),
        50,
        100,
    )?;
    let (items, total) = monitors::list_monitors(&database(env)?, &project_id, page.limit, page.offset()).await?;
    let origin = origin(req);
    json(
        200,
        &json!({
            "items": items.iter().map(|m| view(m, &origin)).collect::<Vec<_>>(),
            "page": page.page,
            "limit": page.limit,
            "total": total,
        }),
    )
}

pub async fn delete(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    let id = monitor_id(raw_id)?;
    let token = monitors::delete_monitor(&database(env)?, &project_id, id)
        .await?
        .ok_or(ApiError::NotFound("heartbeat"))?;
    retire_token(env, &token).await?;
    json(200, &json!({"deleted": 1}))
}

pub async fn rotate_token(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    let id = monitor_id(raw_id)?;
    let db = database(env)?;
    let monitor = monitors::find_monitor(&db, &project_id, id)
        .await?
        .ok_or(ApiError::NotFound("heartbeat"))?;
    let token = random::ping_token();
    if !monitors::replace_token(&db, id, &monitor.ping_token, &token, now_ms()).await? {
        return Err(ApiError::Conflict("the token changed concurrently; retry"));
    }
    // D1 first, then the old token's object: from here on the old token records nothing.
    retire_token(env, &monitor.ping_token).await?;
    let origin = origin(req);
    json(
        200,
        &json!({"id": id, "token": token, "ping_urls": ping_urls(&origin, &token)}),
    )
}

/// The monitor's pings received strictly after `last_received_at`, oldest first.
pub async fn events(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    let project_id = project_key(req, env, Need::Read).await?;
    let id = monitor_id(raw_id)?;
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
    monitors::find_monitor(&db, &project_id, id)
        .await?
        .ok_or(ApiError::NotFound("heartbeat"))?;
    let pings = pings_after(&db, id, after, limit).await?;
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
