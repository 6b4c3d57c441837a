//! One Durable Object per ping token. It serialises that token's pings, keeps the exact
//! rate window, and holds every accepted ping durably until D1 has it.
//!
//! Accepting a ping costs one local storage write (awaited, so an acknowledged ping
//! survives a restart) and never waits on D1: an alarm flushes pending pings to D1 in
//! batches shortly after, and keeps retrying with backoff until D1 takes them.

use std::cell::RefCell;
use std::rc::Rc;

use serde::Serialize;
use wasm_bindgen::JsValue;
use worker::{durable_object, DurableObject, Env, ListOptions, Request, Response, Result, State};

use super::db::{database, now_ms};
use super::meter;
use super::monitor_state::apply_pings;
use super::monitors::monitor_for_token;
use super::notifier::deliver_due;
use super::pings::store_pings;
use super::random;
use crate::core::ping::{PendingPing, PingInput, PingKind, PingSource, RecordOutcome};
use crate::core::rate_window::{Decision, RateWindow};
use crate::core::run::OpenRuns;

/// Accepted pings wait this long so bursts reach D1 as one batch (var PING_FLUSH_DELAY_MS).
const DEFAULT_FLUSH_DELAY_MS: i64 = 1_000;
const FLUSH_BATCH: usize = 500;
const MAX_RETRY_DELAY_MS: i64 = 60_000;
/// Set before each flush starts, so a flush that dies with its isolate (a reset after a
/// panic, an eviction) is tried again this soon even if the runtime's own alarm retries give up.
const SAFETY_REARM_MS: i64 = 30_000;
/// A known token is re-checked against D1 this often, bounding how long any missed
/// retirement could keep it alive.
const RECHECK_KNOWN_MS: i64 = 300_000;
/// An unknown token is re-checked this often (tokens are random, so this is rare).
const RECHECK_UNKNOWN_MS: i64 = 60_000;

const WINDOW_KEY: &str = "window";
const SEQ_KEY: &str = "seq";
const RUNS_KEY: &str = "runs";
const PENDING_PREFIX: &str = "p:";

/// The monitor behind the token, as far as this object knows.
#[derive(Debug, Clone)]
struct Owner {
    monitor_id: String,
    methods: Vec<String>,
    /// The monitor's newest stored ping when looked up: pings recorded here come after it,
    /// also on a token that was just rotated in.
    last_ping_at: i64,
}

#[derive(Debug, Clone)]
enum Binding {
    Unresolved,
    Known {
        owner: Owner,
        checked_at: i64,
    },
    Unknown {
        checked_at: i64,
    },
    /// Rotated away or deleted: never valid again in this object's lifetime.
    Retired,
}

struct Hot {
    binding: Binding,
    window: RateWindow,
    runs: OpenRuns,
    next_seq: u64,
    pending: usize,
    flush_armed: bool,
    flush_failures: u32,
}

#[durable_object]
pub struct PingToken {
    state: State,
    env: Env,
    hot: Rc<RefCell<Hot>>,
}

impl Binding {
    /// The cached answer while it is still fresh: `Some(Some(owner))` known, `Some(None)` unknown.
    fn fresh(&self, now: i64) -> Option<Option<Owner>> {
        match self {
            Binding::Known { owner, checked_at } if now - checked_at < RECHECK_KNOWN_MS => Some(Some(owner.clone())),
            Binding::Unknown { checked_at } if now - checked_at < RECHECK_UNKNOWN_MS => Some(None),
            Binding::Retired => Some(None),
            _ => None,
        }
    }
}

/// The worker names the token in this header; the object's own id is a hash of it.
pub const TOKEN_HEADER: &str = "x-edgebeat-token";

/// Plain JS objects (not `Map`s), which is what Durable Object storage persists.
fn to_js(value: &impl Serialize) -> Result<JsValue> {
    Ok(value.serialize(&serde_wasm_bindgen::Serializer::json_compatible())?)
}

fn pending_key(seq: u64) -> String {
    format!("{PENDING_PREFIX}{seq:016x}")
}

impl DurableObject for PingToken {
    fn new(state: State, env: Env) -> Self {
        let hot = Rc::new(RefCell::new(Hot {
            binding: Binding::Unresolved,
            window: RateWindow::for_pings(),
            runs: OpenRuns::default(),
            next_seq: 0,
            pending: 0,
            flush_armed: false,
            flush_failures: 0,
        }));
        // Restore the window and the pending pings before any event is delivered.
        let (loading, storage) = (hot.clone(), state.storage());
        let _init = state.block_concurrency_while(async move {
            let window: Option<RateWindow> = storage.get(WINDOW_KEY).await?;
            let seq: Option<u64> = storage.get(SEQ_KEY).await?;
            let runs: Option<OpenRuns> = storage.get(RUNS_KEY).await?;
            let pending = storage
                .list_with_options(ListOptions::new().prefix(PENDING_PREFIX))
                .await?
                .size() as usize;
            if pending > 0 && storage.get_alarm().await?.is_none() {
                storage.set_alarm(0i64).await?;
            }
            let mut hot = loading.borrow_mut();
            hot.window = window.unwrap_or_else(RateWindow::for_pings);
            hot.next_seq = seq.unwrap_or(0);
            hot.runs = runs.unwrap_or_default();
            hot.pending = pending;
            hot.flush_armed = pending > 0;
            Ok(())
        });
        Self { state, env, hot }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        meter::object_request();
        match req.path().as_str() {
            "/record" => {
                let token = req.headers().get(TOKEN_HEADER)?.unwrap_or_default();
                let input: PingInput = req.json().await?;
                Response::from_json(&self.record(&token, input).await?)
            }
            "/state" => self.state_answer(),
            // The sweep, about to call the monitor down, wants held pings in D1 now; this also
            // restarts a flush whose alarm was lost.
            "/hurry" => {
                let storage = self.state.storage();
                let soon = now_ms() + 1_000;
                if self.hot.borrow().pending > 0 && storage.get_alarm().await?.is_none_or(|at| at > soon) {
                    storage.set_alarm(0i64).await?;
                    self.hot.borrow_mut().flush_armed = true;
                }
                self.state_answer()
            }
            "/retire" => {
                self.hot.borrow_mut().binding = Binding::Retired;
                Response::empty()
            }
            // The monitor changed (allowed methods): look it up again on the next ping.
            "/refresh" => {
                let mut hot = self.hot.borrow_mut();
                if !matches!(hot.binding, Binding::Retired) {
                    hot.binding = Binding::Unresolved;
                }
                Response::empty()
            }
            _ => Response::error("not found", 404),
        }
    }

    async fn alarm(&self) -> Result<Response> {
        meter::object_alarm();
        meter::object_rows(1);
        // The flush decides the next alarm; this one only stands if the flush never finishes.
        self.state.storage().set_alarm(SAFETY_REARM_MS).await?;
        self.flush().await;
        Response::empty()
    }
}

impl PingToken {
    fn state_answer(&self) -> Result<Response> {
        let hot = self.hot.borrow();
        Response::from_json(&serde_json::json!({
            "pending": hot.pending,
            "in_window": hot.window.in_window(now_ms()),
        }))
    }

    fn flush_delay_ms(&self) -> i64 {
        self.env
            .var("PING_FLUSH_DELAY_MS")
            .ok()
            .and_then(|v| v.to_string().parse().ok())
            .unwrap_or(DEFAULT_FLUSH_DELAY_MS)
    }

    /// The monitor this token belongs to, from memory or (single-flight) from D1.
    async fn owner(&self, token: &str, now: i64) -> Result<Option<Owner>> {
        if let Some(answer) = self.hot.borrow().binding.fresh(now) {
            return Ok(answer);
        }
        // Other events wait while D1 answers, so concurrent first pings look up once and a
        // retirement cannot interleave with a lookup that would undo it.
        let (hot, env, token) = (self.hot.clone(), self.env.clone(), token.to_string());
        self.state
            .block_concurrency_while(async move {
                if let Some(answer) = hot.borrow().binding.fresh(now) {
                    return Ok(answer);
                }
                meter::d1_statements(1);
                let found = monitor_for_token(&database(&env)?, &token).await?.map(|row| Owner {
                    monitor_id: row.id,
                    methods: serde_json::from_str(&row.methods).unwrap_or_default(),
                    last_ping_at: row.last_ping_at.unwrap_or(i64::MIN),
                });
                hot.borrow_mut().binding = match &found {
                    Some(owner) => Binding::Known {
                        owner: owner.clone(),
                        checked_at: now,
                    },
                    None => Binding::Unknown { checked_at: now },
                };
                Ok(found)
            })
            .await
    }

    async fn record(&self, token: &str, input: PingInput) -> Result<RecordOutcome> {
        let now = now_ms();
        let Some(owner) = self.owner(token, now).await? else {
            return Ok(RecordOutcome::UnknownToken);
        };
        if input.source == PingSource::Heartbeat && !owner.methods.iter().any(|m| *m == input.method) {
            return Ok(RecordOutcome::MethodNotAllowed { allow: owner.methods });
        }
        // Decide synchronously: no await between the check and the reservation.
        let (now, seq, window, duration_ms, runs) = {
            let mut hot = self.hot.borrow_mut();
            // One token's pings get distinct, increasing times, so paging by time sees each once.
            let now = hot.window.next_instant(now).max(owner.last_ping_at.saturating_add(1));
            if let Decision::Limited { retry_at } = hot.window.try_accept(now) {
                return Ok(RecordOutcome::Limited { retry_at });
            }
            let seq = hot.next_seq;
            hot.next_seq += 1;
            let rid = input.run_id.as_deref();
            let (duration_ms, runs_changed) = match input.kind {
                PingKind::Start => {
                    hot.runs.start(rid, now);
                    (None, true)
                }
                kind if kind.ends_run() => {
                    let duration = hot.runs.finish(rid, now);
                    (duration, duration.is_some())
                }
                _ => (None, false),
            };
            (
                now,
                seq,
                hot.window.clone(),
                duration_ms,
                runs_changed.then(|| hot.runs.clone()),
            )
        };
        let ping = PendingPing {
            id: random::uuid(),
            monitor_id: owner.monitor_id,
            received_at: now,
            duration_ms,
            input,
        };
        // One atomic write: the window, the sequence and the ping land together or not at all.
        let batch = js_sys::Object::new();
        let put = |key: &str, value: JsValue| js_sys::Reflect::set(&batch, &JsValue::from_str(key), &value).map(|_| ());
        put(WINDOW_KEY, to_js(&window)?)?;
        put(SEQ_KEY, JsValue::from_f64((seq + 1) as f64))?;
        put(&pending_key(seq), to_js(&ping)?)?;
        if let Some(runs) = runs {
            put(RUNS_KEY, to_js(&runs)?)?;
        }
        let storage = self.state.storage();
        meter::object_rows(js_sys::Object::keys(&batch).length() as usize);
        if let Err(e) = storage.put_multiple_raw(batch).await {
            self.hot.borrow_mut().window.forget_last();
            return Err(e);
        }
        let arm = {
            let mut hot = self.hot.borrow_mut();
            hot.pending += 1;
            !std::mem::replace(&mut hot.flush_armed, true)
        };
        if arm {
            meter::object_rows(1);
            storage.set_alarm(self.flush_delay_ms()).await?;
        }
        Ok(RecordOutcome::Accepted { received_at: now })
    }

    /// Moves pending pings to D1. On failure they stay and the alarm is re-armed with backoff.
    async fn flush(&self) {
        let storage = self.state.storage();
        let result: Result<usize> = async {
            let listed = storage
                .list_with_options(ListOptions::new().prefix(PENDING_PREFIX).limit(FLUSH_BATCH))
                .await?;
            let mut keys = Vec::new();
            let mut pings: Vec<PendingPing> = Vec::new();
            for entry in listed.entries() {
                let pair: js_sys::Array = entry?.into();
                keys.push(pair.get(0).as_string().unwrap_or_default());
                pings.push(serde_wasm_bindgen::from_value(pair.get(1))?);
            }
            let mut by_monitor: Vec<(&str, Vec<PendingPing>)> = Vec::new();
            for ping in &pings {
                match by_monitor.iter_mut().find(|(m, _)| *m == ping.monitor_id) {
                    Some((_, group)) => group.push(ping.clone()),
                    None => by_monitor.push((&ping.monitor_id, vec![ping.clone()])),
                }
            }
            let db = database(&self.env)?;
            let mut flipped = false;
            for (monitor_id, group) in &by_monitor {
                store_pings(&db, monitor_id, group).await?;
                let signals: Vec<(i64, PingKind)> = group.iter().map(|p| (p.received_at, p.input.kind)).collect();
                flipped |= apply_pings(&db, monitor_id, &signals, now_ms()).await?;
            }
            meter::object_rows(keys.len());
            storage.delete_multiple(keys).await?;
            if flipped {
                // A fail or a recovery is news now, not at the next cron run. Claims keep a
                // concurrent sweep from sending the same delivery twice.
                let env = self.env.clone();
                self.state.wait_until(async move {
                    if let Err(e) = deliver_due(&env, now_ms()).await {
                        worker::console_error!("webhooks after a ping flip failed: {e}");
                    }
                });
            }
            Ok(pings.len())
        }
        .await;
        let (rearm_in, failures) = {
            let mut hot = self.hot.borrow_mut();
            match result {
                Ok(flushed) => {
                    // Nothing listed means nothing is pending, whatever the count said.
                    hot.pending = if flushed == 0 {
                        0
                    } else {
                        hot.pending.saturating_sub(flushed)
                    };
                    hot.flush_failures = 0;
                }
                Err(ref e) => {
                    hot.flush_failures += 1;
                    worker::console_error!("flush to D1 failed (attempt {}): {e}", hot.flush_failures);
                }
            }
            hot.flush_armed = hot.pending > 0;
            let backoff = (1_000i64 << hot.flush_failures.min(16)).min(MAX_RETRY_DELAY_MS);
            let delay = if hot.flush_failures > 0 { backoff } else { 0 };
            (hot.flush_armed.then_some(delay), hot.flush_failures)
        };
        meter::object_rows(1);
        let rearmed = match rearm_in {
            Some(delay) => storage.set_alarm(delay).await,
            None => storage.delete_alarm().await,
        };
        if let Err(e) = rearmed {
            // The safety alarm set before the flush still stands.
            worker::console_error!("could not re-arm flush after {failures} failures: {e}");
        }
    }
}
