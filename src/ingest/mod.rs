//! Ingestion formats: one module per way a ping arrives, all behind one seam. A format only
//! parses its request into the ping to record and renders the outcome in its own shape;
//! [`ingest`] owns recording, logging and the answer when storage fails. A new format is one
//! module here plus a line in the route table and in the dispatch.

use worker::{Env, Request, Response};

use crate::core::ping::{PingInput, RecordOutcome};
use crate::edge::ping_gate::record_ping;

pub mod beacon;
pub mod cron_ping;
pub mod heartbeat_ping;
pub mod ping_meta;
pub mod system_heartbeat;

/// What a format parsed: which token's object records the ping, and the ping.
pub struct Ping {
    pub token: String,
    pub input: PingInput,
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
    fn from(e: crate::http::ApiError) -> Self {
        Rejection::Answer(e.into_response())
    }
}

/// One ingestion format.
pub trait PingFormat {
    /// Named in logs.
    const NAME: &'static str;
    /// What the format keeps from its request to shape the answer.
    type Context;

    async fn parse(req: &mut Request, env: &Env, params: &[&str]) -> Result<(Ping, Self::Context), Rejection>;

    fn render(outcome: RecordOutcome, context: Self::Context) -> Response;

    /// The answer when the ping could not be recorded; nothing internal in it.
    fn unavailable() -> Response;
}

/// The one path every ping takes: parse, record in the token's object, render.
pub async fn ingest<F: PingFormat>(req: &mut Request, env: &Env, params: &[&str]) -> Response {
    let failed = |e: worker::Error| {
        worker::console_error!("{}: could not record a ping: {e}", F::NAME);
        F::unavailable()
    };
    let (ping, context) = match F::parse(req, env, params).await {
        Ok(parsed) => parsed,
        Err(Rejection::Answer(answer)) => return answer,
        Err(Rejection::Failed(e)) => return failed(e),
    };
    match record_ping(env, &ping.token, &ping.input).await {
        Ok(outcome) => F::render(outcome, context),
        Err(e) => failed(e),
    }
}
