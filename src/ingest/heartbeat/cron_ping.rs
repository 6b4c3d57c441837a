//! Cron-job pings in the healthchecks.io conventions existing scripts use:
//! `/ping/{token}` (success), `/ping/{token}/start`, `/fail`, `/log`, `/{exit_status}`,
//! over HEAD, GET or POST; a POST body's first 10,000 bytes are kept as the message; `rid`
//! pairs a start with its end. Answers are plain text: `OK`, or what went wrong.

use worker::{Env, Headers, Method, Request, Response};

use crate::core::access::credentials::{is_ping_key, is_ping_token};
use crate::core::heartbeat::monitor::is_slug;
use crate::core::heartbeat::ping::{
    parse_ping_action, PingActionError, PingSource, RecordOutcome, EXIT_STATUS_OUT_OF_RANGE,
};
use crate::core::http_contract::validation::parse_uuid;
use crate::edge::access::projects::project_for_ping_key;
use crate::edge::db::{database, now_ms};
use crate::edge::heartbeat::monitors::{create_slug_monitor, monitor_for_token, tokens_for_slug};
use crate::http::query_param;
use crate::ingest::heartbeat::ping_request::{message_from, ping_input};
use crate::ingest::{Format, Ping, Rejection};

fn text(status: u16, body: &str) -> Response {
    let headers = Headers::new();
    let _ = headers.set("content-type", "text/plain; charset=utf-8");
    let _ = headers.set("cache-control", "no-store");
    // Browsers may ping too (a dashboard's "run now" button, a status page).
    let _ = headers.set("access-control-allow-origin", "*");
    Response::ok(body)
        .map(|r| r.with_status(status).with_headers(headers))
        .unwrap_or_else(|_| Response::empty().expect("an empty response builds").with_status(status))
}

/// Which monitor a ping URL names.
enum Target {
    Token(String),
    NotFound,
    Ambiguous,
}

/// `/ping/{token}[/{action}]` or `/ping/{ping_key}/{slug}[/{action}]`, answered in plain text.
pub struct CronPing;

impl Format for CronPing {
    const NAME: &'static str = "cron ping";
    type Item = Ping;
    type Context = ();

    async fn parse(req: &mut Request, env: &Env, segments: &[&str]) -> Result<(Ping, ()), Rejection> {
        let answer = |status, body| Rejection::Answer(text(status, body));
        let create = match query_param(req, "create").as_deref() {
            None => false,
            Some("1") => true,
            Some(_) => return Err(answer(400, "create must be 1")),
        };
        let (target, action) = match segments {
            // After a token, a second segment that is no action names nothing: after a ping
            // key the same place holds a slug, so the URL is unknown rather than malformed.
            [token, action]
                if is_ping_token(token) && parse_ping_action(Some(action)) == Err(PingActionError::Unknown) =>
            {
                (Target::NotFound, None)
            }
            [token, rest @ ..] if is_ping_token(token) && rest.len() <= 1 => {
                (Target::Token(token.to_string()), rest.first())
            }
            [key, slug, rest @ ..] if is_ping_key(key) && rest.len() <= 1 => {
                (resolve_slug(env, key, slug, create).await?, rest.first())
            }
            _ => (Target::NotFound, None),
        };
        let action = parse_ping_action(action.copied());
        if action == Err(PingActionError::Unknown) {
            return Err(answer(400, "unknown ping action"));
        }
        let run_id = match query_param(req, "rid") {
            None => None,
            Some(rid) => Some(parse_uuid(&rid).ok_or_else(|| answer(400, "rid must be a UUID"))?),
        };
        let token = match target {
            Target::Token(token) => token,
            Target::NotFound => return Err(answer(404, "not found")),
            Target::Ambiguous => return Err(answer(409, "ambiguous slug: several monitors have it")),
        };
        let Ok((kind, exit_status)) = action else {
            // An exit status over 255: a 400 only for a monitor that exists, as healthchecks
            // answers; for any other token the URL names nothing.
            let known = monitor_for_token(&database(env)?, &token).await?.is_some();
            return Err(if known {
                answer(400, EXIT_STATUS_OUT_OF_RANGE)
            } else {
                answer(404, "not found")
            });
        };
        let mut input = ping_input(req, PingSource::Ping, kind);
        input.exit_status = exit_status;
        input.run_id = run_id;
        if req.method() == Method::Post {
            input.message = message_from(&req.bytes().await.unwrap_or_default());
        }
        Ok((Ping { token, input }, ()))
    }

    fn render(outcome: RecordOutcome, _: ()) -> Response {
        match outcome {
            RecordOutcome::Accepted { .. } => text(200, "OK"),
            RecordOutcome::UnknownToken => text(404, "not found"),
            RecordOutcome::Limited { .. } => text(429, "rate limited"),
            // Only the heartbeat ping route restricts methods.
            RecordOutcome::MethodNotAllowed { .. } => text(405, "method not allowed"),
        }
    }

    fn unavailable(_req: &Request) -> Response {
        text(503, "could not record the ping; retry")
    }
}

/// The monitor a project's slug names; with `create`, a missing one is made (1-day
/// interval, 1-hour grace) by a single insert that cannot duplicate it.
async fn resolve_slug(env: &Env, ping_key: &str, slug: &str, create: bool) -> worker::Result<Target> {
    let db = database(env)?;
    let Some(project_id) = project_for_ping_key(&db, ping_key).await? else {
        return Ok(Target::NotFound);
    };
    // No monitor has, or can be given, a slug of another shape.
    if !is_slug(slug) {
        return Ok(Target::NotFound);
    }
    let mut tokens = tokens_for_slug(&db, &project_id, slug).await?;
    if tokens.is_empty() && create {
        create_slug_monitor(&db, &project_id, slug, now_ms()).await?;
        tokens = tokens_for_slug(&db, &project_id, slug).await?;
    }
    Ok(match tokens.len() {
        0 => Target::NotFound,
        1 => Target::Token(tokens.remove(0)),
        _ => Target::Ambiguous,
    })
}
