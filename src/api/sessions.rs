//! Dashboard sessions: `POST /v1/session` signs in with a `manage` or `read` key and sets a
//! signed cookie, `GET /v1/session` says who the cookie is (or that there is none),
//! `DELETE /v1/session` signs out: the key's sessions end on the server, not only in the
//! browser that asked.

use serde_json::json;
use worker::{Env, Headers, Request, Response};

use crate::core::access::credentials::parse_api_key;
use crate::core::access::session::{clear_cookie, may_open_session, set_cookie, Session};
use crate::core::http_contract::validation::FieldError;
use crate::core::time::format_rfc3339;
use crate::edge::access::auth::{authenticate, Principal};
use crate::edge::access::session::{live_session, open_session, session_secret, sign_out};
use crate::http::{json, json_body, over_https, signed_session, ApiError, ApiResult, SESSIONS_UNCONFIGURED};

fn view(session: &Session) -> serde_json::Value {
    json!({
        "signed_in": true,
        "project_id": session.project_id,
        "scope": session.scope.as_str(),
        "key_id": session.key_id,
        "expires_at": format_rfc3339(session.expires_at),
    })
}

/// A cross-site form can only send form or text bodies; asking for JSON keeps other sites
/// from signing a browser in to their own project (login CSRF).
fn require_json(req: &Request) -> Result<(), ApiError> {
    let content_type = req.headers().get("content-type").ok().flatten().unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if media_type.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(FieldError::new("content-type", "must be application/json").into())
    }
}

/// `POST /v1/session`
pub async fn create(req: &mut Request, env: &Env) -> ApiResult {
    let secret = session_secret(env).ok_or(SESSIONS_UNCONFIGURED)?;
    require_json(req)?;
    let body = json_body(req).await?;
    // Any string is a credential to check (most are simply wrong: 401), not text to validate.
    let key = body
        .get("key")
        .and_then(|k| k.as_str())
        .ok_or_else(|| FieldError::new("key", "is required and must be a string"))?;
    let (project_id, scope) = match authenticate(env, key).await?.ok_or(ApiError::Unauthorized)? {
        Principal::Admin => {
            return Err(ApiError::Forbidden(
                "the admin token does not open dashboard sessions: use a manage or read key",
            ))
        }
        Principal::Key { project_id, scope } => (project_id, scope),
    };
    if !may_open_session(scope) {
        return Err(ApiError::Forbidden("only manage and read keys open dashboard sessions"));
    }
    let key_id = parse_api_key(key).ok_or(ApiError::Unauthorized)?.id;
    let session = open_session(env, key_id, &project_id, scope)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let response = json(200, &view(&session))?;
    response.headers().set(
        "set-cookie",
        &set_cookie(&session.sign(secret.as_bytes()), over_https(req)),
    )?;
    Ok(response)
}

/// The request's session when its cookie verifies and its key is live and not signed out of;
/// `None` for no cookie or a cookie that does not count. Without `SESSION_SECRET` a cookie is
/// 503, as on every route.
async fn current_session(req: &Request, env: &Env) -> Result<Option<Session>, ApiError> {
    let Ok(presented) = signed_session(req) else {
        return Ok(None);
    };
    match presented.verify(env) {
        Ok(session) => Ok(live_session(env, session).await?),
        Err(ApiError::Unauthorized) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `GET /v1/session`: 200 either way; being signed out is an answer, not an error (the
/// sign-in page asks on every visit).
pub async fn get(req: &mut Request, env: &Env) -> ApiResult {
    match current_session(req, env).await? {
        Some(session) => json(200, &view(&session)),
        None => json(200, &json!({"signed_in": false})),
    }
}

/// `DELETE /v1/session`: always 204; the browser forgets the cookie whatever it held, and a
/// cookie that verifies ends every session of its key (a copy taken elsewhere included).
pub async fn delete(req: &mut Request, env: &Env) -> ApiResult {
    if let Ok(session) = signed_session(req).and_then(|presented| presented.verify(env)) {
        sign_out(env, &session).await?;
    }
    let headers = Headers::new();
    headers.set("set-cookie", &clear_cookie(over_https(req)))?;
    headers.set("cache-control", "no-store")?;
    Ok(Response::empty()?.with_status(204).with_headers(headers))
}
