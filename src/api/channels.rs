//! Notification channels (signed webhooks) of a project, and their deliveries.

use serde_json::{json, Value};
use worker::{Env, Request};

use crate::core::alerting::outbound_url::check_channel_url;
use crate::core::http_contract::url_parts::masked_url;
use crate::core::http_contract::validation::{is_webhook_url, optional_text, FieldError};
use crate::core::time::format_rfc3339;
use crate::edge::alerting::channels::{self, Channel};
use crate::edge::alerting::notifier::{deliver_one, webhook_hosts};
use crate::edge::alerting::outbox::{self, DeliveryRow};
use crate::edge::db::{database, now_ms};
use crate::edge::random;
use crate::http::{json, json_body, project_access, project_key, uuid_param, ApiError, ApiResult, Need};

fn view(c: &Channel) -> Value {
    json!({"id": c.id, "kind": c.kind, "name": c.name, "url": c.url, "created_at": format_rfc3339(c.created_at)})
}

fn delivery_view(d: &DeliveryRow) -> Value {
    json!({
        "id": d.id,
        "event": d.event,
        "status": d.status,
        "attempts": d.attempts,
        "last_status": d.last_status,
        "last_error": d.last_error,
        "next_attempt_at": (d.status == "pending").then(|| format_rfc3339(d.next_attempt_at)),
        "created_at": format_rfc3339(d.created_at),
        "finished_at": d.finished_at.map(format_rfc3339),
    })
}

fn channel_id(raw: &str) -> Result<String, ApiError> {
    uuid_param("id", raw)
}

pub async fn create(req: &mut Request, env: &Env) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    let body = json_body(req).await?;
    let kind = match body.get("kind") {
        Some(Value::String(k)) if k == "webhook" => k.clone(),
        None => return Err(FieldError::new("kind", "is required").into()),
        Some(_) => return Err(FieldError::new("kind", "must be webhook").into()),
    };
    // Taken as sent: a URL with white space around it is refused, not trimmed.
    let url = match body.get("url") {
        Some(Value::String(u)) if is_webhook_url(u) => u.clone(),
        None => return Err(FieldError::new("url", "is required").into()),
        Some(_) => {
            return Err(FieldError::new(
                "url",
                "must be an absolute http or https URL without white space or control characters",
            )
            .into())
        }
    };
    check_channel_url(&url, &webhook_hosts(env)).map_err(|r| FieldError::new("url", r.field_message()))?;
    let name = optional_text(&body, "name", 100)?.unwrap_or_else(|| "webhook".into());
    let (id, secret, now) = (random::uuid(), random::webhook_secret(), now_ms());
    channels::insert_channel(&database(env)?, &id, &project_id, &name, &url, &secret, now).await?;
    let mut answer = view(&Channel {
        id,
        kind,
        name,
        url,
        created_at: now,
    });
    answer["secret"] = Value::from(secret);
    answer["note"] = Value::from("store the secret now: it signs every delivery and is shown only once");
    json(201, &answer)
}

pub async fn list(req: &mut Request, env: &Env) -> ApiResult {
    let access = project_access(req, env, Need::Read).await?;
    let items: Vec<Value> = channels::list_channels(&database(env)?, &access.project_id)
        .await?
        .iter()
        .map(|c| {
            let mut item = view(c);
            if !access.scope.sees_credentials() {
                // A webhook URL often carries its own secret (a path or query token).
                item["url"] = Value::from(masked_url(&c.url));
            }
            item
        })
        .collect();
    json(200, &json!({"items": items}))
}

pub async fn delete(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    if !channels::delete_channel(&database(env)?, &project_id, &channel_id(raw_id)?).await? {
        return Err(ApiError::NotFound("channel"));
    }
    json(200, &json!({"deleted": 1}))
}

/// Sends a signed test delivery now and answers how it went.
pub async fn test(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    let db = database(env)?;
    let channel = channels::find_channel(&db, &project_id, &channel_id(raw_id)?)
        .await?
        .ok_or(ApiError::NotFound("channel"))?;
    let now = now_ms();
    let delivery_id = outbox::enqueue_test(&db, &channel.id, now).await?;
    deliver_one(env, delivery_id, now).await?;
    let delivery = outbox::delivery(&db, delivery_id)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("test delivery {delivery_id} missing right after its attempt")))?;
    json(200, &json!({"delivery": delivery_view(&delivery)}))
}

pub async fn deliveries(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    let project_id = project_key(req, env, Need::Read).await?;
    let db = database(env)?;
    let channel = channels::find_channel(&db, &project_id, &channel_id(raw_id)?)
        .await?
        .ok_or(ApiError::NotFound("channel"))?;
    let items: Vec<Value> = outbox::deliveries_of(&db, &channel.id, 100)
        .await?
        .iter()
        .map(delivery_view)
        .collect();
    json(200, &json!({"items": items}))
}
