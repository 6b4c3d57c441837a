//! The ingest API: `POST /v1/ingest/events` with `X-API-Key` (batches of up to 500 events, each
//! accepted or rejected on its own) and `POST /v1/ingest/beacon?api_key=...` for
//! `navigator.sendBeacon`, which always answers 200, also on error, with CORS headers that
//! let any page send it (the key's own allowed origins still apply).

use serde_json::{json, Value};
use worker::{Env, Headers, Request, Response};

use crate::core::access::scope::KeyCarrier;
use crate::core::events::event::{parse_ingest_batch, IngestBatch};
use crate::core::events::event_store::EventSource;
use crate::edge::access::auth::bearer;
use crate::edge::events::project_ingest::client::{Batch, Sender};
use crate::ingest::events::intake::{
    answer, arrival, header, query, read_body, sender, server_ts, EventBatch, Refused, Stop,
};
use crate::ingest::{Format, Rejection};

/// A batch of 500 rich events fits easily; a larger body is refused unread (413).
pub const MAX_INGEST_BODY: usize = 1024 * 1024;
/// What browsers let `sendBeacon` queue at once.
pub const MAX_BEACON_BODY: usize = 64 * 1024;

/// Lets any page send events (`fetch` with credentials or `sendBeacon`, whose JSON Blob needs
/// a preflight): the caller's origin is echoed, as credentialed CORS requires.
fn cors_headers(req: &Request) -> Headers {
    let headers = Headers::new();
    match header(req, "origin") {
        Some(origin) => {
            let _ = headers.set("access-control-allow-origin", &origin);
            let _ = headers.set("access-control-allow-credentials", "true");
            let _ = headers.set("vary", "Origin");
        }
        None => {
            let _ = headers.set("access-control-allow-origin", "*");
        }
    }
    headers
}

/// CORS preflight of both ingest routes.
pub fn preflight(req: &Request) -> Response {
    let headers = cors_headers(req);
    let requested = header(req, "access-control-request-headers");
    let _ = headers.set("access-control-allow-methods", "POST, OPTIONS");
    let _ = headers.set(
        "access-control-allow-headers",
        requested.as_deref().unwrap_or("content-type, x-api-key"),
    );
    let _ = headers.set("access-control-max-age", "86400");
    Response::empty()
        .expect("an empty response builds")
        .with_status(204)
        .with_headers(headers)
}

/// The ingest API's success answer, with the reason of each rejected event.
fn accepted_answer(accepted: u64, batch: &IngestBatch) -> Value {
    let mut body = json!({"accepted": accepted, "rejected": batch.rejected.len(), "queued": true});
    if !batch.rejected.is_empty() {
        body["errors"] = batch
            .rejected
            .iter()
            .map(|(index, reason)| json!({"index": index, "reason": reason}))
            .collect();
    }
    body
}

/// `X-API-Key` (the ingest API's header), or a bearer key.
fn presented_key(req: &Request) -> Option<String> {
    header(req, "x-api-key")
        .map(|k| k.trim().to_string())
        .or_else(|| bearer(req))
}

/// The batch the ingest routes parsed: its events to record, and the rejected ones to report.
fn parse_batch(
    req: &Request,
    sender: Sender,
    body: &[u8],
    source: EventSource,
) -> Result<(EventBatch, IngestBatch), Refused> {
    let parsed = parse_ingest_batch(body, arrival(), server_ts(req)).map_err(|e| Refused::Invalid(e.to_string()))?;
    let batch = Batch::of(
        parsed.accepted.iter().map(|(_, e)| e),
        source,
        header(req, "origin"),
        &sender,
    );
    Ok((EventBatch { sender, batch }, parsed))
}

/// `POST /v1/ingest/events`: each event accepted or rejected on its own.
pub struct IngestEvents;

impl Format for IngestEvents {
    const NAME: &'static str = "ingest API";
    type Item = EventBatch;
    /// The batch's rejected events, and the CORS headers of the answer.
    type Context = (IngestBatch, Headers);

    async fn parse(req: &mut Request, env: &Env, _params: &[&str]) -> Result<(EventBatch, Self::Context), Rejection> {
        let cors = cors_headers(req);
        let parsed = async {
            let sender = sender(env, presented_key(req).as_deref(), KeyCarrier::Header).await?;
            let body = read_body(req, MAX_INGEST_BODY).await?;
            Ok::<_, Stop>(parse_batch(req, sender, &body, EventSource::Ingest)?)
        }
        .await;
        match parsed {
            Ok((batch, ingest)) => Ok((batch, (ingest, cors))),
            Err(stop) => Err(stop.into_rejection(|refused| refused.into_response_with(cors))),
        }
    }

    fn render(outcome: Result<u64, Refused>, (batch, cors): Self::Context) -> Response {
        match outcome {
            Ok(accepted) => answer(200, &accepted_answer(accepted, &batch), cors),
            Err(refused) => refused.into_response_with(cors),
        }
    }

    fn unavailable(req: &Request) -> Response {
        Refused::Unavailable.into_response_with(cors_headers(req))
    }
}

/// `POST /v1/ingest/beacon?api_key=...`: the body (any content type) or the `data` query
/// parameter is the batch. Always 200, with CORS headers: a page's unload must never see an
/// error, so what went wrong is in the body.
pub struct IngestBeacon;

fn beacon_answer(outcome: Result<Value, Refused>, cors: Headers) -> Response {
    let body = outcome.unwrap_or_else(
        |refused| json!({"accepted": 0, "queued": false, "status": refused.status(), "error": refused.message()}),
    );
    answer(200, &body, cors)
}

impl Format for IngestBeacon {
    const NAME: &'static str = "ingest beacon";
    type Item = EventBatch;
    type Context = (IngestBatch, Headers);

    async fn parse(req: &mut Request, env: &Env, _params: &[&str]) -> Result<(EventBatch, Self::Context), Rejection> {
        let cors = cors_headers(req);
        let parsed = async {
            let (key, carrier) = match query(req, "api_key") {
                Some(key) => (Some(key), KeyCarrier::Url),
                None => (presented_key(req), KeyCarrier::Header),
            };
            let sender = sender(env, key.as_deref(), carrier).await?;
            let body = match query(req, "data") {
                Some(data) if data.len() > MAX_BEACON_BODY => {
                    return Err(Refused::PayloadTooLarge(MAX_BEACON_BODY).into())
                }
                Some(data) => data.into_bytes(),
                None => read_body(req, MAX_BEACON_BODY).await?,
            };
            Ok::<_, Stop>(parse_batch(req, sender, &body, EventSource::Beacon)?)
        }
        .await;
        match parsed {
            Ok((batch, ingest)) => Ok((batch, (ingest, cors))),
            Err(stop) => Err(stop.into_rejection(|refused| beacon_answer(Err(refused), cors))),
        }
    }

    fn render(outcome: Result<u64, Refused>, (batch, cors): Self::Context) -> Response {
        beacon_answer(outcome.map(|accepted| accepted_answer(accepted, &batch)), cors)
    }

    fn unavailable(req: &Request) -> Response {
        beacon_answer(Err(Refused::Unavailable), cors_headers(req))
    }
}
