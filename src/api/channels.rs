//! Notification channels of a project (every kind: webhook, Slack, Telegram, PagerDuty,
//! email...), their tests and their deliveries.

use serde_json::{json, Value};
use worker::{Env, Request};

use serde_json::Map;

use crate::core::alerting::kinds::ChannelKind;
use crate::core::http_contract::url_parts::masked_url;
use crate::core::http_contract::validation::{is_webhook_url, optional_bool, optional_text, FieldError};
use crate::core::time::format_rfc3339;
use crate::edge::alerting::channels::{self, Channel, NewChannel};
use crate::edge::alerting::notifier::{deliver_one, webhook_hosts};
use crate::edge::alerting::outbox::{self, DeliveryRow};
use crate::edge::db::{database, now_ms};
use crate::edge::random;
use crate::http::{json, json_body, project_access, project_key, uuid_param, ApiError, ApiResult, Need};

/// A channel as the API shows it. `config` is its kind's fields: in full only in the answer
/// that creates it; after that secret fields are masked to a hint, and for a scope that sees
/// no credentials every URL is cut to its scheme and host as well.
fn view(
    c: &Channel,
    kind: Option<ChannelKind>,
    config: Map<String, Value>,
    full: bool,
    sees_credentials: bool,
) -> Value {
    let mut config = match (full, kind) {
        (true, _) => config,
        (false, Some(kind)) => kind.shown(&config),
        (false, None) => Map::new(),
    };
    if !sees_credentials {
        for value in config.values_mut() {
            if let Value::String(s) = value {
                if is_webhook_url(s) {
                    *s = masked_url(s);
                }
            }
        }
    }
    let mut answer = json!({
        "id": c.id,
        "kind": c.kind,
        "name": c.name,
        "notify_down": c.notify_down == 1,
        "notify_up": c.notify_up == 1,
        "notify_errors": c.notify_errors == 1,
        "status": c.status,
        "failing_reason": c.failing_reason,
        "failing_since": c.failing_since.map(format_rfc3339),
        "created_at": format_rfc3339(c.created_at),
    });
    // The webhook kind's URL stays where it always was, beside the kind's other fields.
    if let Some(url) = config.get("url").filter(|_| c.kind == "webhook") {
        answer["url"] = url.clone();
    }
    answer["config"] = Value::Object(config);
    answer
}

fn config_of(c: &Channel) -> (Option<ChannelKind>, Map<String, Value>) {
    (
        ChannelKind::parse(&c.kind),
        serde_json::from_str(&c.config).unwrap_or_default(),
    )
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
        Some(Value::String(k)) => ChannelKind::parse(k).ok_or_else(|| FieldError::new("kind", kinds_sentence()))?,
        None => return Err(FieldError::new("kind", "is required").into()),
        Some(_) => return Err(FieldError::new("kind", kinds_sentence()).into()),
    };
    let config = kind.configure(&body, &webhook_hosts(env))?;
    let name = optional_text(&body, "name", 100)?.unwrap_or_else(|| kind.as_str().into());
    let notify = [
        optional_bool(&body, "notify_down")?.unwrap_or(true),
        optional_bool(&body, "notify_up")?.unwrap_or(true),
        optional_bool(&body, "notify_errors")?.unwrap_or(false),
    ];
    let (id, secret, now) = (random::uuid(), random::webhook_secret(), now_ms());
    let stored = Value::Object(config.clone()).to_string();
    channels::insert_channel(
        &database(env)?,
        &NewChannel {
            id: &id,
            project_id: &project_id,
            kind: kind.as_str(),
            name: &name,
            config: &stored,
            secret: &secret,
            notify,
            now,
        },
    )
    .await?;
    let channel = Channel {
        id,
        kind: kind.as_str().into(),
        name,
        config: stored,
        secret: secret.clone(),
        notify_down: i64::from(notify[0]),
        notify_up: i64::from(notify[1]),
        notify_errors: i64::from(notify[2]),
        status: "ok".into(),
        failing_reason: None,
        failing_since: None,
        created_at: now,
    };
    let mut answer = view(&channel, Some(kind), config, true, true);
    if kind == ChannelKind::Webhook {
        answer["secret"] = Value::from(secret);
        answer["note"] = Value::from("store the secret now: it signs every delivery and is shown only once");
    } else if !kind.secret_fields().is_empty() {
        answer["note"] = Value::from(format!(
            "{} shown in full only now; later answers show a hint",
            kind.secret_fields().join(", ")
        ));
    }
    json(201, &answer)
}

fn kinds_sentence() -> String {
    let names: Vec<&str> = ChannelKind::ALL.iter().map(|k| k.as_str()).collect();
    format!("must be one of {}", names.join(", "))
}

pub async fn list(req: &mut Request, env: &Env) -> ApiResult {
    let access = project_access(req, env, Need::Read).await?;
    let db = database(env)?;
    let users = channels::channel_users(&db, &access.project_id).await?;
    let items: Vec<Value> = channels::list_channels(&db, &access.project_id)
        .await?
        .iter()
        .map(|c| {
            let (kind, config) = config_of(c);
            let mut item = view(c, kind, config, false, access.scope.sees_credentials());
            let used = users.iter().find(|u| u.channel_id == c.id);
            let sample: Vec<Value> = used
                .and_then(|u| serde_json::from_str::<Vec<Value>>(&u.sample).ok())
                .unwrap_or_default()
                .into_iter()
                .filter(|v| !v.is_null())
                .collect();
            item["monitors"] = json!({"count": used.map_or(0, |u| u.monitors), "sample": sample});
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
    let delivery_id = outbox::enqueue_test(&db, &channel.id, &channel.name, now).await?;
    deliver_one(env, delivery_id, now).await?;
    let delivery = outbox::delivery(&db, delivery_id)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("test delivery {delivery_id} missing right after its attempt")))?;
    let channel = channels::find_channel(&db, &project_id, &channel.id)
        .await?
        .ok_or(ApiError::NotFound("channel"))?;
    json(
        200,
        &json!({"delivery": delivery_view(&delivery), "channel_status": channel.status, "failing_reason": channel.failing_reason}),
    )
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
