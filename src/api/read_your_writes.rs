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

use worker::Env;

use crate::core::heartbeat::ping_log::{LogAnswer, LogQuery};
use crate::core::join_all::join_all;
use crate::edge::heartbeat::ping_token::client::flush_for_read;
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

/// Flushes the held pings of these tokens, each object asked once, all at once.
pub async fn flush_tokens<'a>(env: &Env, tokens: impl IntoIterator<Item = &'a str>) -> Flushed {
    let asks = tokens.into_iter().map(|token| (token, None)).collect();
    flush_tokens_reading(env, asks).await.0
}

/// Tokens' parts of their monitors' histories, each as a query asked it.
pub type TokenLogs = Vec<(String, LogQuery, LogAnswer)>;

/// As `flush_tokens`, where a read also shows a token's history (a list page with its strips:
/// a query beside the token): its object flushes and answers its part in one request. The
/// parts come back by token; a token whose call failed has none (the read asks it again).
pub async fn flush_tokens_reading(env: &Env, asks: Vec<(&str, Option<LogQuery>)>) -> (Flushed, TokenLogs) {
    let mut logs = TokenLogs::new();
    let mut flushed = Flushed {
        moved: false,
        complete: asks.len() <= MAX_TOKENS_PER_READ,
    };
    if !flushed.complete {
        return (flushed, logs);
    }
    let answers = join_all(
        asks.iter()
            .map(|(token, query)| flush_for_read(env, token, query.as_ref())),
    )
    .await;
    for ((token, query), answer) in asks.into_iter().zip(answers) {
        match answer {
            Ok(answer) => {
                flushed.moved |= answer.moved;
                flushed.complete &= answer.flushed;
                if let (Some(query), Some(log)) = (query, answer.log) {
                    logs.push((token.to_string(), query, log));
                }
            }
            Err(e) => {
                worker::console_error!("flush before a read failed: {e}");
                flushed.complete = false;
            }
        }
    }
    (flushed, logs)
}

/// Flags `answer` as possibly missing the latest pings unless the flush was complete.
pub fn flagged(answer: ApiResult, flushed: Flushed) -> ApiResult {
    let response = answer?;
    if !flushed.complete {
        response.headers().set(STALE_HEADER, "1")?;
    }
    Ok(response)
}
