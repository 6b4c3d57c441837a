//! Ingestion formats: one module per way a ping or event arrives, all behind one seam. A
//! format only parses its request into what to record and renders the outcome in its own
//! shape; [`ingest`] owns recording, logging and the answer when storage fails. A new format
//! is one module here plus a line in the route table and in the dispatch.

pub mod events;
pub mod heartbeat;

use worker::{Env, Request, Response};

use crate::core::heartbeat::ping::{PingInput, RecordOutcome};
use crate::edge::heartbeat::ping_token::client::record_ping;

/// What a format parsed and wants recorded: a ping here; a batch of events for the event
/// formats. Recording decides an outcome the format then renders.
pub trait Record {
    type Outcome;
    async fn record(self, env: &Env) -> worker::Result<Self::Outcome>;
}

/// A ping for the token's Durable Object to record.
pub struct Ping {
    pub token: String,
    pub input: PingInput,
}

impl Record for Ping {
    type Outcome = RecordOutcome;

    async fn record(self, env: &Env) -> worker::Result<RecordOutcome> {
        record_ping(env, &self.token, &self.input).await
    }
}

/// Why a format records nothing.
pub enum Rejection {
    /// The request itself decides the answer (bad input, unknown target, no credential).
    Answer(Response),
    /// Something the format needed failed (D1 looking up a slug, say): answered as unavailable.
    Failed(worker::Error),
}

impl From<worker::Error> for Rejection {
    fn from(e: worker::Error) -> Self {
        Rejection::Failed(e)
    }
}

impl From<crate::http::ApiError> for Rejection {
    /// An internal failure is answered as the format's `unavailable`, logged by `ingest`.
    fn from(e: crate::http::ApiError) -> Self {
        match e {
            crate::http::ApiError::Internal(cause) => Rejection::Failed(worker::Error::RustError(cause)),
            answer => Rejection::Answer(answer.into_response()),
        }
    }
}

/// One ingestion format.
pub trait Format {
    /// Named in logs.
    const NAME: &'static str;
    /// What the format records.
    type Item: Record;
    /// What the format keeps from its request to shape the answer.
    type Context;

    async fn parse(req: &mut Request, env: &Env, params: &[&str]) -> Result<(Self::Item, Self::Context), Rejection>;

    fn render(outcome: <Self::Item as Record>::Outcome, context: Self::Context) -> Response;

    /// The answer when nothing could be recorded; nothing internal in it. It sees the request
    /// (a browser route answers with its CORS headers).
    fn unavailable(req: &Request) -> Response;
}

/// The one path every ingested request takes: parse, record, render.
pub async fn ingest<F: Format>(req: &mut Request, env: &Env, params: &[&str]) -> Response {
    let failed = |req: &Request, e: worker::Error| {
        worker::console_error!("{}: could not record: {e}", F::NAME);
        F::unavailable(req)
    };
    let (item, context) = match F::parse(req, env, params).await {
        Ok(parsed) => parsed,
        Err(Rejection::Answer(answer)) => return answer,
        Err(Rejection::Failed(e)) => return failed(req, e),
    };
    match item.record(env).await {
        Ok(outcome) => F::render(outcome, context),
        Err(e) => failed(req, e),
    }
}
