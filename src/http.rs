//! What ingestion formats and the management API share: one error type mapped to HTTP once, JSON bodies, credentials, query parameters.

use serde::Serialize;
use serde_json::{json, Map, Value};
use worker::{Env, Headers, Request, Response};

use crate::core::access::scope::Scope;
use crate::core::access::session::{
    csrf_header_ok, session_cookie, verify, write_needs_csrf_header, Session, CSRF_HEADER,
};
use crate::core::http_contract::url_parts;
use crate::core::http_contract::validation::{self, FieldError};
use crate::edge::access::auth::{authenticate, bearer, Principal};
use crate::edge::access::session::{live_session, session_secret};
use crate::edge::db::now_ms;

/// Request bodies of the management API are small; larger ones are refused unread.
pub const MAX_JSON_BODY: usize = 64 * 1024;

#[derive(Debug)]
pub enum ApiError {
    Invalid(FieldError),
    Unauthorized,
    Forbidden(&'static str),
    NotFound(&'static str),
    MethodNotAllowed(Vec<String>),
    /// Over the token's rate limit; nothing can be accepted before `retry_at` (ms).
    RateLimited {
        retry_at: i64,
    },
    Conflict(&'static str),
    PayloadTooLarge,
    /// Something the deployment lacks (a secret), named for its operator.
    Unavailable(&'static str),
    /// A failure inside edgebeat, with its cause for the log: answered as a bare 500, never
    /// with the cause (the dispatch logs it once, with the route).
    Internal(String),
}

pub type ApiResult = Result<Response, ApiError>;

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::Invalid(e)
    }
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl ApiError {
    pub fn into_response(self) -> Response {
        let (status, code, message, field) = match &self {
            ApiError::Invalid(e) => (
                400,
                "invalid_request",
                format!("{} {}", e.field, e.message),
                Some(e.field.clone()),
            ),
            ApiError::Unauthorized => (401, "unauthorized", "missing or invalid credentials".into(), None),
            ApiError::Forbidden(why) => (403, "forbidden", (*why).into(), None),
            ApiError::NotFound(what) => (404, "not_found", format!("{what} not found"), None),
            ApiError::MethodNotAllowed(_) => (
                405,
                "method_not_allowed",
                "method not allowed on this route".into(),
                None,
            ),
            ApiError::Conflict(why) => (409, "conflict", (*why).into(), None),
            ApiError::RateLimited { .. } => (
                429,
                "rate_limited",
                "over 60 pings in 10 seconds for this token".into(),
                None,
            ),
            ApiError::PayloadTooLarge => (
                413,
                "payload_too_large",
                format!("body must be at most {MAX_JSON_BODY} bytes"),
                None,
            ),
            ApiError::Unavailable(why) => (503, "unavailable", (*why).into(), None),
            ApiError::Internal(_) => (500, "internal", "internal error".into(), None),
        };
        let mut body = json!({"error": message, "code": code});
        if let Some(field) = field {
            body["field"] = field.into();
        }
        let response = match json(status, &body) {
            Ok(r) => r,
            Err(_) => {
                return Response::empty()
                    .map(|r| r.with_status(500))
                    .unwrap_or_else(|_| unreachable_response())
            }
        };
        let headers = response.headers();
        match &self {
            ApiError::Unauthorized => {
                let _ = headers.set("WWW-Authenticate", "Bearer");
            }
            ApiError::MethodNotAllowed(allow) => {
                let _ = headers.set("Allow", &allow.join(", "));
            }
            ApiError::RateLimited { retry_at } => {
                let seconds = ((retry_at - crate::edge::db::now_ms()).max(0) + 999) / 1_000;
                let _ = headers.set("Retry-After", &seconds.to_string());
            }
            _ => {}
        }
        response
    }
}

fn unreachable_response() -> Response {
    // Building an empty response cannot fail in practice; keep the type total anyway.
    Response::from_bytes(Vec::new()).expect("an empty response builds")
}

pub fn json(status: u16, body: &impl Serialize) -> ApiResult {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set("cache-control", "no-store")?;
    let text = serde_json::to_string(body).map_err(|e| worker::Error::RustError(e.to_string()))?;
    Ok(Response::ok(text)?.with_status(status).with_headers(headers))
}

/// The request body as a JSON object, within the size limit.
pub async fn json_body(req: &mut Request) -> Result<Map<String, Value>, ApiError> {
    if declares_more_than(req, MAX_JSON_BODY) {
        return Err(ApiError::PayloadTooLarge);
    }
    let bytes = req
        .bytes()
        .await
        .map_err(|_| ApiError::Invalid(FieldError::new("body", "could not be read")))?;
    if bytes.len() > MAX_JSON_BODY {
        return Err(ApiError::PayloadTooLarge);
    }
    Ok(validation::object(&bytes)?)
}

/// The authenticated caller, or 401: a Bearer credential when there is one, else the
/// dashboard's session cookie (as its key), which writes only with the CSRF header.
pub async fn principal(req: &Request, env: &Env) -> Result<Principal, ApiError> {
    if let Some(credential) = bearer(req) {
        return authenticate(env, &credential).await?.ok_or(ApiError::Unauthorized);
    }
    // The signature first (no lookup), then the CSRF header, then the key's liveness in D1.
    let session = signed_session(req)?.verify(env)?;
    if write_needs_csrf_header(&req.inner().method()) {
        let header = req.headers().get(CSRF_HEADER).ok().flatten();
        if !csrf_header_ok(header.as_deref()) {
            return Err(ApiError::Forbidden(
                "a write with the session cookie needs the header X-Edgebeat-CSRF: 1",
            ));
        }
    }
    let session = live(env, session).await?;
    Ok(Principal::Key {
        project_id: session.project_id,
        scope: session.scope,
    })
}

/// The session cookie a request carries, not yet checked.
pub struct PresentedSession(String);

/// Whether the request came over HTTPS: session cookies are then Secure and `__Host-` named.
pub fn over_https(req: &Request) -> bool {
    req.inner().url().starts_with("https://")
}

/// The request's session cookie under the name for its scheme, or 401.
pub fn signed_session(req: &Request) -> Result<PresentedSession, ApiError> {
    let header = req.headers().get("cookie").ok().flatten().unwrap_or_default();
    session_cookie(&header, over_https(req))
        .map(|value| PresentedSession(value.to_string()))
        .ok_or(ApiError::Unauthorized)
}

impl PresentedSession {
    /// Checks the signature and expiry (no lookup): 401 when they fail, 503 without a secret.
    pub fn verify(&self, env: &Env) -> Result<Session, ApiError> {
        let secret = session_secret(env).ok_or(SESSIONS_UNCONFIGURED)?;
        verify(&self.0, secret.as_bytes(), now_ms()).map_err(|_| ApiError::Unauthorized)
    }
}

pub const SESSIONS_UNCONFIGURED: ApiError =
    ApiError::Unavailable("sessions are not configured on this deployment: set the SESSION_SECRET secret");

/// The session, when its key is still live and not signed out of; 401 otherwise.
async fn live(env: &Env, session: Session) -> Result<Session, ApiError> {
    live_session(env, session).await?.ok_or(ApiError::Unauthorized)
}

/// What a route needs from a project key.
#[derive(Debug, Clone, Copy)]
pub enum Need {
    Read,
    Manage,
}

/// The project of a key allowed to do `need`; admin and weaker keys are refused.
pub async fn project_key(req: &Request, env: &Env, need: Need) -> Result<String, ApiError> {
    Ok(project_access(req, env, need).await?.project_id)
}

/// Who is asking, once allowed: the project, and the scope that decides what answers show.
pub struct Access {
    pub project_id: String,
    pub scope: Scope,
}

/// `project_key`, keeping the scope (a read scope's answers carry no write credential).
pub async fn project_access(req: &Request, env: &Env, need: Need) -> Result<Access, ApiError> {
    match principal(req, env).await? {
        Principal::Admin => Err(ApiError::Forbidden(
            "this route needs a project API key, not the admin token",
        )),
        Principal::Key { project_id, scope } => {
            let allowed = match need {
                Need::Read => scope.can_read(),
                Need::Manage => scope.can_manage(),
            };
            if allowed {
                Ok(Access { project_id, scope })
            } else {
                Err(ApiError::Forbidden(forbidden_for(scope)))
            }
        }
    }
}

fn forbidden_for(scope: Scope) -> &'static str {
    match scope {
        Scope::Read => "this key is read-only",
        Scope::Ingest => "this key may only send events and system heartbeats",
        Scope::Browser => "this key may only send events",
        Scope::Manage => "this key may not do that",
    }
}

pub use crate::edge::vars::public_url;

/// Every value of a repeated query parameter, in order.
pub fn query_params(req: &Request, name: &str) -> Vec<String> {
    url_parts::query_pairs(&req.inner().url())
        .into_iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v)
        .collect()
}

/// A path parameter that must be a UUID; a 400 naming `field` otherwise.
/// Parsed with the `uuid` crate, as its canonical lower-case text: the same id in any letter
/// case finds the same object.
pub fn uuid_param(field: &str, raw: &str) -> Result<String, ApiError> {
    validation::parse_uuid(raw).ok_or_else(|| FieldError::new(field, "must be a UUID").into())
}

/// A query parameter's first value.
pub fn query_param(req: &Request, name: &str) -> Option<String> {
    url_parts::query_pairs(&req.inner().url())
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The OpenAPI document. Workers Static Assets answers `GET /openapi.json` from
/// `public/openapi.json` (written by scripts/worker-build.sh) before the worker runs, so the
/// document's ~190 KB stay out of the wasm; a request that reaches the worker anyway gets that
/// same file through the `ASSETS` binding.
pub async fn openapi(req: &Request, env: &Env) -> ApiResult {
    Ok(env.assets("ASSETS")?.fetch(req.inner().url(), None).await?)
}

/// Whether the request carries an `Authorization` header or the dashboard's session cookie
/// (the heartbeat API's GET is a ping without either).
pub fn has_credentials(req: &Request) -> bool {
    let headers = req.headers();
    headers.has("authorization").unwrap_or(false)
        || headers
            .get("cookie")
            .ok()
            .flatten()
            .is_some_and(|c| session_cookie(&c, over_https(req)).is_some())
}

/// A body the route answered without reading (a 405, a 401) is read to its end before the
/// answer goes out: left pending, or cancelled, it breaks the connection it came on, and
/// workerd answers the next request there with "Network connection lost". Bodies declared
/// larger than `DRAIN_LIMIT` are cancelled instead; that connection is not worth keeping.
pub async fn discard_unread_body(req: &mut Request) {
    const DRAIN_LIMIT: usize = 1 << 20;
    let inner = req.inner();
    if inner.body_used() || inner.body().is_none() {
        return;
    }
    if declares_more_than(req, DRAIN_LIMIT) {
        if let Some(body) = req.inner().body() {
            let _ = worker::wasm_bindgen_futures::JsFuture::from(body.cancel()).await;
        }
    } else {
        let _ = req.bytes().await;
    }
}

/// Whether the request's `Content-Length` says its body is larger than `max` bytes (so it can
/// be refused unread). A missing or malformed length says nothing; the read still checks.
pub fn declares_more_than(req: &Request, max: usize) -> bool {
    req.headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|l| l.parse::<usize>().ok())
        .is_some_and(|len| len > max)
}
