//! The beacon API: `GET|POST|HEAD /api/v1/beet/{token}` always answers the 1x1 GIF (429 + GIF when
//! rate limited). Nothing here may surface as an error: a beacon must never break a page.

use worker::{Env, Headers, Method, Request, Response};

use crate::core::access::credentials::is_ping_token;
use crate::core::heartbeat::beacon::{beacon_value, MAX_BEACON_BODY, TRANSPARENT_GIF};
use crate::core::heartbeat::ping::{PingKind, PingSource, RecordOutcome};
use crate::http::declares_more_than;
use crate::ingest::heartbeat::ping_request::ping_input;
use crate::ingest::{Format, Ping, Rejection};

const ALLOW_METHODS: &str = "GET, POST, HEAD, OPTIONS";

fn cors_headers() -> Headers {
    let headers = Headers::new();
    let _ = headers.set("access-control-allow-origin", "*");
    headers
}

fn gif(status: u16) -> Response {
    let headers = cors_headers();
    let _ = headers.set("content-type", "image/gif");
    let _ = headers.set("cache-control", "no-store");
    match Response::from_bytes(TRANSPARENT_GIF.to_vec()) {
        Ok(r) => r.with_status(status).with_headers(headers),
        Err(_) => Response::empty().expect("an empty response builds").with_status(status),
    }
}

/// The beacon: every answer is the GIF, whatever happened.
pub struct Beacon;

impl Format for Beacon {
    const NAME: &'static str = "beacon";
    type Item = Ping;
    type Context = ();

    async fn parse(req: &mut Request, _env: &Env, params: &[&str]) -> Result<(Ping, ()), Rejection> {
        let token = params.first().copied().unwrap_or_default();
        if !is_ping_token(token) {
            return Err(Rejection::Answer(gif(200)));
        }
        let mut input = ping_input(req, PingSource::Beacon, PingKind::Tick);
        if req.method() == Method::Post {
            input.value = read_value(req).await;
        }
        Ok((
            Ping {
                token: token.to_string(),
                input,
            },
            (),
        ))
    }

    fn render(outcome: RecordOutcome, _: ()) -> Response {
        match outcome {
            RecordOutcome::Limited { .. } => gif(429),
            _ => gif(200),
        }
    }

    fn unavailable(_req: &Request) -> Response {
        gif(200)
    }
}

/// The optional `{"value": n}`; a body that is too big, unreadable or not that shape has none.
async fn read_value(req: &mut Request) -> Option<f64> {
    if declares_more_than(req, MAX_BEACON_BODY) {
        return None;
    }
    beacon_value(&req.bytes().await.ok()?)
}

/// CORS preflight for `fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'}})`.
pub fn preflight(req: &Request) -> Response {
    let headers = cors_headers();
    let requested = req.headers().get("access-control-request-headers").ok().flatten();
    let _ = headers.set("access-control-allow-methods", ALLOW_METHODS);
    let _ = headers.set(
        "access-control-allow-headers",
        requested.as_deref().unwrap_or("content-type"),
    );
    let _ = headers.set("access-control-max-age", "86400");
    Response::empty()
        .expect("an empty response builds")
        .with_status(204)
        .with_headers(headers)
}
