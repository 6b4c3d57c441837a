//! One module per API dialect. Each parses its request, calls the core/edge, shapes the answer.

pub mod admin;
pub mod beacon;
pub mod channels;
pub mod cron_ping;
pub mod event_intake;
pub mod event_queries;
pub mod events_api;
pub mod heartbeat_ping;
pub mod heartbeats;
pub mod http;
pub mod ingest_api;
pub mod ping_meta;
pub mod project_limits;
pub mod system_heartbeat;

use worker::{Env, Request, Response};

use crate::core::routes::Route;

/// Runs the handler of a matched route.
pub async fn serve(route: Route, params: &[&str], req: &mut Request, env: &Env) -> Response {
    let param = |i: usize| params.get(i).copied().unwrap_or_default();
    let answer = match route {
        Route::Health => http::json(200, &serde_json::json!({"ok": true})),
        Route::Beacon => return beacon::beacon(req, env, param(0)).await,
        Route::BeaconPreflight => return beacon::preflight(req),
        Route::CreateProject => admin::create_project(req, env).await,
        Route::CreateKey => admin::create_key(req, env, param(0)).await,
        Route::RevokeKey => admin::revoke_key(req, env, param(0)).await,
        Route::CreateHeartbeat => heartbeats::create(req, env).await,
        Route::ListHeartbeats => heartbeats::list(req, env).await,
        Route::GetHeartbeat if !has_credentials(req) => heartbeat_ping::heartbeat_ping(req, env, param(0)).await,
        Route::GetHeartbeat => heartbeats::get(req, env, param(0)).await,
        Route::HeartbeatPing => heartbeat_ping::heartbeat_ping(req, env, param(0)).await,
        Route::HeartbeatEvents => heartbeats::events(req, env, param(0)).await,
        Route::CronPing => return cron_ping::cron_ping(req, env, params).await,
        Route::OpenApi => http::openapi(),
        Route::UpdateHeartbeat => heartbeats::update(req, env, param(0)).await,
        Route::DeleteHeartbeats => heartbeats::delete_many(req, env).await,
        Route::ListServiceHeartbeats => heartbeats::list_for_service(req, env, param(0)).await,
        Route::PauseHeartbeat => heartbeats::pause(req, env, param(0)).await,
        Route::ResumeHeartbeat => heartbeats::resume(req, env, param(0)).await,
        Route::HeartbeatStatistic => heartbeats::statistic(req, env, param(0)).await,
        Route::HeartbeatFlips => heartbeats::flips(req, env, param(0)).await,
        Route::CreateChannel => channels::create(req, env).await,
        Route::ListChannels => channels::list(req, env).await,
        Route::DeleteChannel => channels::delete(req, env, param(0)).await,
        Route::TestChannel => channels::test(req, env, param(0)).await,
        Route::ChannelDeliveries => channels::deliveries(req, env, param(0)).await,
        Route::GetProject => admin::own_project(req, env).await,
        Route::UpdateProject => admin::update_project(req, env).await,
        Route::RotatePingKey => admin::rotate_ping_key(req, env).await,
        Route::SystemHeartbeat => return system_heartbeat::system_heartbeat(req, env).await,
        Route::DeleteHeartbeat => heartbeats::delete(req, env, param(0)).await,
        Route::RotateHeartbeatToken => heartbeats::rotate_token(req, env, param(0)).await,
        Route::PostEvents => return events_api::post_events(req, env).await,
        Route::IngestEvents => return ingest_api::post_events(req, env).await,
        Route::IngestBeacon => return ingest_api::post_beacon(req, env).await,
        Route::IngestPreflight => return ingest_api::preflight(req),
        Route::ListEvents => event_queries::list(req, env).await,
        Route::EventNames => event_queries::names(req, env).await,
        Route::EventRollup => event_queries::rollup(req, env).await,
        Route::UpdateProjectLimits => project_limits::update_limits(req, env, param(0)).await,
    };
    answer.unwrap_or_else(http::ApiError::into_response)
}

fn has_credentials(req: &Request) -> bool {
    req.headers().has("authorization").unwrap_or(false)
}
