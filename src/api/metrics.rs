//! `GET /v1/metrics`: the caller's monitors for Prometheus (a `manage` or `read` key, or a session).

use worker::{Env, Headers, Request, Response};

use crate::core::http_contract::prometheus::{render, CONTENT_TYPE};
use crate::edge::db::{database, now_ms};
use crate::edge::heartbeat::monitor_health::monitor_metrics;
use crate::http::{project_key, ApiResult, Need};

pub async fn metrics(req: &mut Request, env: &Env) -> ApiResult {
    let project_id = project_key(req, env, Need::Read).await?;
    let monitors = monitor_metrics(&database(env)?, &project_id).await?;
    let headers = Headers::new();
    headers.set("content-type", CONTENT_TYPE)?;
    headers.set("cache-control", "no-store")?;
    Ok(Response::ok(render(&monitors, now_ms()))?.with_headers(headers))
}
