//! The events API: `POST /api/v1/events` with `Authorization: Bearer <key>` and a batch of 1..100
//! events, all valid or none stored. 202 `{"accepted": n}` is the only success; 400 names the
//! first problem; 401, 403, 413 (over 512 KB, before parsing), 429 with `Retry-After` when
//! the key's token bucket cannot pay for the whole batch (a 429'd batch costs nothing).

use serde_json::json;
use worker::{Env, Headers, Request, Response};

use crate::core::access::scope::KeyCarrier;
use crate::core::events::event::parse_events_batch;
use crate::core::events::event_store::EventSource;
use crate::edge::access::auth::bearer;
use crate::edge::events::project_ingest::client::Batch;
use crate::ingest::events::intake::{answer, arrival, header, read_body, sender, server_ts, EventBatch, Refused};
use crate::ingest::{Format, Rejection};

/// The events API's body limit: 512 KB.
pub const MAX_EVENTS_BODY: usize = 512 * 1024;

/// The events API's batch: all valid or none stored, answered 202 `{"accepted": n}`.
pub struct EventsApi;

impl Format for EventsApi {
    const NAME: &'static str = "events API";
    type Item = EventBatch;
    type Context = ();

    async fn parse(req: &mut Request, env: &Env, _params: &[&str]) -> Result<(EventBatch, ()), Rejection> {
        let sender = sender(env, bearer(req).as_deref(), KeyCarrier::Header).await?;
        let body = read_body(req, MAX_EVENTS_BODY).await?;
        let events =
            parse_events_batch(&body, arrival(), server_ts(req)).map_err(|e| Refused::Invalid(e.to_string()))?;
        let batch = Batch::of(&events, EventSource::Events, header(req, "origin"), &sender);
        Ok((EventBatch { sender, batch }, ()))
    }

    fn render(outcome: Result<u64, Refused>, _: ()) -> Response {
        match outcome {
            Ok(accepted) => answer(202, &json!({ "accepted": accepted }), Headers::new()),
            Err(refused) => refused.into_response(),
        }
    }

    fn unavailable(_req: &Request) -> Response {
        Refused::Unavailable.into_response()
    }
}
