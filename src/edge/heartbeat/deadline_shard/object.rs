//! The deadline shard's Durable Object: a `Watchlist` in memory, written as one snapshot (a
//! row of JSON per 2,000 monitors) when a call finds it changed and the last snapshot at least
//! `DEADLINE_PERSIST_MS` old, and read back when an instance starts. No alarm: a change that
//! waits is a later deadline than the snapshot's (or a monitor let go), so a restart that loses
//! it leaves deadlines early, never late; the sweep's call every minute writes what tells left.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use worker::{durable_object, DurableObject, Env, Request, Response, Result, SqlStorage, State};

use super::holds;
use super::protocol::{Call, Hold, OverdueAnswer, OverdueAsk, Tell, Told};
use crate::core::heartbeat::deadline_watch::{Overdue, Settled, Watch, Watchlist};
use crate::core::join_all::join_all;
use crate::edge::cost_meter;
use crate::edge::db::{database, int, now_ms};
use crate::edge::durable::{internal, ObjectCall, Startup};
use crate::edge::heartbeat::ping_token::client::flush_for_judgment;
use crate::edge::object_fetch::asked;
use crate::edge::row_fields::row_fields;
use crate::edge::rows::Rows;
use crate::edge::vars;

/// Snapshots are at least this far apart (var DEADLINE_PERSIST_MS): 64 shards write at most
/// ~18,000 rows a month however many monitors they watch.
const DEFAULT_PERSIST_MS: i64 = 300_000;
/// Deadlines per snapshot row (~70 bytes each: rows stay well under SQLite's limits).
const PER_PART: usize = 2_000;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS snapshot (part INTEGER PRIMARY KEY, body TEXT NOT NULL)";

#[durable_object]
pub struct DeadlineShard {
    shard: Rc<Shard>,
}

struct Shard {
    state: State,
    env: Env,
    startup: Startup,
    persist_ms: i64,
    list: RefCell<Watchlist>,
    /// When the snapshot was last written (by this instance).
    persisted_at: Cell<i64>,
    /// Its number, once told (it registers in D1 once per instance).
    number: Cell<Option<u32>>,
    registered: Cell<bool>,
    /// The token that told each monitor's deadline (memory only: a restarted shard learns them
    /// again from the next tells; until then the sweep flushes those monitors' objects itself).
    tokens: RefCell<HashMap<String, String>>,
}

impl DurableObject for DeadlineShard {
    fn new(state: State, env: Env) -> Self {
        let persist_ms = vars::integer(&env, "DEADLINE_PERSIST_MS").unwrap_or(DEFAULT_PERSIST_MS);
        Self {
            shard: Rc::new(Shard {
                state,
                env,
                startup: Startup::default(),
                persist_ms,
                list: RefCell::new(Watchlist::default()),
                persisted_at: Cell::new(i64::MIN),
                number: Cell::new(None),
                registered: Cell::new(false),
                tokens: RefCell::new(HashMap::new()),
            }),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        cost_meter::shard_request();
        self.shard.ready().await?;
        self.shard.answer(req).await
    }
}

impl Shard {
    async fn ready(self: &Rc<Self>) -> Result<()> {
        let shard = self.clone();
        self.startup
            .ready(&self.state, async move {
                let restored = read_snapshot(&shard.state.storage().sql())?;
                *shard.list.borrow_mut() = Watchlist::restore(restored);
                Ok(())
            })
            .await
    }

    async fn answer(&self, req: Request) -> Result<Response> {
        let Some(call) = Call::of_path(&req.path()) else {
            return Response::error("not found", 404);
        };
        match call {
            Call::Tell => {
                let tell: Tell = asked(&req).await?;
                self.number.set(Some(tell.shard));
                if let Some(token) = tell.token {
                    self.tokens.borrow_mut().insert(tell.monitor_id.clone(), token);
                }
                self.list.borrow_mut().tell(&tell.monitor_id, tell.watch);
                self.persist_if_due().await?;
                // After the snapshot, which may hold this very deadline.
                let durable = self.list.borrow().durable(&tell.monitor_id);
                Response::from_json(&Told { durable })
            }
            Call::Overdue => {
                let ask: OverdueAsk = asked(&req).await?;
                self.persist_if_due().await?;
                let due = self.list.borrow().overdue(ask.at, ask.limit);
                let flushed = self.flush_tokens_of(&due).await;
                Response::from_json(&OverdueAnswer {
                    due,
                    flushed,
                    held: holds::held_tokens(&self.state.storage().sql())?,
                })
            }
            Call::Settle => {
                let settled: Vec<Settled> = asked(&req).await?;
                self.list.borrow_mut().settle(&settled);
                {
                    let list = self.list.borrow();
                    self.tokens
                        .borrow_mut()
                        .retain(|monitor_id, _| list.watches(monitor_id));
                }
                self.persist_if_due().await?;
                Response::empty()
            }
            Call::Hold => {
                let hold: Hold = asked(&req).await?;
                self.number.set(Some(hold.shard));
                cost_meter::shard_rows(holds::hold(&self.state.storage().sql(), &hold)?);
                self.register().await?;
                Response::empty()
            }
            Call::Release => {
                let token: String = asked(&req).await?;
                cost_meter::shard_rows(holds::release(&self.state.storage().sql(), &token)?);
                Response::empty()
            }
            Call::State => {
                let list = self.list.borrow();
                Response::from_json(&serde_json::json!({
                    "watching": list.len(),
                    "dirty": list.dirty(),
                    "held": holds::held_tokens(&self.state.storage().sql())?.len(),
                }))
            }
        }
    }

    /// Writes the watchlist as the snapshot if it changed and the last one is old enough, after
    /// registering the shard for the sweep.
    async fn persist_if_due(&self) -> Result<()> {
        let now = now_ms();
        if !self.list.borrow().dirty() || now.saturating_sub(self.persisted_at.get()) < self.persist_ms {
            return Ok(());
        }
        // Claimed before the first await: calls meanwhile do not write it too.
        self.persisted_at.set(now);
        self.register().await?;
        let snapshot = self.list.borrow().snapshot();
        cost_meter::shard_rows(write_snapshot(&self.state.storage().sql(), &snapshot)?);
        self.list.borrow_mut().persisted(&snapshot);
        Ok(())
    }
}

impl Shard {
    /// Has the token objects of these overdue monitors move what they hold to D1, at once (the
    /// sweep then reads D1 once for all of them; the shards' calls spread over their own
    /// invocations, not the sweep's); answers the tokens whose flush worked.
    async fn flush_tokens_of(&self, due: &[Overdue]) -> Vec<String> {
        let named: Vec<String> = {
            let tokens = self.tokens.borrow();
            due.iter().filter_map(|o| tokens.get(&o.monitor_id).cloned()).collect()
        };
        let flushed = join_all(named.iter().map(|token| flush_for_judgment(&self.env, token))).await;
        named
            .into_iter()
            .zip(flushed)
            .filter_map(|(token, flushed)| flushed.is_ok().then_some(token))
            .collect()
    }

    /// Registers the shard in D1, once per instance, so the sweep asks it.
    async fn register(&self) -> Result<()> {
        let (Some(number), false) = (self.number.get(), self.registered.get()) else {
            return Ok(());
        };
        database(&self.env)?
            .prepare("INSERT INTO deadline_shards (shard, since) VALUES (?1, ?2) ON CONFLICT (shard) DO NOTHING")
            .bind(&[int(i64::from(number)), int(now_ms())])?
            .run()
            .await?;
        cost_meter::shard_d1_statement();
        self.registered.set(true);
        Ok(())
    }
}

fn read_snapshot(sql: &SqlStorage) -> Result<Vec<(String, Watch)>> {
    struct Row {
        body: String,
    }
    row_fields!(Row { body });
    sql.exec(SCHEMA, None)?;
    sql.exec(holds::SCHEMA, None)?;
    let rows: Vec<Row> = sql.exec("SELECT body FROM snapshot ORDER BY part", None)?.rows()?;
    let mut all = Vec::new();
    for row in rows {
        let part: Vec<(String, Watch)> = serde_json::from_str(&row.body).map_err(internal)?;
        all.extend(part);
    }
    Ok(all)
}

/// Replaces the snapshot's rows (written together: no await in between); answers the rows
/// written.
fn write_snapshot(sql: &SqlStorage, snapshot: &[(String, Watch)]) -> Result<usize> {
    let mut written = 0;
    let parts: Vec<&[(String, Watch)]> = snapshot.chunks(PER_PART).collect();
    for (part, entries) in parts.iter().enumerate() {
        let body = serde_json::to_string(entries).map_err(internal)?;
        written += sql
            .exec(
                "INSERT INTO snapshot (part, body) VALUES (?1, ?2) ON CONFLICT (part) DO UPDATE SET body = excluded.body",
                vec![(part as i64).into(), body.into()],
            )?
            .rows_written();
    }
    written += sql
        .exec(
            "DELETE FROM snapshot WHERE part >= ?1",
            vec![(parts.len() as i64).into()],
        )?
        .rows_written();
    Ok(written)
}
