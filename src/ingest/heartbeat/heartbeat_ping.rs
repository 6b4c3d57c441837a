//! The heartbeat API's heartbeat ping: `GET|POST|HEAD /v1/heartbeat/{heartbeat_id}` without
//! credentials, with an optional `result` (tick, success, fail) and `message`, answered in
//! JSON. The path names the monitor by its ping token, or by its id as the heartbeat API
//! documents (unless the project turned ping-by-id off).

use serde_json::json;
use worker::{Env, Method, Request, Response};

use crate::core::access::credentials::is_ping_token;
use crate::core::heartbeat::ping::{
    heartbeat_query_fields, truncate_utf8, PingKind, PingSource, RecordOutcome, MAX_MESSAGE,
};
use crate::core::http_contract::validation::{self, check_text, parse_uuid, FieldError, TextRule};
use crate::core::time::format_rfc3339;
use crate::edge::db::database;
use crate::edge::heartbeat::monitors::token_for_pingable_id;
use crate::http::{json, query_param, ApiError, MAX_JSON_BODY};
use crate::ingest::heartbeat::ping_request::ping_input;
use crate::ingest::{Format, Ping, Rejection};

/// The ping token the path names: itself, or the token of the monitor with that id.
async fn target_token(env: &Env, raw: &str) -> Result<String, Rejection> {
    if is_ping_token(raw) {
        return Ok(raw.to_string());
    }
    let id = parse_uuid(raw).ok_or(ApiError::NotFound("heartbeat"))?;
    let token = token_for_pingable_id(&database(env)?, &id).await?;
    Ok(token.ok_or(ApiError::NotFound("heartbeat"))?)
}

/// The heartbeat API's ping, answered in the management API's JSON shapes.
pub struct HeartbeatPing;

impl Format for HeartbeatPing {
    const NAME: &'static str = "heartbeat ping";
    type Item = Ping;
    /// The `result` the ping named, echoed in the answer.
    type Context = String;

    async fn parse(req: &mut Request, env: &Env, params: &[&str]) -> Result<(Ping, String), Rejection> {
        let token = target_token(env, params.first().copied().unwrap_or_default()).await?;
        let (kind, result, message) = read_result(req).await?;
        let mut input = ping_input(req, PingSource::Heartbeat, kind);
        input.message = message.map(|m| truncate_utf8(&m, MAX_MESSAGE).to_string());
        Ok((Ping { token, input }, result.unwrap_or_else(|| "tick".into())))
    }

    fn render(outcome: RecordOutcome, result: String) -> Response {
        let answer = match outcome {
            RecordOutcome::Accepted { received_at } => json(
                200,
                &json!({"ok": true, "result": result, "received_at": format_rfc3339(received_at)}),
            ),
            RecordOutcome::UnknownToken => Err(ApiError::NotFound("heartbeat")),
            RecordOutcome::Limited { retry_at } => Err(ApiError::RateLimited { retry_at }),
            RecordOutcome::MethodNotAllowed { allow } => Err(ApiError::MethodNotAllowed(allow)),
        };
        answer.unwrap_or_else(|e| {
            // Past `ingest`, so the cause is logged here, with the format's name.
            if let ApiError::Internal(cause) = &e {
                worker::console_error!("{}: could not answer: {cause}", Self::NAME);
            }
            e.into_response()
        })
    }

    fn unavailable(_req: &Request) -> Response {
        // `ingest` has logged the cause with this format's name.
        ApiError::Internal("nothing recorded".into()).into_response()
    }
}

/// `result` and `message`: query parameters first (the heartbeat API's axios example), then a JSON
/// body for POST.
async fn read_result(req: &mut Request) -> Result<(PingKind, Option<String>, Option<String>), ApiError> {
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
    Ok((kind, result, message))
}
