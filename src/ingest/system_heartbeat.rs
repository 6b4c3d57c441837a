//! Seed 002: `POST /api/systems/heartbeat` `{"system_id": "<uuid>"}` with HTTP Basic
//! credentials whose password is an `ingest` or `manage` key. Every answer, success or
//! error, is the seed's `{"code", "message", "data"}` envelope, built only here.

use serde_json::{json, Value};
use worker::{Env, Request, Response};

use super::ping_meta::ping_input;
use crate::core::ping::{PingKind, PingSource};
use crate::core::time::format_rfc3339;
use crate::core::validation::is_uuid;
use crate::edge::auth::{authenticate, basic_password, Principal};
use crate::edge::db::{database, now_ms};
use crate::edge::monitors::system_monitor_token;
use crate::edge::ping_gate::record_ping;
use crate::edge::ping_token::RecordOutcome;

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

fn internal(e: worker::Error) -> Response {
    worker::console_error!("system heartbeat failed: {e}");
    envelope(500, "internal server error", json!({}))
}

pub async fn system_heartbeat(req: &mut Request, env: &Env) -> Response {
    let Some(key) = basic_password(req) else {
        return envelope(401, "invalid token", json!({}));
    };
    let project_id = match authenticate(env, &key).await {
        Ok(Some(Principal::Key { project_id, scope })) if scope.can_ingest() => project_id,
        Ok(Some(_)) => return envelope(403, "insufficient permissions", json!({})),
        Ok(None) => return envelope(401, "invalid token", json!({})),
        Err(e) => return internal(e),
    };
    let bytes = req.bytes().await.unwrap_or_default();
    if bytes.len() > MAX_BODY {
        return validation_failed("body", "too large", "");
    }
    let Ok(body) = serde_json::from_slice::<Value>(&bytes) else {
        return validation_failed(
            "body",
            "invalid JSON",
            &String::from_utf8_lossy(&bytes[..bytes.len().min(100)]),
        );
    };
    let system_id = match body.get("system_id") {
        None | Some(Value::Null) => return validation_failed("system_id", "required", ""),
        Some(Value::String(s)) if is_uuid(&s.to_ascii_lowercase()) => s.to_ascii_lowercase(),
        Some(Value::String(s)) => return validation_failed("system_id", "must be a UUID", s),
        Some(other) => return validation_failed("system_id", "must be a string", &other.to_string()),
    };
    let token = match async { system_monitor_token(&database(env)?, &project_id, &system_id, now_ms()).await }.await {
        Ok(token) => token,
        Err(e) => return internal(e),
    };
    match record_ping(env, &token, &ping_input(req, PingSource::System, PingKind::Tick)).await {
        Ok(RecordOutcome::Accepted { received_at }) => envelope(
            200,
            "heartbeat acknowledged",
            json!({"system_id": system_id, "acknowledged": true, "last_heartbeat": format_rfc3339(received_at)}),
        ),
        Ok(RecordOutcome::Limited { .. }) => envelope(429, "rate limited", json!({})),
        Ok(RecordOutcome::UnknownToken | RecordOutcome::MethodNotAllowed { .. }) => {
            internal(worker::Error::RustError("system monitor token not recognised".into()))
        }
        Err(e) => internal(e),
    }
}
