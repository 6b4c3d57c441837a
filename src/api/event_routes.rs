//! `GET /v1/event-routes` and `PUT /v1/event-routes`: the project's whole ordered list of
//! event routes (first match wins), read with a read key, replaced with a manage key.

use serde_json::{json, Value};
use worker::{Env, Request};

use crate::core::alerting::event_routes::{channels_named, parse_routes, EventRoute};
use crate::core::time::format_rfc3339;
use crate::edge::alerting::channels::count_own_channels;
use crate::edge::alerting::event_routes::{load_routes, save_routes};
use crate::edge::db::{database, now_ms};
use crate::http::{json, json_body, project_key, ApiError, ApiResult, Need};

fn view(routes: &[EventRoute], updated_at: Option<i64>) -> Value {
    json!({"routes": routes, "updated_at": updated_at.map(format_rfc3339)})
}

pub async fn get(req: &mut Request, env: &Env) -> ApiResult {
    let project_id = project_key(req, env, Need::Read).await?;
    let stored = load_routes(&database(env)?, &project_id).await?;
    match stored {
        Some(s) => json(200, &view(&s.routes, Some(s.updated_at))),
        None => json(200, &view(&[], None)),
    }
}

pub async fn put(req: &mut Request, env: &Env) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    let routes = parse_routes(&json_body(req).await?)?;
    let db = database(env)?;
    let named = channels_named(&routes);
    // Like any id of another project's: not found, rather than a malformed request.
    if !named.is_empty() && count_own_channels(&db, &project_id, &named).await? != named.len() {
        return Err(ApiError::NotFound("channel"));
    }
    let now = now_ms();
    save_routes(&db, &project_id, &routes, now).await?;
    json(200, &view(&routes, Some(now)))
}
