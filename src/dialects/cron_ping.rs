//! Cron-job pings in the healthchecks.io conventions existing scripts use:
//! `/ping/{token}` (success), `/ping/{token}/start`, `/fail`, `/log`, `/{exit_status}`,
//! over HEAD, GET or POST; a POST body's first 10,000 bytes are kept as the message; `rid`
//! pairs a start with its end. Answers are plain text: `OK`, or what went wrong.

use worker::{Env, Headers, Method, Request, Response};

use super::http::query_param;
use super::ping_meta::{message_from, ping_input};
use crate::core::credentials::is_ping_token;
use crate::core::ping::{PingKind, PingSource};
use crate::core::validation::is_uuid;
use crate::edge::ping_gate::record_ping;
use crate::edge::ping_token::RecordOutcome;

fn text(status: u16, body: &str) -> Response {
    let headers = Headers::new();
    let _ = headers.set("content-type", "text/plain; charset=utf-8");
    let _ = headers.set("cache-control", "no-store");
    // Browsers may ping too (a dashboard's "run now" button, a status page).
    let _ = headers.set("access-control-allow-origin", "*");
    Response::ok(body)
        .map(|r| r.with_status(status).with_headers(headers))
        .unwrap_or_else(|_| Response::empty().expect("an empty response builds").with_status(status))
}

/// What the path's last segment asks for.
fn kind_of(action: Option<&str>) -> Result<(PingKind, Option<i64>), &'static str> {
    match action {
        None => Ok((PingKind::Success, None)),
        Some("start") => Ok((PingKind::Start, None)),
        Some("fail") => Ok((PingKind::Fail, None)),
        Some("log") => Ok((PingKind::Log, None)),
        Some(code) => {
            let status = code.parse::<i64>().map_err(|_| "unknown ping action")?;
            let kind = PingKind::from_exit_status(status).ok_or("exit status must be 0..255")?;
            Ok((kind, Some(status)))
        }
    }
}

pub async fn cron_ping(req: &mut Request, env: &Env, token: &str, action: Option<&str>) -> Response {
    let (kind, exit_status) = match kind_of(action) {
        Ok(k) => k,
        Err(why) => return text(400, why),
    };
    let run_id = query_param(req, "rid");
    if run_id.as_deref().is_some_and(|rid| !is_uuid(&rid.to_ascii_lowercase())) {
        return text(400, "rid must be a UUID");
    }
    if !is_ping_token(token) {
        return text(404, "not found");
    }
    let mut input = ping_input(req, PingSource::Ping, kind);
    input.exit_status = exit_status;
    input.run_id = run_id.map(|r| r.to_ascii_lowercase());
    if req.method() == Method::Post {
        input.message = message_from(&req.bytes().await.unwrap_or_default());
    }
    match record_ping(env, token, &input).await {
        Ok(RecordOutcome::Accepted { .. }) => text(200, "OK"),
        Ok(RecordOutcome::UnknownToken) => text(404, "not found"),
        Ok(RecordOutcome::Limited { .. }) => text(429, "rate limited"),
        // Only the heartbeat ping route restricts methods.
        Ok(RecordOutcome::MethodNotAllowed { .. }) => text(405, "method not allowed"),
        Err(e) => {
            worker::console_error!("cron ping could not be recorded: {e}");
            text(503, "could not record the ping; retry")
        }
    }
}
