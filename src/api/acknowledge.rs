//! Acknowledging a down period (issue 18, rule 6): `POST /v1/heartbeat/{id}/acknowledge`
//! with a manage key (the dashboard's button), and the signed single-use link alerts carry,
//! `GET /ack/{token}` (a page asking to confirm) then `POST /ack/{token}` (acknowledges).
//! Either way the period's later escalation steps and reminders stop.

use worker::{D1Database, Env, Headers, Request, Response};

use crate::core::alerting::ack::{ack_page, verify_ack_token, AckPage};
use crate::edge::access::session::session_secret;
use crate::edge::alerting::outbox::cancel_reminders;
use crate::edge::db::{changed_one, database, now_ms};
use crate::edge::heartbeat::monitor_state::{acknowledge_flip, down_flip};
use crate::edge::heartbeat::monitors;
use crate::http::{project_key, public_url, ApiError, ApiResult, Need};

/// Acknowledges the down period of `monitor_id` that began at `flip_at`; false when it was
/// acknowledged before. One batch: the flip (once), the monitor's period (if still current),
/// and its pending reminders.
async fn acknowledge_period(db: &D1Database, monitor_id: &str, flip_at: i64, by: &str) -> Result<bool, ApiError> {
    let now = now_ms();
    let results = db
        .batch(vec![
            acknowledge_flip(db, monitor_id, flip_at, by, now)?,
            monitors::acknowledge(db, monitor_id, flip_at, now)?,
            cancel_reminders(db, monitor_id, flip_at, now)?,
        ])
        .await?;
    Ok(changed_one(&results[0])?)
}

/// `POST /v1/heartbeat/{id}/acknowledge`: the monitor's current down period.
pub async fn acknowledge(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    let id = &super::monitors::monitor_id(raw_id)?;
    let db = database(env)?;
    let monitor = monitors::find_monitor(&db, &project_id, id)
        .await?
        .ok_or(ApiError::NotFound("heartbeat"))?;
    let since = match (monitor.status.as_str(), monitor.paused, monitor.down_since) {
        ("down", 0, Some(since)) => since,
        _ => {
            return Err(ApiError::Conflict(
                "the heartbeat is not down: there is nothing to acknowledge",
            ))
        }
    };
    acknowledge_period(&db, id, since, "api").await?;
    super::monitors::answer_with(&db, &project_id, id, &public_url(env)).await
}

fn page(status: u16, html: String) -> ApiResult {
    let headers = Headers::new();
    headers.set("content-type", "text/html; charset=utf-8")?;
    headers.set("cache-control", "no-store")?;
    headers.set(
        "content-security-policy",
        "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
    )?;
    headers.set("referrer-policy", "no-referrer")?;
    headers.set("x-content-type-options", "nosniff")?;
    Ok(Response::ok(html)?.with_status(status).with_headers(headers))
}

/// `GET /ack/{token}` (confirm) and `POST /ack/{token}` (acknowledge). A token that is not
/// signed by this deployment is a page that does not exist.
pub async fn ack_link(req: &mut Request, env: &Env, token: &str) -> ApiResult {
    let secret = session_secret(env).unwrap_or_default();
    let Some(target) = verify_ack_token(token, secret.as_bytes()) else {
        return Err(ApiError::NotFound("acknowledge link"));
    };
    let db = database(env)?;
    let Some(flip) = down_flip(&db, &target.monitor_key, target.flip_at).await? else {
        return Err(ApiError::NotFound("acknowledge link"));
    };
    let confirming = req.method() == worker::Method::Get;
    let shown = match (flip.acknowledged_at.is_some(), flip.current != 0) {
        (true, _) => AckPage::AlreadyAcknowledged,
        (false, false) => AckPage::Over,
        (false, true) if confirming => AckPage::Confirm,
        (false, true) => match acknowledge_period(&db, &flip.monitor_id, target.flip_at, "link").await? {
            true => AckPage::Acknowledged,
            false => AckPage::AlreadyAcknowledged,
        },
    };
    let status = match shown {
        AckPage::Confirm | AckPage::Acknowledged => 200,
        AckPage::AlreadyAcknowledged | AckPage::Over => 410,
    };
    page(status, ack_page(shown, &flip.name))
}
