//! Delivers due webhooks from the outbox: claims each (so concurrent sweeps never send one
//! twice), signs it, sends it with a timeout, and records the outcome. Retries back off;
//! after the last attempt the delivery is recorded as failed.

use crate::edge::vars;
use serde_json::{json, Value};
use worker::{D1Database, Env, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Result};

use crate::core::alerting::delivery::{
    after_attempt, answer_error, retry_delay_ms, AfterAttempt, DEFAULT_MAX_ATTEMPTS,
};
use crate::core::alerting::outbound_url::{check_delivery_host, check_delivery_url, WebhookHosts};
use crate::core::alerting::signature::{sign, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::edge::alerting::outbox::{
    claim, due_deliveries, flip_payload, pending_delivery, record_attempt, DueDelivery,
};
use crate::edge::db::{database, now_ms};

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
    vars::integer(env, "WEBHOOK_MAX_ATTEMPTS").unwrap_or(DEFAULT_MAX_ATTEMPTS)
}

/// The JSON body: `{"event", "monitor", "flip", "last_ping"}`, or a test message.
async fn body_of(db: &D1Database, d: &DueDelivery) -> Result<String> {
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

/// The var `WEBHOOK_HOSTS`: the only hosts webhooks may go to when set, and the only
/// internal ones they may ever go to.
pub fn webhook_hosts(env: &Env) -> WebhookHosts {
    WebhookHosts::from_var(env.var("WEBHOOK_HOSTS").ok().map(|v| v.to_string()).as_deref())
}

/// Sends one signed delivery; answers the status, or a fixed phrase for what went wrong
/// (never the runtime's error text, which can describe the network behind the URL).
async fn send(d: &DueDelivery, body: &str, hosts: &WebhookHosts) -> std::result::Result<u16, &'static str> {
    // Checked again here, not only when the channel was made: the var may have changed, or
    // the row come from elsewhere. Then the host as fetch itself will read the URL, so that no
    // difference between the two parsers can open a host.
    check_delivery_url(&d.url, hosts).map_err(|r| r.delivery_error())?;
    let runtime_host = web_sys::Url::new(&d.url).map(|u| u.hostname()).unwrap_or_default();
    check_delivery_host(&runtime_host, hosts).map_err(|r| r.delivery_error())?;
    let build = || -> std::result::Result<Request, worker::Error> {
        let timestamp = now_ms() / 1_000;
        let headers = Headers::new();
        headers.set("content-type", "application/json")?;
        headers.set("user-agent", "edgebeat-webhook/0.1")?;
        headers.set(TIMESTAMP_HEADER, &timestamp.to_string())?;
        headers.set(SIGNATURE_HEADER, &sign(&d.secret, timestamp, body))?;
        headers.set("X-Edgebeat-Event", &d.event)?;
        headers.set("X-Edgebeat-Delivery", &d.id.to_string())?;
        let mut init = RequestInit::new();
        // A redirect could lead anywhere, internal addresses included: its 3xx is the answer.
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_redirect(RequestRedirect::Manual)
            .with_body(Some(body.into()));
        Request::new_with_init(&d.url, &init)
    };
    let request = build().map_err(|e| {
        worker::console_error!("webhook delivery {}: request not built: {e}", d.id);
        "request could not be built"
    })?;
    let signal = worker::AbortSignal::from(web_sys::AbortSignal::timeout_with_u32(TIMEOUT_MS));
    match Fetch::Request(request).send_with_signal(&signal).await {
        Ok(response) => Ok(response.status_code()),
        Err(_) if signal.aborted() => Err("timed out after 10 s"),
        Err(e) => {
            worker::console_warn!("webhook delivery {}: {e}", d.id);
            Err("connection failed")
        }
    }
}

/// What one attempt came to.
enum Attempted {
    /// Another sweep claimed it first.
    Skipped,
    Delivered,
    Retrying,
    Failed,
}

/// Claims the delivery for one attempt, sends it, and records the outcome.
async fn attempt(db: &D1Database, d: &DueDelivery, max: i64, hosts: &WebhookHosts, at: i64) -> Result<Attempted> {
    let body = body_of(db, d).await?;
    let attempt = d.attempts + 1;
    if !claim(db, d, &body, at + retry_delay_ms(attempt)).await? {
        return Ok(Attempted::Skipped);
    }
    let (http_status, error) = match send(d, &body, hosts).await {
        Ok(status) => (Some(status), answer_error(status)),
        Err(phrase) => (None, Some(phrase.to_string())),
    };
    let now = now_ms();
    Ok(match after_attempt(error.is_none(), attempt, max, at) {
        AfterAttempt::Delivered => {
            record_attempt(db, d.id, "delivered", at, http_status, None, now).await?;
            Attempted::Delivered
        }
        AfterAttempt::RetryAt(next) => {
            record_attempt(db, d.id, "pending", next, http_status, error.as_deref(), now).await?;
            Attempted::Retrying
        }
        AfterAttempt::Failed => {
            record_attempt(db, d.id, "failed", at, http_status, error.as_deref(), now).await?;
            Attempted::Failed
        }
    })
}

/// Attempts every delivery due by `at` (the trigger's scheduled time), up to a batch.
pub async fn deliver_due(env: &Env, at: i64) -> Result<NotifyReport> {
    let db = database(env)?;
    let (max, hosts) = (max_attempts(env), webhook_hosts(env));
    let mut report = NotifyReport::default();
    for d in due_deliveries(&db, at, BATCH).await? {
        let outcome = attempt(&db, &d, max, &hosts, at).await?;
        report.attempted += i64::from(!matches!(outcome, Attempted::Skipped));
        report.delivered += i64::from(matches!(outcome, Attempted::Delivered));
        report.failed += i64::from(matches!(outcome, Attempted::Failed));
    }
    Ok(report)
}

/// Attempts one delivery now, and nothing else (a channel test: a backlog of other
/// deliveries neither delays it nor is sent with it).
pub async fn deliver_one(env: &Env, id: i64, at: i64) -> Result<()> {
    let db = database(env)?;
    if let Some(d) = pending_delivery(&db, id).await? {
        attempt(&db, &d, max_attempts(env), &webhook_hosts(env), at).await?;
    }
    Ok(())
}
