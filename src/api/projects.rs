//! Bootstrap: projects (admin token) and their API keys (admin token or a `manage` key).

use serde_json::{json, Value};
use worker::{Env, Request};

use crate::core::access::allowed_origins::parse_allowed_origins;
use crate::core::access::scope::Scope;
use crate::core::http_contract::validation::{optional_bool, optional_text, required_text, FieldError};
use crate::core::time::format_rfc3339;
use crate::edge::access::api_keys::{insert_key, list_keys as keys_of, revoke_key as revoke, StoredKey};
use crate::edge::access::auth::Principal;
use crate::edge::db::{database, now_ms};
use crate::edge::events::project_ingest::client::forget_key;
use crate::edge::{access::projects, random};
use crate::http::{json, json_body, principal, project_access, project_key, public_url, ApiError, ApiResult, Need};

const MAX_NAME: usize = 100;

pub async fn create_project(req: &mut Request, env: &Env) -> ApiResult {
    if principal(req, env).await? != Principal::Admin {
        return Err(ApiError::Forbidden("only the admin token creates projects"));
    }
    let body = json_body(req).await?;
    let name = required_text(&body, "name", MAX_NAME)?;
    let project = projects::create_project(&database(env)?, &random::uuid(), &name, now_ms()).await?;
    json(
        201,
        &json!({
            "id": project.id,
            "name": project.name,
            "status": project.status,
            "ping_key": project.ping_key,
            "badge_key": project.badge_key,
            "created_at": format_rfc3339(project.created_at),
        }),
    )
}

pub async fn create_key(req: &mut Request, env: &Env, project_id: &str) -> ApiResult {
    let allowed = match principal(req, env).await? {
        Principal::Admin => true,
        Principal::Key { project_id: own, scope } => own == project_id && scope.can_manage(),
    };
    let db = database(env)?;
    // Another project's id looks exactly like one that does not exist.
    if !allowed || !projects::project_exists(&db, project_id).await? {
        return Err(ApiError::NotFound("project"));
    }
    let body = json_body(req).await?;
    let name = optional_text(&body, "name", MAX_NAME)?.unwrap_or_else(|| "default".into());
    let scope_text = required_text(&body, "scope", 16)?;
    let scope = Scope::parse(&scope_text)
        .ok_or_else(|| FieldError::new("scope", "must be one of manage, read, ingest, browser"))?;
    let allowed_origins = match body.get("allowed_origins") {
        None | Some(serde_json::Value::Null) => None,
        Some(_) if scope != Scope::Browser => {
            return Err(FieldError::new("allowed_origins", "is only for browser keys").into())
        }
        Some(raw) => Some(parse_allowed_origins(raw)?),
    };
    let origins_json = allowed_origins
        .as_ref()
        .map(|o| serde_json::to_string(o).unwrap_or_default());
    let key = random::api_key();
    let now = now_ms();
    insert_key(
        &db,
        &StoredKey {
            id: &key.id,
            project_id,
            name: &name,
            scope,
            secret_hash: &key.secret_hash,
            created_at: now,
            allowed_origins: origins_json.as_deref(),
        },
    )
    .await?;
    json(
        201,
        &json!({
            "id": key.id,
            "project_id": project_id,
            "name": name,
            "scope": scope.as_str(),
            "allowed_origins": allowed_origins,
            "key": key.key,
            "created_at": format_rfc3339(now),
            "note": "store this key now: it is shown only once",
        }),
    )
}

pub async fn revoke_key(req: &mut Request, env: &Env, key_id: &str) -> ApiResult {
    let project = match principal(req, env).await? {
        Principal::Admin => None,
        Principal::Key { project_id, scope } if scope.can_manage() => Some(project_id),
        Principal::Key { .. } => return Err(ApiError::Forbidden("only a manage key revokes keys")),
    };
    let Some(key_project) = revoke(&database(env)?, key_id, project.as_deref(), now_ms()).await? else {
        return Err(ApiError::NotFound("key"));
    };
    // D1 first, then the project's ingest object: the very next batch with the key is refused.
    forget_key(env, &key_project, key_id).await?;
    json(200, &json!({"id": key_id, "revoked": true}))
}

/// `GET /v1/keys`: the caller's project's keys, newest first, without secrets.
pub async fn list_keys(req: &mut Request, env: &Env) -> ApiResult {
    let project_id = project_key(req, env, Need::Read).await?;
    let keys: Vec<_> = keys_of(&database(env)?, &project_id)
        .await?
        .into_iter()
        .map(|k| {
            let origins: Option<serde_json::Value> =
                k.allowed_origins.as_deref().and_then(|o| serde_json::from_str(o).ok());
            json!({
                "id": k.id,
                "name": k.name,
                "scope": k.scope,
                "created_at": format_rfc3339(k.created_at),
                "last_used_at": k.last_used_at.map(format_rfc3339),
                "revoked_at": k.revoked_at.map(format_rfc3339),
                "allowed_origins": origins,
            })
        })
        .collect();
    json(200, &json!({"keys": keys}))
}

/// `GET /v1/project`: the key's project, with its ping key for slug ping URLs.
pub async fn own_project(req: &mut Request, env: &Env) -> ApiResult {
    let access = project_access(req, env, Need::Read).await?;
    project_view(env, &access.project_id, access.scope).await
}

/// `PATCH /v1/project`: the project's own settings (a manage key).
pub async fn update_project(req: &mut Request, env: &Env) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    let body = json_body(req).await?;
    // Like a monitor's fields, `null` puts the setting back to its default (on).
    let ping_by_id = match body.get("ping_by_id") {
        None => None,
        Some(serde_json::Value::Null) => Some(true),
        Some(_) => optional_bool(&body, "ping_by_id")?,
    };
    if let Some(on) = ping_by_id {
        projects::set_ping_by_id(&database(env)?, &project_id, on).await?;
    }
    project_view(env, &project_id, Scope::Manage).await
}

/// The project as `scope` may see it: a read scope gets no ping key (it creates and pings
/// monitors by slug).
async fn project_view(env: &Env, project_id: &str, scope: Scope) -> ApiResult {
    let db = database(env)?;
    let keys = projects::public_keys(&db, project_id)
        .await?
        .ok_or(ApiError::NotFound("project"))?;
    let ping_by_id = projects::ping_by_id(&db, project_id).await?.unwrap_or(false);
    let base = public_url(env);
    let mut body = json!({
        "id": project_id,
        "badge_key": keys.badge_key,
        "ping_by_id": ping_by_id,
    });
    if scope.sees_credentials() {
        body["ping_key"] = Value::from(keys.ping_key.as_str());
        body["slug_ping_url"] = Value::from(format!("{base}/ping/{}/{{slug}}", keys.ping_key));
    }
    super::project_limits::extend(&mut body, super::project_limits::limits_view(env, project_id).await?);
    json(200, &body)
}

/// `POST /v1/project/rotate-ping-key`: slug URLs with the old key stop working at once.
pub async fn rotate_ping_key(req: &mut Request, env: &Env) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    let ping_key = projects::rotate_ping_key(&database(env)?, &project_id)
        .await?
        .ok_or(ApiError::NotFound("project"))?;
    json(200, &json!({"id": project_id, "ping_key": ping_key}))
}

/// `POST /v1/project/badge-key`: badges with the old key stop working at once.
pub async fn rotate_badge_key(req: &mut Request, env: &Env) -> ApiResult {
    let project_id = project_key(req, env, Need::Manage).await?;
    let badge_key = projects::rotate_badge_key(&database(env)?, &project_id)
        .await?
        .ok_or(ApiError::NotFound("project"))?;
    json(200, &json!({"id": project_id, "badge_key": badge_key}))
}
