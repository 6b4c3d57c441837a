//! The worker's side of a token's object: `record_ping` asks the object, but remembers in the
//! isolate the answers that cannot change soon (token unknown; window full until T), so a busy
//! page hammering a dead or limited token does not queue behind its Durable Object; the other
//! calls hurry a flush, run one for a reader, or tell the object its token changed.
//!
//! Only negative answers are remembered. Acceptance is always the object's decision, so
//! the rate limit stays exact and a rotated-away token is never kept alive here.

use std::cell::RefCell;
use std::collections::HashMap;

use worker::{Env, Result, Stub};

pub use super::protocol::FlushedLog;
use super::protocol::{record_url, Call, BINDING};
use crate::core::heartbeat::ping::{PendingPing, PingInput, RecordOutcome};
use crate::core::heartbeat::ping_log::{HourFigures, LogAnswer, LogQuery};
use crate::core::heartbeat::token_ledger::settled_within_ms;
use crate::edge::cost_meter;
use crate::edge::db::now_ms;
use crate::edge::durable::internal;
use crate::edge::durable::ObjectCall;
use crate::edge::object_fetch::{self, parsed};
use crate::edge::vars;

/// Unknown tokens are remembered this long.
const UNKNOWN_TTL_MS: i64 = 60_000;
/// A limited answer is reused only until this long before the window frees, leaving the
/// exact boundary to the object (its clock, not ours, decides).
const LIMIT_MARGIN_MS: i64 = 100;
const MAX_REMEMBERED: usize = 10_000;

thread_local! {
    /// token -> until when (ms) the remembered negative answer holds.
    static REMEMBERED: RefCell<HashMap<String, (i64, RecordOutcome)>> = RefCell::new(HashMap::new());
}

fn remembered(token: &str, now: i64) -> Option<RecordOutcome> {
    REMEMBERED.with(|r| {
        let mut map = r.borrow_mut();
        match map.get(token) {
            Some((until, outcome)) if now < *until => Some(outcome.clone()),
            Some(_) => {
                map.remove(token);
                None
            }
            None => None,
        }
    })
}

fn remember(token: &str, until: i64, outcome: RecordOutcome) {
    REMEMBERED.with(|r| {
        let mut map = r.borrow_mut();
        if map.len() >= MAX_REMEMBERED {
            map.clear();
        }
        map.insert(token.to_string(), (until, outcome));
    });
}

/// Records a ping for `token` (already checked to be well formed).
pub async fn record_ping(env: &Env, token: &str, input: &PingInput) -> Result<RecordOutcome> {
    let now = now_ms();
    if let Some(outcome) = remembered(token, now) {
        return Ok(outcome);
    }
    let body = serde_json::to_string(input).map_err(internal)?;
    let outcome: RecordOutcome =
        parsed(&object_fetch::post(token_object(env, token)?, &record_url(token), &body).await?)?;
    match &outcome {
        RecordOutcome::UnknownToken => remember(token, now + UNKNOWN_TTL_MS, outcome.clone()),
        RecordOutcome::Limited { retry_at } if retry_at - LIMIT_MARGIN_MS > now => {
            remember(token, retry_at - LIMIT_MARGIN_MS, outcome.clone())
        }
        _ => {}
    }
    Ok(outcome)
}

/// A quiet token's first ping waits this long before its flush (var PING_FLUSH_DELAY_MS).
const DEFAULT_FLUSH_DELAY_MS: i64 = 1_000;
/// A busy token's pings wait this long, so they reach D1 as one batch (var PING_BUSY_FLUSH_DELAY_MS).
const DEFAULT_BUSY_FLUSH_DELAY_MS: i64 = 5_000;

/// The quick and the busy flush delays, as the objects read them.
pub fn flush_delays(env: &Env) -> (i64, i64) {
    (
        vars::integer(env, "PING_FLUSH_DELAY_MS").unwrap_or(DEFAULT_FLUSH_DELAY_MS),
        vars::integer(env, "PING_BUSY_FLUSH_DELAY_MS").unwrap_or(DEFAULT_BUSY_FLUSH_DELAY_MS),
    )
}

/// How long after it is acknowledged a ping is in D1 at the latest while flushes work
/// (`token_ledger::settled_within_ms` with this deployment's delays).
pub fn settled_within(env: &Env) -> i64 {
    let (quick_ms, busy_ms) = flush_delays(env);
    settled_within_ms(quick_ms, busy_ms)
}

/// What a token's object still holds for D1, as the sweep asks it (`hurry`).
#[derive(Debug, Default, Clone, Copy, serde::Deserialize)]
pub struct Held {
    /// Acknowledged pings not yet in D1.
    pub pending: usize,
    /// When the oldest of them was received (none held: `None`).
    #[serde(default)]
    pub since: Option<i64>,
}

/// What the token's object holds for D1, and since when; it starts moving them at once.
pub async fn hurry(env: &Env, token: &str) -> Result<Held> {
    #[derive(serde::Deserialize)]
    struct ObjectState {
        pending: usize,
        #[serde(default)]
        held_since: Option<i64>,
    }
    let state: ObjectState = parsed(&ask(env, token, Call::Hurry, None).await?)?;
    Ok(Held {
        pending: state.pending,
        since: state.held_since,
    })
}

/// Read your writes: moves every ping the token's object has acknowledged and still holds to
/// D1, and answers, once D1 has them (none held: at once, D1 untouched), whether pings moved
/// to D1 lately: by this call, or by a flush that ended in the last seconds, which may have
/// ended after the caller read D1. With `query`, the object answers its part of the monitor's
/// history in the same request (`Call::FlushLog`; also when the flush failed, which the answer
/// says instead of failing the call).
pub async fn flush_for_read(env: &Env, token: &str, query: Option<&LogQuery>) -> Result<FlushedLog> {
    let Some(query) = query else {
        let moved = flush_by(env, token, Call::Flush).await?;
        return Ok(FlushedLog {
            moved,
            flushed: true,
            log: None,
        });
    };
    parsed(&ask(env, token, Call::FlushLog, Some(&log_body(query)?)).await?)
}

/// The sweep's flush before it judges the token's monitor: as `flush_for_read`, and the object's
/// check-ins stop waiting for the calm flush, since the judgment writes D1's real deadline.
pub async fn flush_for_judgment(env: &Env, token: &str) -> Result<bool> {
    flush_by(env, token, Call::Judge).await
}

async fn flush_by(env: &Env, token: &str, call: Call) -> Result<bool> {
    #[derive(serde::Deserialize)]
    struct Flushed {
        moved: bool,
    }
    Ok(parsed::<Flushed>(&ask(env, token, call, None).await?)?.moved)
}

/// The token's object's part of its monitor's history, as `query` asks it.
pub async fn token_history(env: &Env, token: &str, query: &LogQuery) -> Result<LogAnswer> {
    parsed(&ask(env, token, Call::Log, Some(&log_body(query)?)).await?)
}

/// A `LogQuery` as the object reads it.
fn log_body(query: &LogQuery) -> Result<String> {
    serde_json::to_string(&query.js_safe()).map_err(internal)
}

/// Everything a token's object keeps of its monitor's history: its pings, and the hourly
/// figures of those it no longer keeps.
#[derive(Debug, serde::Deserialize)]
pub struct ExportedHistory {
    pub pings: Vec<PendingPing>,
    pub pruned: Vec<HourFigures>,
}

pub async fn export_history(env: &Env, token: &str) -> Result<ExportedHistory> {
    parsed(&ask(env, token, Call::Export, None).await?)
}

/// Tells a token's object that the token is dead (as `retire_token` does) and to forget
/// everything it stores.
pub async fn wipe_token(env: &Env, token: &str) -> Result<()> {
    tell(env, token, Call::Wipe).await
}

/// Tells the token's object that its monitor changed (allowed methods): it looks the token
/// up again on the next ping.
pub async fn refresh_token(env: &Env, token: &str) -> Result<()> {
    tell(env, token, Call::Refresh).await
}

/// Tells the token's object that the token is dead (rotated away or its monitor deleted).
/// Runs after D1 has dropped the token, so the very next ping is refused.
pub async fn retire_token(env: &Env, token: &str) -> Result<()> {
    tell(env, token, Call::Retire).await
}

/// The Durable Object of a ping token.
fn token_object(env: &Env, token: &str) -> Result<Stub> {
    env.durable_object(BINDING)?.id_from_name(token)?.get_stub()
}

async fn tell(env: &Env, token: &str, call: Call) -> Result<()> {
    ask(env, token, call, Some("")).await.map(|_| ())
}

/// Calls the token's object (a POST of `body`, or a GET): the text of its answer.
async fn ask(env: &Env, token: &str, call: Call, body: Option<&str>) -> Result<String> {
    object_fetch::call(token_object(env, token)?, &call.url(), body, None).await
}

/// The benchmark's probes (only where `EDGEBEAT_METER` is "1"): `/__meter` answers this
/// isolate's counts; `/__meter/echo/{token}` asks the token's object for its state and
/// records nothing, the round trip every ping pays; `/__meter/floor/{token}` has the object
/// write one durable row first, the floor under an acknowledged ping.
pub async fn meter_answer(env: &Env, path: &str) -> Result<worker::Response> {
    if let Some(token) = path.strip_prefix(cost_meter::ECHO_PREFIX) {
        return worker::Response::ok(ask(env, token, Call::State, None).await?);
    }
    if let Some(token) = path.strip_prefix(cost_meter::FLOOR_PREFIX) {
        return worker::Response::ok(ask(env, token, Call::Floor, Some("")).await?);
    }
    worker::Response::from_json(&cost_meter::snapshot())
}
