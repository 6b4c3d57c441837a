//! The Worker's entry points: fetch (every HTTP request) and scheduled (the Cron Trigger).

use worker::{event, Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent};

use super::db::now_ms;
use super::notifier::deliver_due;
use super::sweep::run_sweep;
use crate::core::routes::{match_route, Matched};
use crate::dialects::{self, http::ApiError};

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let path = req.path();
    super::faults::inject(&path, &env);
    let method = req.method().to_string();
    Ok(match match_route(&method, &path) {
        Matched::Found { route, params } => dialects::serve(route, &params, &mut req, &env).await,
        Matched::MethodNotAllowed { allow } => {
            ApiError::MethodNotAllowed(allow.into_iter().map(String::from).collect()).into_response()
        }
        Matched::NotFound => ApiError::NotFound("route").into_response(),
    })
}

#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let scheduled_at = event.schedule() as i64;
    match run_sweep(&env, scheduled_at, now_ms()).await {
        Ok(r) => worker::console_log!(
            "sweep at {scheduled_at}: {} due, {} flips, {} deferred, {} rows read, {} written",
            r.due,
            r.flips,
            r.deferred,
            r.rows_read,
            r.rows_written
        ),
        Err(e) => worker::console_error!("sweep at {scheduled_at} failed: {e}"),
    }
    match super::events::maintain_events(&env, scheduled_at).await {
        Ok(r) if r.pruned > 0 || r.digests_queued > 0 => {
            worker::console_log!("events: {} pruned, {} error digests queued", r.pruned, r.digests_queued)
        }
        Ok(_) => {}
        Err(e) => worker::console_error!("event maintenance at {scheduled_at} failed: {e}"),
    }
    // After the status updates are committed: a slow receiver never holds up a flip.
    match deliver_due(&env, scheduled_at).await {
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
