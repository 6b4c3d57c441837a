//! Seed 001's heartbeat ping: `GET|POST|HEAD /v1/heartbeat/{token}` without credentials,
//! with an optional `result` (tick, success, fail) and `message`, answered in JSON.

use serde_json::json;
use worker::{Env, Method, Request};

use super::http::{json, query_param, ApiError, ApiResult, MAX_JSON_BODY};
use super::ping_meta::ping_input;
use crate::core::credentials::is_ping_token;
use crate::core::ping::{heartbeat_query_fields, truncate_utf8, PingKind, PingSource, MAX_MESSAGE};
use crate::core::time::format_rfc3339;
use crate::core::validation::{self, check_text, FieldError, TextRule};
use crate::edge::ping_gate::record_ping;
use crate::edge::ping_token::RecordOutcome;

pub async fn heartbeat_ping(req: &mut Request, env: &Env, token: &str) -> ApiResult {
    if !is_ping_token(token) {
        return Err(ApiError::NotFound("heartbeat"));
    }
    // Query parameters first (seed 001's axios example), then a JSON body for POST.
    let mut result = query_param(req, "result");
    let mut message = query_param(req, "message");
    heartbeat_query_fields(result.as_deref(), message.as_deref())?;
    if req.method() == Method::Post {
        let bytes = req.bytes().await.unwrap_or_default();
        if bytes.len() > MAX_JSON_BODY {
            return Err(ApiError::PayloadTooLarge);
        }
        if !bytes.is_empty() {
            let body = validation::object(&bytes)?;
            let text = |field: &str| -> Result<Option<String>, ApiError> {
                match body.get(field) {
                    None | Some(serde_json::Value::Null) => Ok(None),
                    Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
                    Some(_) => Err(FieldError::new(field, "must be a string").into()),
                }
            };
            result = text("result")?.or(result);
            message = text("message")?.or(message);
        }
    }
    let kind = match result.as_deref() {
        None => PingKind::Tick,
        Some(r) => {
            PingKind::from_result(r).ok_or_else(|| FieldError::new("result", "must be tick, success or fail"))?
        }
    };
    if let Some(m) = &message {
        check_text("message", TextRule::Free, m)?;
    }
    let mut input = ping_input(req, PingSource::Heartbeat, kind);
    input.message = message.map(|m| truncate_utf8(&m, MAX_MESSAGE).to_string());
    match record_ping(env, token, &input).await? {
        RecordOutcome::Accepted { received_at } => json(
            200,
            &json!({"ok": true, "result": result.as_deref().unwrap_or("tick"), "received_at": format_rfc3339(received_at)}),
        ),
        RecordOutcome::UnknownToken => Err(ApiError::NotFound("heartbeat")),
        RecordOutcome::Limited { retry_at } => Err(ApiError::RateLimited { retry_at }),
        RecordOutcome::MethodNotAllowed { allow } => Err(ApiError::MethodNotAllowed(allow)),
    }
}
