//! `GET /v1/metrics`: the caller's monitors for Prometheus (a `manage` or `read` key, or a session).

use worker::{Env, Headers, Request, Response};

use crate::api::read_your_writes::{flagged, flush_tokens};
use crate::core::http_contract::prometheus::{render, CONTENT_TYPE};
use crate::edge::db::{database, now_ms};
use crate::edge::heartbeat::monitor_health::monitor_metrics;
use crate::http::{project_key, ApiResult, Need};

pub async fn metrics(req: &mut Request, env: &Env) -> ApiResult {
    let project_id = project_key(req, env, Need::Read).await?;
    let db = database(env)?;
    let (mut monitors, tokens) = monitor_metrics(&db, &project_id).await?;
    // Read your writes, for a project of up to `MAX_TOKENS_PER_READ` monitors (a larger one is
    // answered from D1, flagged: a scrape is periodic, a few seconds behind are within it).
    let flushed = flush_tokens(env, tokens.iter().map(String::as_str)).await;
    if flushed.moved {
        monitors = monitor_metrics(&db, &project_id).await?.0;
    }
    let headers = Headers::new();
    headers.set("content-type", CONTENT_TYPE)?;
    headers.set("cache-control", "no-store")?;
    flagged(
        Ok(Response::ok(render(&monitors, now_ms()))?.with_headers(headers)),
        flushed,
    )
}
