//! What the three event routes share: the body within its limit, the clock flag, the key
//! check, the hand-over to the project's object, and the one error envelope both event
//! APIs use (`{"error": "..."}`, with `Retry-After` where waiting helps).

use serde_json::json;
use worker::{Env, Headers, Request, Response};

use crate::core::access::scope::KeyCarrier;
use crate::core::events::event_clock::server_ts_flag;
use crate::core::events::ingest_admission::Forbidden;
use crate::core::http_contract::url_parts;
use crate::core::time::format_rfc3339;
use crate::edge::db::now_ms;
use crate::edge::events::project_ingest::client::{check_key, send_batch, Batch, KeyCheck, Sender};
use crate::edge::events::project_ingest::protocol::{AcceptOutcome, LimitedBy};
use crate::http::declares_more_than;
use crate::ingest::{Record, Rejection};

/// Seconds a client is asked to wait when storage did not answer.
const UNAVAILABLE_RETRY_S: i64 = 2;

/// Why a batch was not accepted.
#[derive(Debug)]
pub enum Refused {
    /// 400: the first problem, named by its path in the body (`events[3].name: is required`).
    Invalid(String),
    Unauthorized,
    Forbidden(Forbidden),
    PayloadTooLarge(usize),
    QuotaExceeded {
        limit: u64,
        resets_at: i64,
    },
    Limited {
        by: LimitedBy,
        retry_after_s: i64,
    },
    /// 503: nothing was stored; retry.
    Unavailable,
}

impl Refused {
    pub fn status(&self) -> u16 {
        match self {
            Refused::Invalid(_) => 400,
            Refused::Unauthorized => 401,
            Refused::Forbidden(_) | Refused::QuotaExceeded { .. } => 403,
            Refused::PayloadTooLarge(_) => 413,
            Refused::Limited { .. } => 429,
            Refused::Unavailable => 503,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Refused::Invalid(problem) => problem.clone(),
            Refused::Unauthorized => "missing, unknown or revoked API key".into(),
            Refused::Forbidden(Forbidden::Scope) => "this key may not send events".into(),
            Refused::Forbidden(Forbidden::Origin) => "this key may not be used from this origin".into(),
            Refused::Forbidden(Forbidden::KeyInUrl) => {
                "a manage or read key may not be sent in a URL: use an ingest or browser key".into()
            }
            Refused::Forbidden(Forbidden::Inactive) => "the project is inactive".into(),
            Refused::PayloadTooLarge(max) => format!("body must be at most {max} bytes"),
            Refused::QuotaExceeded { limit, resets_at } => format!(
                "the project's monthly quota of {limit} events is used up until {}",
                format_rfc3339(*resets_at)
            ),
            Refused::Limited { by: LimitedBy::Key, .. } => {
                "rate limit exceeded: this key's budget is 60 events a minute, burst 120".into()
            }
            Refused::Limited {
                by: LimitedBy::Project, ..
            } => "rate limit exceeded: over the project's events per minute".into(),
            Refused::Unavailable => "ingest is degraded; nothing was stored, retry later".into(),
        }
    }

    fn retry_after_s(&self) -> Option<i64> {
        match self {
            Refused::Limited { retry_after_s, .. } => Some(*retry_after_s),
            Refused::Unavailable => Some(UNAVAILABLE_RETRY_S),
            _ => None,
        }
    }

    /// `{"error": "..."}` with this refusal's status and headers.
    pub fn into_response(self) -> Response {
        self.into_response_with(Headers::new())
    }

    /// The same, adding to `headers` (CORS).
    pub fn into_response_with(self, headers: Headers) -> Response {
        if let Some(seconds) = self.retry_after_s() {
            let _ = headers.set("Retry-After", &seconds.to_string());
        }
        if matches!(self, Refused::Unauthorized) {
            let _ = headers.set("WWW-Authenticate", "Bearer");
        }
        answer(self.status(), &json!({"error": self.message()}), headers)
    }
}

/// A JSON answer with the given headers.
pub fn answer(status: u16, body: &serde_json::Value, headers: Headers) -> Response {
    let _ = headers.set("content-type", "application/json");
    let _ = headers.set("cache-control", "no-store");
    Response::ok(body.to_string())
        .map(|r| r.with_status(status).with_headers(headers))
        .unwrap_or_else(|_| Response::empty().expect("an empty response builds").with_status(500))
}

/// The request body, refused unread when it says it is larger than `max`.
pub async fn read_body(req: &mut Request, max: usize) -> Result<Vec<u8>, Refused> {
    if declares_more_than(req, max) {
        return Err(Refused::PayloadTooLarge(max));
    }
    let bytes = req
        .bytes()
        .await
        .map_err(|_| Refused::Invalid("body: could not be read".into()))?;
    if bytes.len() > max {
        return Err(Refused::PayloadTooLarge(max));
    }
    Ok(bytes)
}

/// A query parameter's first value.
pub fn query(req: &Request, name: &str) -> Option<String> {
    url_parts::query_pairs(&req.inner().url())
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// `?server_ts=1`: every event at its arrival time.
pub fn server_ts(req: &Request) -> bool {
    query(req, "server_ts").is_some_and(|v| server_ts_flag(&v))
}

pub fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

/// The credential's sender, or why it may not send events (before the body is read). A
/// failed lookup keeps its cause for the seam, which logs it once with the format's name and
/// answers with the format's `unavailable`.
pub async fn sender(env: &Env, credential: Option<&str>, carrier: KeyCarrier) -> Result<Sender, Stop> {
    match check_key(env, credential, carrier).await? {
        KeyCheck::Sender(sender) => Ok(sender),
        KeyCheck::Unknown => Err(Refused::Unauthorized.into()),
        KeyCheck::Forbidden(reason) => Err(Refused::Forbidden(reason).into()),
    }
}

/// A batch of events for the project's object to admit and hold: what the event formats record.
pub struct EventBatch {
    pub sender: Sender,
    pub batch: Batch,
}

impl Record for EventBatch {
    /// How many events were accepted, or why none were.
    type Outcome = Result<u64, Refused>;

    async fn record(self, env: &Env) -> worker::Result<Result<u64, Refused>> {
        Ok(match send_batch(env, &self.sender, self.batch).await? {
            AcceptOutcome::Accepted { accepted, .. } => Ok(accepted),
            AcceptOutcome::UnknownKey => Err(Refused::Unauthorized),
            AcceptOutcome::Forbidden { reason } => Err(Refused::Forbidden(reason)),
            AcceptOutcome::QuotaExceeded { limit, resets_at } => Err(Refused::QuotaExceeded { limit, resets_at }),
            AcceptOutcome::Limited { by, retry_after_s } => Err(Refused::Limited { by, retry_after_s }),
        })
    }
}

/// Why reading a batch stopped: a refusal the format answers in its own shape, or a failure
/// that keeps its cause until the seam logs it.
pub enum Stop {
    Refused(Refused),
    Failed(worker::Error),
}

impl From<Refused> for Stop {
    fn from(refused: Refused) -> Self {
        Stop::Refused(refused)
    }
}

impl From<worker::Error> for Stop {
    fn from(e: worker::Error) -> Self {
        Stop::Failed(e)
    }
}

impl Stop {
    /// The rejection for the seam: a refusal answered by `answer` (the format's shape, its
    /// headers), a failure passed on with its cause.
    pub fn into_rejection(self, answer: impl FnOnce(Refused) -> Response) -> Rejection {
        match self {
            Stop::Refused(refused) => Rejection::Answer(answer(refused)),
            Stop::Failed(e) => Rejection::Failed(e),
        }
    }
}

impl From<Stop> for Rejection {
    fn from(stop: Stop) -> Self {
        stop.into_rejection(Refused::into_response)
    }
}

impl From<Refused> for Rejection {
    fn from(refused: Refused) -> Self {
        Rejection::Answer(refused.into_response())
    }
}

/// The arrival time of a request.
pub fn arrival() -> i64 {
    now_ms()
}
