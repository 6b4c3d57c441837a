//! Read your writes: an acknowledged ping is held by its token's Durable Object and reaches D1
//! in the object's next flush, a second or five later. A read of monitors first asks the
//! objects of the tokens it shows to flush what they hold and waits for D1 to have it (one
//! object request per token, all at once; an object holding nothing answers at once without
//! D1), so the ping a client was just told `OK` for is in what it reads next.
//!
//! When a flush fails (D1 refusing writes), the read still answers from D1, flagged with
//! `X-Edgebeat-Stale: 1`: the pings are kept and retried by their objects, and a dashboard or
//! a script that polls is better served by a slightly old answer than by none while D1 is
//! struggling. A read of more tokens than `MAX_TOKENS_PER_READ` (a project's metrics) flushes
//! none and is flagged the same way.

use std::collections::HashMap;

use futures_util::future::join_all;
use worker::Env;

use crate::core::heartbeat::ping_log::{LogAnswer, LogQuery};
use crate::edge::heartbeat::ping_token::client::{flush_and_log, flush_held};
use crate::http::ApiResult;

/// The most token objects one read asks (a page of the monitor list).
pub const MAX_TOKENS_PER_READ: usize = 100;

/// The header that flags an answer which may miss pings acknowledged in the last seconds.
pub const STALE_HEADER: &str = "x-edgebeat-stale";

/// What a read's flush achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flushed {
    /// Some ping moved to D1: what was read before the flush is out of date.
    pub moved: bool,
    /// Every ping acknowledged before the flush is in D1.
    pub complete: bool,
}

/// A read that flushed nothing (more tokens than `MAX_TOKENS_PER_READ`).
const UNFLUSHED: Flushed = Flushed {
    moved: false,
    complete: false,
};

/// Flushes the held pings of these tokens, each object asked once, all at once.
pub async fn flush_tokens<'a>(env: &Env, tokens: impl IntoIterator<Item = &'a str>) -> Flushed {
    let tokens: Vec<&str> = tokens.into_iter().collect();
    if tokens.len() > MAX_TOKENS_PER_READ {
        return UNFLUSHED;
    }
    let answers = join_all(tokens.iter().map(|token| flush_held(env, token))).await;
    tally(answers.into_iter().map(|answer| answer.map(|moved| (moved, true))))
}

/// A token's part of its monitor's history, as a query asked it.
pub type TokenLogs = HashMap<String, (LogQuery, LogAnswer)>;

/// As `flush_tokens`, for a read that also shows each token's history (a list page with its
/// strips): each object flushes and answers its part of the history in one request. The parts
/// come back by token; a token whose call failed has none (the read asks it again).
pub async fn flush_tokens_reading(env: &Env, asks: Vec<(&str, LogQuery)>) -> (Flushed, TokenLogs) {
    let mut logs = TokenLogs::new();
    if asks.len() > MAX_TOKENS_PER_READ {
        return (UNFLUSHED, logs);
    }
    let answers = join_all(asks.iter().map(|(token, query)| flush_and_log(env, token, query))).await;
    let flushes = asks.into_iter().zip(answers).map(|((token, query), answer)| {
        answer.map(|answer| {
            logs.insert(token.to_string(), (query, answer.log));
            (answer.moved, answer.flushed)
        })
    });
    let flushed = tally(flushes.collect::<Vec<_>>());
    (flushed, logs)
}

/// What the objects' answers to a read's flush add up to: each `(moved, flushed)`, or the
/// error of a call that failed.
fn tally(answers: impl IntoIterator<Item = worker::Result<(bool, bool)>>) -> Flushed {
    let mut flushed = Flushed {
        moved: false,
        complete: true,
    };
    for answer in answers {
        match answer {
            Ok((moved, done)) => {
                flushed.moved |= moved;
                flushed.complete &= done;
            }
            Err(e) => {
                worker::console_error!("flush before a read failed: {e}");
                flushed.complete = false;
            }
        }
    }
    flushed
}

/// Flags `answer` as possibly missing the latest pings unless the flush was complete.
pub fn flagged(answer: ApiResult, flushed: Flushed) -> ApiResult {
    let response = answer?;
    if !flushed.complete {
        response.headers().set(STALE_HEADER, "1")?;
    }
    Ok(response)
}
