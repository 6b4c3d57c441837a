//! edgebeat: heartbeat and event ingestion on Cloudflare Workers.
//!
//! Read top to bottom as a request flows; every `use` points down this list:
//! - this file: the Worker's entry points (fetch, scheduled) and the route dispatch;
//! - `ingest`: one module per ingestion format, in `heartbeat/` (beacon, heartbeat ping, cron
//!   ping, system heartbeat) and `events/` (the two event APIs), all behind one seam;
//! - `api`: the management API (projects and keys, monitors, channels, queries);
//! - `http`: what formats and the API share: the error type, JSON bodies, credentials;
//! - `edge`: the runtime: D1 queries, the Durable Objects, the sweep, alert delivery;
//! - `core`: pure domain logic, natively tested (no `worker` types).
//!
//! Inside `core`, `edge` and `ingest`, a room per domain, named alike in each layer:
//! `heartbeat`, `events`, `access`, `alerting` (and core's `http_contract`). A new channel kind
//! renders in `core::alerting` and is stored by `edge::alerting::channels`; a new alert rule
//! is pure in `core::heartbeat` beside the status machine; a new format is a file in
//! `ingest::heartbeat` or `ingest::events` (README, "Architecture").

pub mod core;

#[cfg(target_arch = "wasm32")]
mod api;
#[cfg(target_arch = "wasm32")]
mod edge;
#[cfg(target_arch = "wasm32")]
mod http;
#[cfg(target_arch = "wasm32")]
mod ingest;

#[cfg(target_arch = "wasm32")]
use worker::{event, Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent};

#[cfg(target_arch = "wasm32")]
use crate::api::badges::BadgeFormat;
#[cfg(target_arch = "wasm32")]
use crate::core::http_contract::routes::{match_route, Matched, Route};
#[cfg(target_arch = "wasm32")]
use crate::ingest::{
    events::{
        all_or_none::EventsApi,
        per_event::{IngestBeacon, IngestEvents},
    },
    heartbeat::{
        beacon::Beacon, cron_ping::CronPing, heartbeat_ping::HeartbeatPing, system_heartbeat::SystemHeartbeat,
    },
};

#[cfg(target_arch = "wasm32")]
#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[cfg(target_arch = "wasm32")]
#[event(fetch)]
async fn fetch(mut req: Request, env: Env, ctx: Context) -> Result<Response> {
    let path = req.path();
    edge::faults::inject(&path, &env);
    // The meter's own reads are the bench's, not billable work of the product.
    if path.starts_with(edge::cost_meter::METER_PATH) && edge::cost_meter::enabled(&env) {
        return edge::heartbeat::ping_token::client::meter_answer(&env, &path).await;
    }
    edge::cost_meter::worker_request();
    // The method as sent: workers-rs turns methods it does not know (PROPFIND, QUERY) into
    // GET, which would serve them as reads and record them as pings.
    let method = req.inner().method();
    let response = match match_route(&method, &path) {
        Matched::Found { route, params } => dispatch(&method, route, &params, &mut req, &env).await,
        Matched::MethodNotAllowed { allow } => {
            http::ApiError::MethodNotAllowed(allow.into_iter().map(String::from).collect()).into_response()
        }
        Matched::NotFound => http::ApiError::NotFound("route").into_response(),
    };
    http::discard_unread_body(&mut req).await;
    // Key uses worth storing (at most one write per key an hour), after the answer.
    let used = edge::access::key_use::take_noted();
    if !used.is_empty() {
        ctx.wait_until(edge::access::key_use::record(env.clone(), used));
    }
    Ok(response)
}

/// Runs the handler of a matched route.
#[cfg(target_arch = "wasm32")]
async fn dispatch(method: &str, route: Route, params: &[&str], req: &mut Request, env: &Env) -> Response {
    let param = |i: usize| params.get(i).copied().unwrap_or_default();
    let answer = match route {
        // Ingestion formats answer in their own shapes, errors included.
        Route::Beacon => return ingest::ingest::<Beacon>(req, env, params).await,
        Route::BeaconPreflight => return ingest::heartbeat::beacon::preflight(req),
        Route::GetHeartbeat if !http::has_credentials(req) => {
            return ingest::ingest::<HeartbeatPing>(req, env, params).await
        }
        Route::HeartbeatPing => return ingest::ingest::<HeartbeatPing>(req, env, params).await,
        Route::CronPing => return ingest::ingest::<CronPing>(req, env, params).await,
        Route::SystemHeartbeat => return ingest::ingest::<SystemHeartbeat>(req, env, params).await,
        Route::PostEvents => return ingest::ingest::<EventsApi>(req, env, params).await,
        Route::IngestEvents => return ingest::ingest::<IngestEvents>(req, env, params).await,
        Route::IngestBeacon => return ingest::ingest::<IngestBeacon>(req, env, params).await,
        Route::IngestPreflight => return ingest::events::per_event::preflight(req),
        // The management API: JSON answers, errors through `http::ApiError`.
        Route::Health => http::json(200, &serde_json::json!({"ok": true})),
        Route::OpenApi => http::openapi(req, env).await,
        Route::CreateProject => api::projects::create_project(req, env).await,
        Route::CreateKey => api::projects::create_key(req, env, param(0)).await,
        Route::RevokeKey => api::projects::revoke_key(req, env, param(0)).await,
        Route::GetProject => api::projects::own_project(req, env).await,
        Route::UpdateProject => api::projects::update_project(req, env).await,
        Route::RotatePingKey => api::projects::rotate_ping_key(req, env).await,
        Route::CreateHeartbeat => api::monitors::create(req, env).await,
        Route::ListHeartbeats => api::monitors::list(req, env).await,
        Route::GetHeartbeat => api::monitors::get(req, env, param(0)).await,
        Route::UpdateHeartbeat => api::monitors::update(req, env, param(0)).await,
        Route::DeleteHeartbeat => api::monitors::delete(req, env, param(0)).await,
        Route::DeleteHeartbeats => api::monitors::delete_many(req, env).await,
        Route::ListServiceHeartbeats => api::monitors::list_for_service(req, env, param(0)).await,
        Route::PauseHeartbeat => api::monitors::pause(req, env, param(0)).await,
        Route::SnoozeHeartbeat => api::monitors::snooze(req, env, param(0)).await,
        Route::UnsnoozeHeartbeat => api::monitors::unsnooze(req, env, param(0)).await,
        Route::AcknowledgeHeartbeat => api::acknowledge::acknowledge(req, env, param(0)).await,
        Route::AckLink => api::acknowledge::ack_link(req, env, param(0)).await,
        Route::CreateHeartbeatMaintenance => api::maintenance::create_for_monitor(req, env, param(0)).await,
        Route::ListHeartbeatMaintenance => api::maintenance::list_for_monitor(req, env, param(0)).await,
        Route::CreateMaintenance => api::maintenance::create_for_project(req, env).await,
        Route::ListMaintenance => api::maintenance::list_for_project(req, env).await,
        Route::DeleteMaintenance => api::maintenance::delete(req, env, param(0)).await,
        Route::ResumeHeartbeat => api::monitors::resume(req, env, param(0)).await,
        Route::RotateHeartbeatToken => api::monitors::rotate_token(req, env, param(0)).await,
        Route::HeartbeatEvents => api::monitors::events(req, env, param(0)).await,
        Route::HeartbeatStatistic => api::monitors::statistic(req, env, param(0)).await,
        Route::HeartbeatFlips => api::monitors::flips(req, env, param(0)).await,
        Route::HeartbeatAlerts => api::monitors::alerts(req, env, param(0)).await,
        Route::CreateChannel => api::channels::create(req, env).await,
        Route::ListChannels => api::channels::list(req, env).await,
        Route::DeleteChannel => api::channels::delete(req, env, param(0)).await,
        Route::TestChannel => api::channels::test(req, env, param(0)).await,
        Route::ChannelDeliveries => api::channels::deliveries(req, env, param(0)).await,
        Route::GetEventRoutes => api::event_routes::get(req, env).await,
        Route::PutEventRoutes => api::event_routes::put(req, env).await,
        Route::ListEvents => api::event_queries::list(req, env).await,
        Route::EventNames => api::event_queries::names(req, env).await,
        Route::EventRollup => api::event_queries::rollup(req, env).await,
        Route::UpdateProjectLimits => api::project_limits::update_limits(req, env, param(0)).await,
        Route::CreateSession => api::sessions::create(req, env).await,
        Route::GetSession => api::sessions::get(req, env).await,
        Route::DeleteSession => api::sessions::delete(req, env).await,
        Route::ListKeys => api::projects::list_keys(req, env).await,
        Route::RotateBadgeKey => api::projects::rotate_badge_key(req, env).await,
        Route::BadgeSvg => api::badges::badge(req, env, param(0), param(1), BadgeFormat::Svg).await,
        Route::BadgeJson => api::badges::badge(req, env, param(0), param(1), BadgeFormat::Json).await,
        Route::Metrics => api::metrics::metrics(req, env).await,
    };
    answer.unwrap_or_else(|e| {
        // The one place an internal error is logged: here the route is known.
        if let http::ApiError::Internal(cause) = &e {
            worker::console_error!("{method} {route:?}: {cause}");
        }
        e.into_response()
    })
}

#[cfg(target_arch = "wasm32")]
#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let scheduled_at = event.schedule() as i64;
    match edge::heartbeat::sweep::run_sweep(&env, scheduled_at, edge::db::now_ms()).await {
        Ok(r) => worker::console_log!(
            "sweep at {scheduled_at}: {} due, {} flips, {} deferred, {} rows read, {} written, {} token objects called",
            r.due,
            r.flips,
            r.deferred,
            r.rows_read,
            r.rows_written,
            r.objects_called
        ),
        Err(e) => worker::console_error!("sweep at {scheduled_at} failed: {e}"),
    }
    match edge::events::event_rows::maintain_events(&env, scheduled_at).await {
        Ok(r) if r.pruned > 0 || r.digests_queued > 0 => {
            worker::console_log!("events: {} pruned, {} error digests queued", r.pruned, r.digests_queued)
        }
        Ok(_) => {}
        Err(e) => worker::console_error!("event maintenance at {scheduled_at} failed: {e}"),
    }
    match edge::heartbeat::ping_pruning::prune_pings(&env, scheduled_at).await {
        Ok(r) if r.pruned > 0 => worker::console_log!("pings: {} pruned from {} monitors", r.pruned, r.monitors),
        Ok(_) => {}
        Err(e) => worker::console_error!("ping pruning at {scheduled_at} failed: {e}"),
    }
    match edge::alerting::event_routes::queue_daily_rollups(&env, scheduled_at).await {
        Ok(n) if n > 0 => worker::console_log!("events: {n} daily rollups queued"),
        Ok(_) => {}
        Err(e) => worker::console_error!("daily rollups at {scheduled_at} failed: {e}"),
    }
    // After the status updates are committed: a slow receiver never holds up a flip.
    match edge::alerting::notifier::deliver_due(&env, scheduled_at).await {
        Ok(r) if r.attempted > 0 => {
            worker::console_log!(
                "webhooks: {} attempted, {} delivered, {} failed",
                r.attempted,
                r.delivered,
                r.failed
            )
        }
        Ok(_) => {}
        Err(e) => worker::console_error!("webhook delivery at {scheduled_at} failed: {e}"),
    }
}
