//! A project's event limits: `PATCH /v1/projects/{id}` (admin token) sets `status`,
//! `event_rate_per_min` and `monthly_event_quota`; `GET /v1/project` shows them with the
//! month's usage as the project's object counts it.

use serde_json::{json, Value};
use worker::{Env, Request};

use crate::core::events::event_store::month_label;
use crate::core::events::project_limits::parse_limits_change;
use crate::edge::access::auth::Principal;
use crate::edge::db::{database, now_ms};
use crate::edge::events::event_rows::{month_usage, project_limits, update_project_limits};
use crate::edge::events::project_ingest::client::{project_usage, refresh_project};
use crate::http::{json, json_body, principal, uuid_param, ApiError, ApiResult};

pub async fn update_limits(req: &mut Request, env: &Env, raw_id: &str) -> ApiResult {
    if principal(req, env).await? != Principal::Admin {
        return Err(ApiError::Forbidden("only the admin token changes a project's limits"));
    }
    let project_id = uuid_param("project_id", raw_id)?.to_ascii_lowercase();
    let change = parse_limits_change(&json_body(req).await?)?;
    if !update_project_limits(&database(env)?, &project_id, &change).await? {
        return Err(ApiError::NotFound("project"));
    }
    // D1 first, then the object: its next batch is decided under the new limits.
    refresh_project(env, &project_id).await?;
    let mut body = json!({ "id": project_id });
    extend(&mut body, limits_view(env, &project_id).await?);
    json(200, &body)
}

/// `status`, `event_rate_per_min`, `monthly_event_quota` and `event_usage` of a project.
pub async fn limits_view(env: &Env, project_id: &str) -> Result<Value, ApiError> {
    let db = database(env)?;
    let limits = project_limits(&db, project_id)
        .await?
        .ok_or(ApiError::NotFound("project"))?;
    let month = month_label(now_ms());
    let events = match project_usage(env, project_id).await {
        Ok(usage) => usage["events"].as_i64().unwrap_or(0),
        Err(e) => {
            // D1 lags the object by the events not flushed yet; better than no answer.
            worker::console_error!("project usage from its object failed: {e}");
            month_usage(&db, project_id, &month).await?
        }
    };
    Ok(json!({
        "status": limits.status,
        "event_rate_per_min": limits.event_rate_per_min,
        "monthly_event_quota": limits.monthly_event_quota,
        "event_usage": {"month": month, "events": events},
    }))
}

/// Adds the fields of `extra` to `body`.
pub fn extend(body: &mut Value, extra: Value) {
    if let (Value::Object(body), Value::Object(extra)) = (body, extra) {
        body.extend(extra);
    }
}
