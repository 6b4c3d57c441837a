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
    // The method as sent: workers-rs turns methods it does not know (PROPFIND, QUERY) into
    // GET, which would serve them as reads and record them as pings.
    let method = req.inner().method();
    let response = match match_route(&method, &path) {
        Matched::Found { route, params } => dialects::serve(route, &params, &mut req, &env).await,
        Matched::MethodNotAllowed { allow } => {
            ApiError::MethodNotAllowed(allow.into_iter().map(String::from).collect()).into_response()
        }
        Matched::NotFound => ApiError::NotFound("route").into_response(),
    };
    discard_unread_body(&mut req).await;
    Ok(response)
}

/// A body the route answered without reading (a 405, a 401) is read to its end before the
/// answer goes out: left pending, or cancelled, it breaks the connection it came on, and
/// workerd answers the next request there with "Network connection lost". Bodies declared
/// larger than `DRAIN_LIMIT` are cancelled instead; that connection is not worth keeping.
async fn discard_unread_body(req: &mut Request) {
    const DRAIN_LIMIT: usize = 1 << 20;
    let inner = req.inner();
    if inner.body_used() || inner.body().is_none() {
        return;
    }
    let declared = req.headers().get("content-length").ok().flatten();
    if declared
        .and_then(|l| l.parse::<usize>().ok())
        .is_some_and(|l| l > DRAIN_LIMIT)
    {
        if let Some(body) = req.inner().body() {
            let _ = worker::wasm_bindgen_futures::JsFuture::from(body.cancel()).await;
        }
    } else {
        let _ = req.bytes().await;
    }
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
