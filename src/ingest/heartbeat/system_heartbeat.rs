//! The systems API: `POST /api/systems/heartbeat` `{"system_id": "<uuid>"}` with HTTP Basic
//! credentials whose password is an `ingest` or `manage` key. Every answer, success or
//! error, is the systems API's `{"code", "message", "data"}` envelope, built only here.

use serde_json::{json, Value};
use worker::{Env, Request, Response};

use crate::core::heartbeat::ping::{PingKind, PingSource, RecordOutcome};
use crate::core::http_contract::validation::parse_uuid;
use crate::core::time::format_rfc3339;
use crate::edge::access::auth::{authenticate, basic_password, Principal};
use crate::edge::db::{database, now_ms};
use crate::edge::heartbeat::monitors::system_monitor_token;
use crate::ingest::heartbeat::ping_request::ping_input;
use crate::ingest::{Format, Ping, Rejection};

const MAX_BODY: usize = 16 * 1024;

fn envelope(code: u16, message: &str, data: Value) -> Response {
    let body = json!({"code": code, "message": message, "data": data}).to_string();
    let headers = worker::Headers::new();
    let _ = headers.set("content-type", "application/json");
    Response::ok(body)
        .map(|r| r.with_status(code).with_headers(headers))
        .unwrap_or_else(|_| Response::empty().expect("an empty response builds").with_status(code))
}

fn validation_failed(key: &str, message: &str, value: &str) -> Response {
    envelope(
        400,
        "validation failed",
        json!({"type": "validation_error", "errors": [{"key": key, "message": message, "value": value}]}),
    )
}

/// The systems API's system heartbeat, answered in its `{code, message, data}` envelope.
pub struct SystemHeartbeat;

impl Format for SystemHeartbeat {
    const NAME: &'static str = "system heartbeat";
    type Item = Ping;
    /// The system id, echoed in the answer.
    type Context = String;

    async fn parse(req: &mut Request, env: &Env, _params: &[&str]) -> Result<(Ping, String), Rejection> {
        let answer = Rejection::Answer;
        let key = basic_password(req).ok_or_else(|| answer(envelope(401, "invalid token", json!({}))))?;
        let project_id = match authenticate(env, &key).await? {
            Some(Principal::Key { project_id, scope }) if scope.can_ingest() => project_id,
            Some(_) => return Err(answer(envelope(403, "insufficient permissions", json!({})))),
            None => return Err(answer(envelope(401, "invalid token", json!({})))),
        };
        let bytes = req.bytes().await.unwrap_or_default();
        if bytes.len() > MAX_BODY {
            return Err(answer(validation_failed("body", "too large", "")));
        }
        let Ok(body) = serde_json::from_slice::<Value>(&bytes) else {
            let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(100)]);
            return Err(answer(validation_failed("body", "invalid JSON", &shown)));
        };
        let system_id = match body.get("system_id") {
            None | Some(Value::Null) => return Err(answer(validation_failed("system_id", "required", ""))),
            Some(Value::String(s)) => match parse_uuid(s) {
                Some(id) => id,
                None => return Err(answer(validation_failed("system_id", "must be a UUID", s))),
            },
            Some(other) => {
                return Err(answer(validation_failed(
                    "system_id",
                    "must be a string",
                    &other.to_string(),
                )))
            }
        };
        let token = system_monitor_token(&database(env)?, &project_id, &system_id, now_ms()).await?;
        let input = ping_input(req, PingSource::System, PingKind::Tick);
        Ok((Ping { token, input }, system_id))
    }

    fn render(outcome: RecordOutcome, system_id: String) -> Response {
        match outcome {
            RecordOutcome::Accepted { received_at } => envelope(
                200,
                "heartbeat acknowledged",
                json!({"system_id": system_id, "acknowledged": true, "last_heartbeat": format_rfc3339(received_at)}),
            ),
            RecordOutcome::Limited { .. } => envelope(429, "rate limited", json!({})),
            RecordOutcome::UnknownToken | RecordOutcome::MethodNotAllowed { .. } => {
                worker::console_error!("system heartbeat: the system's monitor token was not recognised");
                envelope(500, "internal server error", json!({}))
            }
        }
    }

    fn unavailable(_req: &Request) -> Response {
        envelope(500, "internal server error", json!({}))
    }
}
