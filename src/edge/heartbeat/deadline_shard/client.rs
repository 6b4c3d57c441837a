//! The calls to deadline shards: a token's object tells a check-in's deadline; the sweep asks
//! each registered shard which deadlines passed and settles what it decided.

use std::collections::HashSet;

use worker::{D1Database, Env, Result, Stub};

use super::protocol::{Call, Hold, OverdueAsk, OverdueReply, Tell, Told, BINDING};
use crate::core::heartbeat::deadline_watch::{shard_of, Overdue, Settled, Watch};
use crate::core::join_all::join_all;
use crate::edge::cost_meter;
use crate::edge::durable::{internal, ObjectCall};
use crate::edge::object_fetch::{self, parsed};
use crate::edge::row_fields::row_fields;
use crate::edge::rows::Rows;
use crate::edge::vars;

/// Shards a deployment spreads its monitors over (var DEADLINE_SHARDS): 1,000,000 monitors
/// pinging every minute are ~260 tells a second each, a quarter of one object's ~1,000.
const DEFAULT_SHARDS: i64 = 64;

/// The shard of `key`: the one watching a monitor's deadline (its id), or keeping a token's
/// hold (the token).
pub fn shard_for(env: &Env, key: &str) -> u32 {
    shard_of(key, shard_count(env))
}

fn shard_count(env: &Env) -> u32 {
    let shards = vars::integer(env, "DEADLINE_SHARDS").unwrap_or(DEFAULT_SHARDS);
    u32::try_from(shards.clamp(1, 4_096)).unwrap_or(1)
}

fn shard_object(env: &Env, shard: u32) -> Result<Stub> {
    env.durable_object(BINDING)?
        .id_from_name(&format!("shard-{shard}"))?
        .get_stub()
}

async fn post<T: serde::de::DeserializeOwned>(env: &Env, shard: u32, call: Call, body: String) -> Result<Option<T>> {
    let text = object_fetch::post(shard_object(env, shard)?, &call.url(), &body).await?;
    if text.is_empty() {
        return Ok(None);
    }
    parsed(&text).map(Some)
}

/// Posts `body` to the shard as `call`, whose answer says nothing beyond its status.
async fn send<B: serde::Serialize + ?Sized>(env: &Env, shard: u32, call: Call, body: &B) -> Result<()> {
    let body = serde_json::to_string(body).map_err(internal)?;
    post::<serde_json::Value>(env, shard, call, body).await.map(|_| ())
}

/// Tells the monitor's shard a check-in's deadline; answers the deadline the shard's last
/// snapshot holds for it (`None`: none yet).
pub async fn tell_deadline(env: &Env, monitor_id: &str, watch: Watch, token: Option<String>) -> Result<Option<i64>> {
    let shard = shard_for(env, monitor_id);
    let tell = Tell {
        shard,
        monitor_id: monitor_id.to_string(),
        watch,
        token,
    };
    let body = serde_json::to_string(&tell).map_err(internal)?;
    let told: Option<Told> = post(env, shard, Call::Tell, body).await?;
    Ok(told.and_then(|t| t.durable))
}

/// The shards that ever watched a deadline (each registers once per instance).
pub async fn registered_shards(db: &D1Database) -> Result<Vec<u32>> {
    struct Row {
        shard: u32,
    }
    row_fields!(Row { shard });
    cost_meter::d1_statements(1);
    let rows: Vec<Row> = db
        .prepare("SELECT shard FROM deadline_shards ORDER BY shard")
        .all()
        .await?
        .rows()?;
    Ok(rows.into_iter().map(|r| r.shard).collect())
}

/// A shard's deadlines passed, and the tokens whose objects it had flush for them.
pub struct ShardDue {
    pub shard: u32,
    pub due: Vec<Overdue>,
    pub flushed: HashSet<String>,
}

/// Every registered shard's deadlines passed by `at` (at most `limit` each), asked at once,
/// and the tokens they hold. A shard that fails to answer is left out (logged; the next minute
/// asks it again), and any token of its may be held.
pub async fn overdue_everywhere(env: &Env, shards: &[u32], at: i64, limit: usize) -> Result<(Vec<ShardDue>, Holds)> {
    let body = serde_json::to_string(&OverdueAsk { at, limit }).map_err(internal)?;
    let answers = join_all(shards.iter().map(|&shard| {
        let body = body.clone();
        async move { (shard, post::<OverdueReply>(env, shard, Call::Overdue, body).await) }
    }))
    .await;
    let mut due = Vec::new();
    let mut holds = Holds::none();
    for (shard, answer) in answers {
        match answer {
            Ok(reply) => {
                let answer = reply.map(OverdueReply::into_answer).unwrap_or_default();
                holds.tokens.extend(answer.held);
                due.push(ShardDue {
                    shard,
                    due: answer.due,
                    flushed: answer.flushed.into_iter().collect(),
                });
            }
            Err(e) => {
                worker::console_error!("deadline shard {shard} did not answer: {e}");
                holds.unknown.insert(shard);
            }
        }
    }
    Ok((due, holds))
}

/// Tells a shard what the sweep settled for the deadlines it reported.
pub async fn settle(env: &Env, shard: u32, settled: &[Settled]) -> Result<()> {
    if settled.is_empty() {
        return Ok(());
    }
    send(env, shard, Call::Settle, settled).await
}

/// Tells the token's shard that its object holds pings a flush failed to move to D1.
pub async fn hold(env: &Env, token: &str) -> Result<()> {
    let shard = shard_for(env, token);
    let hold = Hold {
        shard,
        token: token.to_string(),
    };
    send(env, shard, Call::Hold, &hold).await
}

/// Tells the token's shard that its object's flush worked again.
pub async fn release(env: &Env, token: &str) -> Result<()> {
    send(env, shard_for(env, token), Call::Release, &token).await
}

/// The tokens whose objects' flushes failed, as the shards the sweep asked say.
pub struct Holds {
    tokens: HashSet<String>,
    /// Shards that did not answer: any token of theirs may be held.
    unknown: HashSet<u32>,
    /// No shard could be asked (D1 failing): any token may be held.
    all_unknown: bool,
}

impl Holds {
    /// No shard is registered: none holds a token (a hold registers its shard first).
    pub fn none() -> Holds {
        Holds {
            tokens: HashSet::new(),
            unknown: HashSet::new(),
            all_unknown: false,
        }
    }

    /// The shards could not be asked.
    pub fn unknown() -> Holds {
        Holds {
            all_unknown: true,
            ..Holds::none()
        }
    }

    /// Whether the token's object may hold pings D1 lacks.
    pub fn may_hold(&self, env: &Env, token: &str) -> bool {
        self.all_unknown
            || self.tokens.contains(token)
            || (!self.unknown.is_empty() && self.unknown.contains(&shard_for(env, token)))
    }
}
