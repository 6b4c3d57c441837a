//! Delivers due webhooks from the outbox: claims each (so concurrent sweeps never send one
//! twice), signs it, sends it with a timeout, and records the outcome. Retries back off;
//! after the last attempt the delivery is recorded as failed.

use serde_json::{json, Value};
use worker::{Env, Fetch, Headers, Method, Request, RequestInit, Result};

use super::channels::{claim, due_deliveries, flip_payload, record_attempt, DueDelivery};
use super::db::{database, now_ms};
use crate::core::delivery::{after_attempt, host_allowed, retry_delay_ms, AfterAttempt, DEFAULT_MAX_ATTEMPTS};
use crate::core::signature::{sign, SIGNATURE_HEADER, TIMESTAMP_HEADER};

/// Deliveries attempted per cron run.
const BATCH: i64 = 50;
const TIMEOUT_MS: u32 = 10_000;

#[derive(Debug, Default, Clone, Copy)]
pub struct NotifyReport {
    pub attempted: i64,
    pub delivered: i64,
    pub failed: i64,
}

fn max_attempts(env: &Env) -> i64 {
    env.var("WEBHOOK_MAX_ATTEMPTS")
        .ok()
        .and_then(|v| v.to_string().parse().ok())
        .unwrap_or(DEFAULT_MAX_ATTEMPTS)
}

/// The JSON body: `{"event", "monitor", "flip", "last_ping"}`, or a test message.
async fn body_of(db: &worker::D1Database, d: &DueDelivery) -> Result<String> {
    if let Some(frozen) = &d.payload {
        return Ok(frozen.clone());
    }
    let mut body = match d.flip_id {
        Some(flip_id) => flip_payload(db, flip_id)
            .await?
            .and_then(|p| serde_json::from_str::<Value>(&p).ok())
            .unwrap_or_else(|| json!({})),
        None => json!({"channel": {"id": d.channel_id, "name": d.channel_name}, "message": "edgebeat test delivery"}),
    };
    body["event"] = Value::from(d.event.as_str());
    Ok(body.to_string())
}

/// The var `WEBHOOK_HOSTS`, when set: the only hosts webhooks may go to.
fn allowed_hosts(env: &Env) -> Option<String> {
    env.var("WEBHOOK_HOSTS").ok().map(|v| v.to_string())
}

async fn send(d: &DueDelivery, body: &str, allowed: Option<&str>) -> std::result::Result<u16, String> {
    // The host as fetch will read the URL, not as a hand-written parser would.
    let host = web_sys::Url::new(&d.url).map(|u| u.hostname()).unwrap_or_default();
    if !host_allowed(&host, allowed) {
        return Err("destination host is not in WEBHOOK_HOSTS".into());
    }
    let timestamp = now_ms() / 1_000;
    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| e.to_string());
    set("content-type", "application/json")?;
    set("user-agent", "edgebeat-webhook/0.1")?;
    set(TIMESTAMP_HEADER, &timestamp.to_string())?;
    set(SIGNATURE_HEADER, &sign(&d.secret, timestamp, body))?;
    set("X-Edgebeat-Event", &d.event)?;
    set("X-Edgebeat-Delivery", &d.id.to_string())?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(body.into()));
    let request = Request::new_with_init(&d.url, &init).map_err(|e| e.to_string())?;
    let signal = worker::AbortSignal::from(web_sys::AbortSignal::timeout_with_u32(TIMEOUT_MS));
    let response = Fetch::Request(request)
        .send_with_signal(&signal)
        .await
        .map_err(|e| e.to_string())?;
    Ok(response.status_code())
}

/// Attempts every delivery due by `at` (the trigger's scheduled time), up to a batch.
pub async fn deliver_due(env: &Env, at: i64) -> Result<NotifyReport> {
    let db = database(env)?;
    let max = max_attempts(env);
    let allowed = allowed_hosts(env);
    let mut report = NotifyReport::default();
    for d in due_deliveries(&db, at, BATCH).await? {
        let body = body_of(&db, &d).await?;
        let attempt = d.attempts + 1;
        if !claim(&db, &d, &body, at + retry_delay_ms(attempt)).await? {
            continue; // another sweep is sending it
        }
        report.attempted += 1;
        let outcome = send(&d, &body, allowed.as_deref()).await;
        let (http_status, error) = match &outcome {
            Ok(status) => (
                Some(*status),
                (!(200..300).contains(status)).then(|| format!("HTTP {status}")),
            ),
            Err(e) => (None, Some(e.chars().take(200).collect::<String>())),
        };
        let now = now_ms();
        match after_attempt(error.is_none(), attempt, max, at) {
            AfterAttempt::Delivered => {
                report.delivered += 1;
                record_attempt(&db, d.id, "delivered", at, http_status, None, now).await?;
            }
            AfterAttempt::RetryAt(next) => {
                record_attempt(&db, d.id, "pending", next, http_status, error.as_deref(), now).await?
            }
            AfterAttempt::Failed => {
                report.failed += 1;
                record_attempt(&db, d.id, "failed", at, http_status, error.as_deref(), now).await?;
            }
        }
    }
    Ok(report)
}
