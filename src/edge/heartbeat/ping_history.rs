//! A monitor's ping history, read from everywhere it is kept at once: D1 (what earlier builds
//! stored, and event-fed pings) and the objects of its tokens, the current one and those
//! rotated away (`monitors::history_tokens`); `core::heartbeat::ping_log::merge` makes one
//! history of their answers. No flush is needed first: a token's object answers with every
//! ping it acknowledged.

use futures_util::future::join;
use worker::{D1Database, Env, Result};

use crate::core::heartbeat::ping_log::{merge, LogAnswer, LogQuery};
use crate::core::join_all::join_all;
use crate::edge::cost_meter;
use crate::edge::heartbeat::monitors::drop_history_token;
use crate::edge::heartbeat::ping_token::client::{export_history, token_history, wipe_token};
use crate::edge::heartbeat::pings::{add_pruned_hours, d1_history, insert_pings};

/// Where one monitor's history is kept.
pub struct HistoryOf<'a> {
    pub monitor_id: &'a str,
    /// Its earlier ping tokens and its own (`monitors::history_tokens`).
    pub tokens: Vec<String>,
}

/// The monitor's history as `query` asks it.
pub async fn ping_history(env: &Env, db: &D1Database, of: &HistoryOf<'_>, query: &LogQuery) -> Result<LogAnswer> {
    let (d1, objects) = join(
        d1_history(db, of.monitor_id, query),
        token_histories(env, &of.tokens, query),
    )
    .await;
    let mut answers = objects?;
    answers.push(d1?);
    Ok(merge(answers, query.limit))
}

/// The parts of a monitor's history its token objects keep (`tokens`: `HistoryOf::tokens`),
/// asked at once; D1's part is read beside them (one monitor's, or a page's at once).
pub async fn token_histories(env: &Env, tokens: &[String], query: &LogQuery) -> Result<Vec<LogAnswer>> {
    join_all(tokens.iter().map(|token| token_history(env, token, query)))
        .await
        .into_iter()
        .collect()
}

/// Earlier tokens whose objects a monitor's history is read from; the oldest beyond this moves
/// to D1 at a rotation.
pub const MAX_HISTORY_TOKENS: usize = 5;
/// Pings per D1 insert when moving a history (a statement's size stays small).
const MOVE_CHUNK: usize = 100;

/// Moves an earlier token's history to D1 (its pings, and its pruned hours' figures) and drops
/// the token from the monitor's history tokens, in one batch; then forgets the object's
/// storage. Moving twice stores each ping once, and the second finds the token gone.
pub async fn move_history_to_d1(env: &Env, db: &D1Database, monitor_id: &str, token: &str) -> Result<()> {
    let history = export_history(env, token).await?;
    let mut statements = Vec::new();
    for chunk in history.pings.chunks(MOVE_CHUNK) {
        statements.push(insert_pings(db, monitor_id, chunk)?);
    }
    statements.push(add_pruned_hours(db, monitor_id, token, &history.pruned)?);
    statements.push(drop_history_token(db, monitor_id, token)?);
    let results = db.batch(statements).await?;
    cost_meter::d1_results(&results);
    wipe_token(env, token).await
}
