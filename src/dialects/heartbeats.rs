//! Heartbeat monitor management (seed 001's shapes), with a project API key.

use serde_json::{json, Value};
use worker::{Env, Request};

use super::http::{json, json_body, origin, project_key, query_param, ApiError, ApiResult, Need};
use crate::core::monitor::parse_new_monitor;
use crate::core::paging::parse_page;
use crate::core::time::format_rfc3339;
use crate::core::validation::{is_uuid, FieldError};
use crate::edge::db::{database, now_ms};
use crate::edge::monitors::{self, Monitor};
use crate::edge::ping_gate::retire_token;
use crate::edge::random;

fn view(m: &Monitor, origin: &str) -> Value {
    let at = |t: Option<i64>| t.map(format_rfc3339);
    json!({
        "id": m.id,
        "name": m.name,
        "interval": m.interval_s,
        "grace": m.grace_s,
        "enabled": m.enabled != 0,
        "paused": m.paused != 0,
        "status": m.status,
        "token": m.ping_token,
        "ping_urls": { "beacon": format!("{origin}/api/v1/beet/{}", m.ping_token) },
        "last_ping_at": at(m.last_ping_at),
        "next_due_at": at(m.next_due_at),
        "n_pings": m.n_pings,
        "last_value": m.last_value,
        "created_at": format_rfc3339(m.created_at),
        "updated_at": format_rfc3339(m.updated_at),
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
    let (items, total) =
        monitors::list_monitors(&database(env)?, &project_id, page.limit, page.offset()).await?;
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
        &json!({"id": id, "token": token, "ping_urls": { "beacon": format!("{origin}/api/v1/beet/{token}") }}),
    )
}
