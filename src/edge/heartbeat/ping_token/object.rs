//! The token's Durable Object: decides each ping against its ledger, holds it, flushes
//! held pings to D1 beside its alarm (see the module comment in `mod.rs`).

use std::cell::RefCell;
use std::rc::Rc;

use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

use super::client::flush_delays;
use super::held::{
    answer_query, any_held, columns_fingerprint, create_tables, everything, forget_binding, forget_saved_calm,
    held_pings, hold, open_tables, read_checkpoint, release_spill, roll, unrolled, write_checkpoint, HeldPing, Marks,
    SavedBinding, Visible,
};
use super::protocol::{recorded_token, Call, FlushedLog, TOKEN_HEADER};
use crate::core::cached_lookup::{Cached, Recheck};
use crate::core::flush_schedule::{alarm_needed, FlushBackoff};
use crate::core::heartbeat::deadline_watch::{calm_may_wait, worth_telling, Watch, TELL_STEP_MS};
use crate::core::heartbeat::ping::{PendingPing, PingInput, PingSource, RecordOutcome};
use crate::core::heartbeat::ping_log::{roll_upto, LogAnswer, LogQuery};
use crate::core::heartbeat::status::{Signal, Status};
use crate::core::heartbeat::token_ledger::{arm_for_ping, is_urgent, spread_standing_ms, Ledger};
use crate::edge::cost_meter;
use crate::edge::db::{database, now_ms};
use crate::edge::durable::ObjectCall;
use crate::edge::durable::{arm_flush_by, deliver_due_after_flush, internal, look_up_once, SingleFlight, Startup};
use crate::edge::heartbeat::deadline_shard::client::{self as deadline_shard, tell_deadline};
use crate::edge::heartbeat::monitor_state::{read_state, StoredState};
use crate::edge::heartbeat::monitors::{check_at, monitor_for_token, Cover, PingHistoryIn};
use crate::edge::heartbeat::ping_flush::flush_pings;
use crate::edge::heartbeat::ping_pruning::log_limit;
use crate::edge::heartbeat::zone::IntlZone;
use crate::edge::object_fetch::asked;
use crate::edge::random;
use crate::edge::vars;

/// An up monitor's check-ins, while its deadline shard watches it, wait this long for their
/// flush (var PING_CALM_FLUSH_MS): a token pinging once a minute sends D1 one statement per 40
/// pings, so 1,000,000 such monitors make ~420 D1 statements a second.
const DEFAULT_CALM_FLUSH_DELAY_MS: i64 = 2_400_000;
/// D1's deadline for a watched monitor is pushed this much past the object's next flush.
const COVER_MARGIN_MS: i64 = 60_000;
/// A reader told of a flush that ended this recently reads D1 again (its first read may have
/// come before that flush ended).
const RECENT_FLUSH_MS: i64 = 10_000;
/// At most this many pings go to D1 in one flush.
const FLUSH_BATCH: usize = 500;
/// A hurried flush (`Call::Hurry`) starts within this, whatever the flush delays are set to.
const HURRY_MS: i64 = 1_000;
/// The key the bench's floor probe writes (`Call::Floor`).
const FLOOR_KEY: &str = "bench-floor";
/// Ring slots when the log limit is off (var PING_LOG_LIMIT 0): one per ping.
const UNBOUNDED_SLOTS: u64 = u64::MAX;
/// A known token is re-checked against D1 once 45 minutes passed without D1 confirming it (each
/// flush reads the monitor back, token included), bounding how long a retirement that could not
/// be delivered keeps it alive: a calm token (a flush every 40 minutes) then asks D1 nothing
/// more. An unknown one is asked again after a minute (tokens are random, so this is rare).
const RECHECK: Recheck = Recheck {
    found_ms: 2_700_000,
    missing_ms: 60_000,
};

/// The monitor behind the token, as far as this object knows.
#[derive(Debug, Clone)]
struct Owner {
    monitor_id: String,
    methods: Vec<String>,
    /// The monitor's newest stored ping when looked up: pings recorded here come after it,
    /// also on a token that was just rotated in.
    last_ping_at: i64,
}

/// The binding worth saving with a checkpoint: a monitor found in D1, with its state.
fn saved_binding(hot: &Hot) -> Option<SavedBinding> {
    let Cached::Known { value, checked_at } = &hot.binding else {
        return None;
    };
    let monitor = hot.monitor.clone().filter(|m| m.id == value.monitor_id)?;
    Some(SavedBinding {
        monitor_id: value.monitor_id.clone(),
        methods: value.methods.clone(),
        last_ping_at: value.last_ping_at,
        checked_at: *checked_at,
        monitor,
        columns: columns_fingerprint(),
        watched: hot.watched,
        told: hot.told,
        token: hot.token.clone(),
    })
}

struct Hot {
    /// The token's monitor; revoked once the token is rotated away or deleted.
    binding: Cached<Owner>,
    ledger: Ledger,
    /// The monitor's status as the last flush (or lookup) left it in D1.
    monitor: Option<StoredState>,
    pending: usize,
    /// Where its pings stand (as the last checkpoint says, or later).
    marks: Marks,
    /// When the flush alarm set fires (`None`: none is set).
    armed_at: Option<i64>,
    flush_backoff: FlushBackoff,
    last_flush_at: Option<i64>,
    /// The deadline last told to the monitor's shard.
    told: Option<i64>,
    /// The deadline the shard's snapshot holds for the monitor, as its last answer said: while
    /// there is one, calm pings wait for the calm delay and a flush pushes D1's deadline out.
    watched: Option<i64>,
    /// The token this object is named by, once a ping named it (kept with the binding).
    token: Option<String>,
    /// Whether its shard was told that a failed flush left pings here (`Hold`).
    holding: bool,
    /// Bumped whenever the calm wait ends (`forget_calm`): a tell's answer sent before counts
    /// for nothing.
    calm_epoch: u64,
    /// The object has its tables: false until a token's first ping is held, so asking a token
    /// that never held one creates nothing.
    stored: bool,
}

impl Hot {
    /// Check-ins stop waiting for the calm flush until the shard is told afresh; a tell
    /// answered before counts for nothing.
    fn end_calm(&mut self) {
        self.watched = None;
        self.told = None;
        self.calm_epoch += 1;
    }
}

#[durable_object]
pub struct PingToken {
    token: Rc<Token>,
}

/// The object's state and behaviour, shared with a flush that outlives the alarm event.
struct Token {
    state: State,
    env: Env,
    startup: Startup,
    /// The flush running in this instance, the alarm's or a reader's: never two at once.
    flight: SingleFlight,
    /// Read once per instance: the ring's slots (the log limit) and the two flush delays.
    slots: u64,
    /// `PING_RETENTION_DAYS`: pings older than this are no longer shown.
    retention_ms: Option<i64>,
    quick_ms: i64,
    busy_ms: i64,
    calm_ms: i64,
    tell_step_ms: i64,
    hot: RefCell<Hot>,
}

impl DurableObject for PingToken {
    fn new(state: State, env: Env) -> Self {
        let hot = RefCell::new(Hot {
            binding: Cached::Unresolved,
            ledger: Ledger::default(),
            monitor: None,
            pending: 0,
            marks: Marks::default(),
            armed_at: None,
            flush_backoff: FlushBackoff::default(),
            last_flush_at: None,
            told: None,
            watched: None,
            token: None,
            holding: false,
            calm_epoch: 0,
            stored: false,
        });
        let slots = log_limit(&env).map_or(UNBOUNDED_SLOTS, |limit| limit as u64);
        let retention_ms = vars::integer(&env, "PING_RETENTION_DAYS")
            .filter(|days| *days > 0)
            .map(|days| days * 86_400_000);
        let (quick_ms, busy_ms) = flush_delays(&env);
        let calm_ms = vars::integer(&env, "PING_CALM_FLUSH_MS").unwrap_or(DEFAULT_CALM_FLUSH_DELAY_MS);
        let tell_step_ms = vars::integer(&env, "DEADLINE_TELL_STEP_MS").unwrap_or(TELL_STEP_MS);
        Self {
            token: Rc::new(Token {
                state,
                env,
                startup: Startup::default(),
                flight: SingleFlight::default(),
                slots,
                retention_ms,
                quick_ms,
                busy_ms,
                calm_ms,
                tell_step_ms,
                hot,
            }),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        cost_meter::object_request();
        self.token.ready().await?;
        self.token.answer(req).await
    }

    async fn alarm(&self) -> Result<Response> {
        cost_meter::object_alarm();
        self.token.ready().await?;
        let token = &self.token;
        // The safety alarm a flush left standing, with nothing held since: nothing to do (an
        // alarm that fires costs a request; deleting it after every flush would cost a row).
        let (stored, flushed_seq) = {
            let hot = token.hot.borrow();
            (hot.stored, hot.marks.flushed_seq)
        };
        if !stored || !any_held(&token.state.storage().sql(), flushed_seq)? {
            let mut hot = token.hot.borrow_mut();
            hot.pending = 0;
            hot.armed_at = None;
            return Response::empty();
        }
        // The next alarm is set before the flush starts, a busy token's window away (less a
        // random part of half a busy delay, so tokens that flushed together drift apart): it
        // flushes what comes meanwhile (pings then arm nothing), and it stands if this flush
        // never finishes. After the token goes quiet it fires once on nothing, which is cheaper
        // than deleting it.
        let standing = match token.calm() {
            true => token.calm_ms,
            false => spread_standing_ms(token.quick_ms, token.busy_ms, random::draw()),
        };
        token.state.storage().set_alarm(standing).await?;
        cost_meter::object_rows(1);
        token.hot.borrow_mut().armed_at = Some(now_ms() + standing);
        // The alarm event ends now and the flush goes on by itself: a flush cut off by a
        // reset of the Wasm application (its awaits then never resume) must not hold up the
        // object's alarms, so the safety alarm can run the flush again.
        if token.flight.try_start() {
            let flushing = token.clone();
            token.state.wait_until(async move {
                // A failure is logged and retried by the flush itself.
                let _ = flushing.flush().await;
                flushing.flight.finish();
            });
        }
        Response::empty()
    }
}

impl Token {
    /// Whether the token's pings are calm: its monitor is up and its shard watches the deadline.
    fn calm(&self) -> bool {
        let hot = self.hot.borrow();
        hot.watched.is_some()
            && hot
                .monitor
                .as_ref()
                .is_some_and(|m| Status::parse(&m.status) == Some(Status::Up))
    }

    /// Rebuilds the ledger (checkpoint + pings written since) before the first event of this
    /// instance does anything (`durable::Startup` says why there and not in the constructor).
    async fn ready(self: &Rc<Self>) -> Result<()> {
        let token = self.clone();
        self.startup
            .ready(&self.state, async move { token.restore().await })
            .await
    }

    async fn restore(&self) -> Result<()> {
        let storage = self.state.storage();
        let sql = storage.sql();
        if !open_tables(&storage, &sql).await? {
            return Ok(());
        }
        self.hot.borrow_mut().stored = true;
        let checkpoint = read_checkpoint(&sql)?;
        let mut ledger = checkpoint.ledger;
        if let Some(saved) = checkpoint.binding {
            let mut hot = self.hot.borrow_mut();
            hot.binding = Cached::Known {
                value: Owner {
                    monitor_id: saved.monitor_id,
                    methods: saved.methods,
                    last_ping_at: saved.last_ping_at,
                },
                checked_at: saved.checked_at,
            };
            hot.monitor = Some(saved.monitor);
            hot.watched = saved.watched;
            hot.told = saved.told;
            hot.token = saved.token;
        }
        // Every ping the checkpoint does not cover is held (D1 has none of them), so replaying
        // the held ones rebuilds the ledger.
        let held = held_pings(&sql, checkpoint.marks.flushed_seq, usize::MAX)?;
        for h in &held {
            let ping = &h.ping;
            ledger.replay(h.seq, ping.received_at, ping.input.kind, ping.input.run_id.as_deref());
        }
        let pending = held.len();
        // Any alarm already set will flush them; without one, they go now.
        let mut alarm = storage.get_alarm().await?;
        if pending > 0 && alarm_needed(alarm, i64::MAX) {
            storage.set_alarm(0i64).await?;
            cost_meter::object_rows(1);
            alarm = Some(now_ms());
        }
        let mut hot = self.hot.borrow_mut();
        hot.ledger = ledger;
        hot.pending = pending;
        hot.marks = checkpoint.marks;
        // The alarm set, as storage has it (a calm token's next flush stands across evictions).
        hot.armed_at = alarm;
        Ok(())
    }

    async fn answer(self: &Rc<Self>, mut req: Request) -> Result<Response> {
        let Some(call) = Call::of_path(&req.path()) else {
            return Response::error("not found", 404);
        };
        match call {
            Call::Record => {
                let url = req.inner().url();
                let token = match recorded_token(&url) {
                    Some(token) => token,
                    None => req.headers().get(TOKEN_HEADER)?.unwrap_or_default(),
                };
                let input: PingInput = serde_json::from_str(&req.text().await?).map_err(internal)?;
                Response::from_json(&self.record(&token, input).await?)
            }
            Call::State => self.state_answer(),
            // The sweep, about to call the monitor late or down, wants held pings in D1 now;
            // this also restarts a flush whose alarm was lost.
            // It also says since when it holds pings (a volume window is counted once every
            // ping received in it is in D1).
            Call::Hurry => {
                self.forget_calm()?;
                let soon = now_ms() + HURRY_MS;
                if self.hot.borrow().pending > 0 && arm_flush_by(&self.state.storage(), soon).await? {
                    cost_meter::object_rows(1);
                    self.hot.borrow_mut().armed_at = Some(now_ms());
                }
                let (stored, flushed_seq) = {
                    let hot = self.hot.borrow();
                    (hot.stored, hot.marks.flushed_seq)
                };
                let held_since = match stored {
                    true => held_pings(&self.state.storage().sql(), flushed_seq, 1)?
                        .first()
                        .map(|held| held.ping.received_at),
                    false => None,
                };
                let hot = self.hot.borrow();
                Response::from_json(&serde_json::json!({
                    "pending": hot.pending,
                    "in_window": hot.ledger.window.in_window(now_ms()),
                    "held_since": held_since,
                }))
            }
            // A reader's flush; the sweep's (`Judge`) also ends the calm wait.
            Call::Flush | Call::Judge => {
                if call == Call::Judge {
                    self.forget_calm()?;
                }
                self.flush_for_reader(None).await
            }
            Call::Log => {
                let query: LogQuery = asked(&req).await?;
                Response::from_json(&self.log(&query)?)
            }
            Call::FlushLog => {
                let query: LogQuery = asked(&req).await?;
                self.flush_for_reader(Some(query)).await
            }
            Call::Export => {
                let hot = self.hot.borrow();
                let (pings, pruned) = match hot.stored {
                    true => everything(&self.state.storage().sql(), &hot.marks)?,
                    false => (Vec::new(), Vec::new()),
                };
                Response::from_json(&serde_json::json!({ "pings": pings, "pruned": pruned }))
            }
            // Retires the token too: refused from the next ping on, before anything is deleted.
            Call::Wipe => {
                {
                    let mut hot = self.hot.borrow_mut();
                    hot.binding = Cached::Revoked;
                    hot.monitor = None;
                }
                self.state.storage().delete_all().await?;
                let mut hot = self.hot.borrow_mut();
                hot.stored = false;
                hot.pending = 0;
                hot.marks = Marks::default();
                Response::empty()
            }
            // What the retired token holds goes to D1 now, not after the calm delay.
            Call::Retire => {
                {
                    let mut hot = self.hot.borrow_mut();
                    hot.binding = Cached::Revoked;
                    hot.monitor = None;
                    if hot.stored {
                        forget_binding(&self.state.storage().sql())?;
                    }
                }
                self.forget_calm()?;
                self.flush_held_soon().await?;
                Response::empty()
            }
            // The monitor changed (allowed methods): look it up again on the next ping.
            // Its rules may have changed too: the shard is told afresh before D1's deadline is
            // pushed again, and check-ins held for the calm flush go now (the edit wrote D1's
            // real deadline, which the sweep judges without asking once it is old).
            Call::Refresh => {
                {
                    let mut hot = self.hot.borrow_mut();
                    hot.binding.forget();
                    hot.monitor = None;
                    if hot.stored {
                        forget_binding(&self.state.storage().sql())?;
                    }
                }
                self.forget_calm()?;
                self.flush_held_soon().await?;
                Response::empty()
            }
            // The bench's floor probe (the worker routes it only where the meter is on): one
            // durable row, outside the ping tables, answered once it is written.
            Call::Floor => {
                self.state.storage().put(FLOOR_KEY, now_ms()).await?;
                cost_meter::object_rows(1);
                Response::empty()
            }
        }
    }

    /// A reader's (or the sweep's) flush: every ping acknowledged so far in D1 before it reads.
    /// `moved`: a flush ended in the last seconds, this call's, the alarm's or another reader's
    /// (one may have moved pings after this reader read D1 and before it called). With `log`,
    /// the answer is `FlushedLog`, the object's part of the history beside it, 200 also when
    /// the flush failed; without, a failed flush is a 503.
    async fn flush_for_reader(&self, log: Option<LogQuery>) -> Result<Response> {
        let flushed = self.flush_now().await;
        if let Err(e) = &flushed {
            worker::console_error!("flush for a reader failed: {e}");
        }
        let moved = self.moved_lately();
        match (log, flushed) {
            (None, Ok(())) => Response::from_json(&serde_json::json!({ "moved": moved })),
            (None, Err(_)) => Response::error("flush failed", 503),
            // The log is whole either way: the object answers with every ping it acknowledged.
            (Some(query), flushed) => Response::from_json(&FlushedLog {
                moved,
                flushed: flushed.is_ok(),
                log: Some(self.log(&query)?),
            }),
        }
    }

    /// Whether a flush ended in the last seconds: a reader's first look at D1 may be from before
    /// it.
    fn moved_lately(&self) -> bool {
        self.hot
            .borrow()
            .last_flush_at
            .is_some_and(|at| now_ms() - at < RECENT_FLUSH_MS)
    }

    /// The object's part of its monitor's history, as `query` asks it.
    fn log(&self, query: &LogQuery) -> Result<LogAnswer> {
        let hot = self.hot.borrow();
        if !hot.stored {
            return Ok(LogAnswer::default());
        }
        let visible = Visible {
            from_seq: hot
                .marks
                .log_from_seq
                .max(hot.ledger.next_seq.saturating_sub(self.slots)),
            min_at: self.retention_ms.map_or(i64::MIN, |ms| now_ms() - ms),
            rolled_seq: hot.marks.rolled_seq,
        };
        answer_query(&self.state.storage().sql(), query, &visible)
    }

    /// Check-ins stop waiting for the calm flush: D1's deadline is, or is about to be, the real
    /// one (an edit, the sweep's judgment), not one pushed past the calm alarm. A tell answered
    /// after this does not bring the wait back (`calm_epoch`); the next check-in tells afresh.
    /// The saved binding forgets it too, so a restart does not bring the wait back.
    fn forget_calm(&self) -> Result<()> {
        let mut hot = self.hot.borrow_mut();
        hot.end_calm();
        if hot.stored {
            forget_saved_calm(&self.state.storage().sql())?;
        }
        Ok(())
    }

    /// Moves the flush of the pings held up to the quick delay (a calm alarm may stand 40
    /// minutes away while they are no longer calm).
    async fn flush_held_soon(&self) -> Result<()> {
        if self.hot.borrow().pending > 0 && arm_flush_by(&self.state.storage(), now_ms() + self.quick_ms).await? {
            cost_meter::object_rows(1);
            self.hot.borrow_mut().armed_at = Some(now_ms() + self.quick_ms);
        }
        Ok(())
    }

    fn state_answer(&self) -> Result<Response> {
        let hot = self.hot.borrow();
        Response::from_json(&serde_json::json!({
            "pending": hot.pending,
            "in_window": hot.ledger.window.in_window(now_ms()),
            "armed": hot.armed_at.is_some(),
            "armed_at": hot.armed_at,
            "last_flush_at": hot.last_flush_at,
        }))
    }

    /// The monitor this token belongs to, from memory or (single-flight) from D1.
    async fn owner(self: &Rc<Self>, token: &str, now: i64) -> Result<Option<Owner>> {
        let me = self.clone();
        let cached = move || me.hot.borrow().binding.fresh(now, RECHECK);
        let (me, token) = (self.clone(), token.to_string());
        look_up_once(&self.state, cached, async move {
            let found = monitor_for_token(&database(&me.env)?, &token).await?;
            let mut hot = me.hot.borrow_mut();
            let owner = found.map(|row| {
                let owner = Owner {
                    monitor_id: row.state.id.clone(),
                    methods: serde_json::from_str(&row.methods).unwrap_or_default(),
                    last_ping_at: row.last_ping_at.unwrap_or(i64::MIN),
                };
                hot.monitor = Some(row.state);
                owner
            });
            hot.binding = Cached::found(owner.clone(), now);
            Ok(owner)
        })
        .await
    }

    async fn record(self: &Rc<Self>, token: &str, input: PingInput) -> Result<RecordOutcome> {
        let now = now_ms();
        let Some(owner) = self.owner(token, now).await? else {
            return Ok(RecordOutcome::UnknownToken);
        };
        if input.source == PingSource::Heartbeat && !owner.methods.iter().any(|m| *m == input.method) {
            return Ok(RecordOutcome::MethodNotAllowed { allow: owner.methods });
        }
        let sql = self.state.storage().sql();
        // Decide and write with no await in between: one row, the ledger changes in memory only.
        let (at, arm_in, tell) = {
            let mut hot = self.hot.borrow_mut();
            if hot.token.is_none() {
                hot.token = Some(token.to_string());
            }
            let before = hot.ledger.clone();
            let admitted = match hot
                .ledger
                .admit(now, owner.last_ping_at, input.kind, input.run_id.as_deref())
            {
                Ok(admitted) => admitted,
                Err(retry_at) => return Ok(RecordOutcome::Limited { retry_at }),
            };
            let held = HeldPing {
                seq: admitted.seq,
                ping: PendingPing {
                    id: random::uuid(),
                    monitor_id: owner.monitor_id,
                    received_at: admitted.at,
                    duration_ms: admitted.duration_ms,
                    input,
                },
            };
            if !hot.stored {
                create_tables(&sql)?;
                hot.stored = true;
            }
            match hold(&sql, self.slots, hot.marks.free_below(), &held) {
                Ok(rows) => cost_meter::object_rows(rows),
                Err(e) => {
                    hot.ledger = before;
                    return Err(e);
                }
            }
            hot.pending += 1;
            let status = hot.monitor.as_ref().and_then(|m| Status::parse(&m.status));
            let urgent = is_urgent(held.ping.input.kind, status);
            let deadline = match urgent {
                true => None,
                false => hot
                    .monitor
                    .as_ref()
                    .and_then(|known| calm_deadline(known, &held.ping, now)),
            };
            let calm = deadline.is_some() && hot.watched.is_some();
            let full = hot.pending as u64 >= (self.slots / 2).min(FLUSH_BATCH as u64);
            let arm_in = match hot.armed_at {
                // Half a ring (or a batch) waiting goes now, calm or not.
                Some(at) if full && at > now + self.quick_ms => Some(self.quick_ms),
                None if calm && !full => Some(self.calm_ms),
                // A calm check-in waits for the alarm set, the calm one included.
                Some(_) if calm && !full => None,
                _ => arm_for_ping(
                    hot.armed_at,
                    urgent || full,
                    now,
                    hot.last_flush_at,
                    self.quick_ms,
                    self.busy_ms,
                ),
            };
            if let Some(delay) = arm_in {
                hot.armed_at = Some(now + delay);
            }
            let tell = deadline.filter(|d| worth_telling(hot.told, *d, self.tell_step_ms));
            if tell.is_some() {
                hot.told = tell;
            }
            let tell = tell.map(|deadline| {
                (
                    held.ping.monitor_id.clone(),
                    Watch {
                        at: admitted.at,
                        deadline,
                    },
                )
            });
            (admitted.at, arm_in, tell)
        };
        if let Some(delay) = arm_in {
            self.state.storage().set_alarm(delay).await?;
            cost_meter::object_rows(1);
        }
        if let Some((monitor_id, watch)) = tell {
            self.tell_shard(monitor_id, watch);
        }
        Ok(RecordOutcome::Accepted { received_at: at })
    }

    /// Tells the monitor's shard a check-in's deadline, after the ping's answer: its reply says
    /// whether the shard holds a deadline durably (calm pings may then wait).
    fn tell_shard(self: &Rc<Self>, monitor_id: String, watch: Watch) {
        let token = self.clone();
        self.state.wait_until(async move {
            let (name, epoch) = {
                let hot = token.hot.borrow();
                (hot.token.clone(), hot.calm_epoch)
            };
            let told = tell_deadline(&token.env, &monitor_id, watch, name).await;
            let mut hot = token.hot.borrow_mut();
            if hot.calm_epoch != epoch {
                return;
            }
            match told {
                Ok(durable) => hot.watched = durable,
                Err(e) => {
                    worker::console_error!("telling the deadline shard failed: {e}");
                    hot.watched = None;
                    hot.told = None;
                }
            }
        });
    }

    /// The monitor's state for a flush: the one the last flush left, or read from D1.
    async fn known_state(&self, db: &worker::D1Database, monitor_id: &str) -> Result<Option<StoredState>> {
        let cached = self.hot.borrow().monitor.clone();
        if let Some(state) = cached.filter(|s| s.id == monitor_id) {
            return Ok(Some(state));
        }
        cost_meter::d1_statements(1);
        read_state(db, monitor_id).await
    }

    /// Moves every ping held when called to D1: at once (and without D1) when none is held;
    /// otherwise it runs the flush itself, or waits for the one running, until no ping held at
    /// the call is left. A failed flush is an error (its pings stay held, the alarm retries
    /// them).
    async fn flush_now(&self) -> Result<()> {
        if !self.hot.borrow().stored {
            return Ok(());
        }
        // Every ping acknowledged so far has a sequence number below this one.
        let upto = self.hot.borrow().ledger.next_seq;
        while self.hot.borrow().marks.flushed_seq < upto {
            if !self.flight.try_start() {
                self.flight.ended().await;
                continue;
            }
            let result = self.flush().await;
            self.flight.finish();
            result?;
        }
        Ok(())
    }

    /// Moves pending pings to D1 (at most `FLUSH_BATCH`) and answers how many. On failure they
    /// stay, the alarm is re-armed with backoff and the error is returned. Its callers (the
    /// alarm, `flush_now`) run it only on an object that has its tables.
    async fn flush(&self) -> Result<usize> {
        let storage = self.state.storage();
        let result: Result<usize> = async {
            let sql = storage.sql();
            let flushed_seq = self.hot.borrow().marks.flushed_seq;
            let held = held_pings(&sql, flushed_seq, FLUSH_BATCH)?;
            let Some(upto) = held.last().map(|h| h.seq) else {
                // Nothing held: D1 has every ping acknowledged so far.
                let mut hot = self.hot.borrow_mut();
                hot.marks.flushed_seq = hot.ledger.next_seq;
                return Ok(0);
            };
            let pending: Vec<&PendingPing> = held.iter().map(|h| &h.ping).collect();
            let mut by_monitor: Vec<(String, Vec<PendingPing>)> = Vec::new();
            for ping in pending.iter().copied() {
                match by_monitor.iter_mut().find(|(m, _)| *m == ping.monitor_id) {
                    Some((_, group)) => group.push(ping.clone()),
                    None => by_monitor.push((ping.monitor_id.clone(), vec![ping.clone()])),
                }
            }
            let db = database(&self.env)?;
            let mut flipped = false;
            for (monitor_id, group) in &by_monitor {
                // A monitor deleted meanwhile takes its pings with it.
                let Some(known) = self.known_state(&db, monitor_id).await? else {
                    continue;
                };
                let cover = self.hot.borrow().watched.map(|watched| Cover {
                    watched,
                    cover_ms: self.calm_ms + COVER_MARGIN_MS,
                });
                let flushed = flush_pings(&db, &known, group, PingHistoryIn::TokenObject, cover, now_ms()).await?;
                let mut hot = self.hot.borrow_mut();
                // D1 still names this token for the monitor: the binding is confirmed.
                let confirms = matches!(
                    (&hot.binding, &flushed.state, &hot.token),
                    (Cached::Known { value, .. }, Some(after), Some(token))
                        if value.monitor_id == after.id && after.ping_token == *token
                );
                if confirms {
                    hot.binding.confirmed(now_ms());
                }
                // Check-ins wait for the calm flush only while D1's deadline lies past it;
                // otherwise they go within the busy window, and the next tells afresh.
                let pushed = flushed
                    .state
                    .as_ref()
                    .map_or(true, |after| calm_may_wait(after.check_at, now_ms(), self.calm_ms));
                // (The checkpoint this flush writes saves that.)
                if hot.watched.is_some() && !pushed {
                    hot.end_calm();
                }
                hot.monitor = flushed.state;
                flipped |= flushed.flipped;
            }
            // D1 has applied them: say so in the checkpoint, with the hours that ended rolled
            // into hourly figures (their ring slots are then free to take new pings) and the
            // spilled pings that left the newest forgotten, in one transaction.
            let mut marks = self.hot.borrow().marks;
            marks.flushed_seq = upto + 1;
            if let Some(rolled) = roll_upto(&unrolled(&sql, marks.rolled_seq)?, self.slots) {
                cost_meter::object_rows(roll(&sql, marks.rolled_seq, rolled)?);
                marks.rolled_seq = rolled;
            }
            let next_seq = self.hot.borrow().ledger.next_seq;
            let out_of_ring = next_seq.saturating_sub(self.slots);
            cost_meter::object_rows(release_spill(&sql, marks.free_below().min(out_of_ring))?);
            let mut hot = self.hot.borrow_mut();
            hot.marks = marks;
            write_checkpoint(&sql, &hot.ledger, marks, saved_binding(&hot).as_ref())?;
            drop(hot);
            if flipped {
                deliver_due_after_flush(&self.state, &self.env, "a ping flip");
            }
            Ok(pending.len())
        }
        .await;
        let (rearm_in, failures) = {
            let mut hot = self.hot.borrow_mut();
            match &result {
                Ok(flushed) => {
                    let flushed = *flushed;
                    // Nothing listed means nothing is pending, whatever the count said.
                    hot.pending = if flushed == 0 {
                        0
                    } else {
                        hot.pending.saturating_sub(flushed)
                    };
                    hot.flush_backoff.succeeded();
                    hot.last_flush_at = Some(now_ms());
                }
                Err(e) => {
                    let attempt = hot.flush_backoff.failed();
                    worker::console_error!("flush to D1 failed (attempt {attempt}): {e}");
                }
            }
            // An alarm set before stays: the flush re-arms only for what is still held (more
            // than one batch, or a failure to retry).
            let rearm_in = hot.flush_backoff.next_flush_in(hot.pending > 0);
            if let Some(delay) = rearm_in {
                hot.armed_at = Some(now_ms() + delay);
            }
            (rearm_in, hot.flush_backoff.failures())
        };
        // Nothing held: the alarm set before the flush stays and finds nothing when it fires,
        // unless pings come before it, which it then flushes.
        if let Some(delay) = rearm_in {
            cost_meter::object_rows(1);
            if let Err(e) = storage.set_alarm(delay).await {
                // The safety alarm set before the flush still stands.
                worker::console_error!("could not re-arm flush after {failures} failures: {e}");
            }
        }
        self.tell_hold(result.is_ok()).await;
        result.map_err(|e| internal(format!("flush to D1 failed: {e}")))
    }

    /// After a flush: one that failed with pings held tells the token's shard, which the sweep
    /// asks before it judges a deadline long passed; the next that worked tells it no more.
    /// A shard that cannot be told is told after the next flush.
    async fn tell_hold(&self, flushed: bool) {
        let (token, change) = {
            let hot = self.hot.borrow();
            let change = match (flushed, hot.holding) {
                (false, false) if hot.pending > 0 => Some(true),
                (true, true) => Some(false),
                _ => None,
            };
            // An object restored from a checkpoint older than the saved token knows it from its
            // monitor's row (the token names the object unless it was rotated away since).
            let token = hot
                .token
                .clone()
                .or_else(|| hot.monitor.as_ref().map(|m| m.ping_token.clone()));
            (token, change)
        };
        let (Some(token), Some(holding)) = (token, change) else {
            return;
        };
        let told = match holding {
            true => deadline_shard::hold(&self.env, &token).await,
            false => deadline_shard::release(&self.env, &token).await,
        };
        match told {
            Ok(()) => self.hot.borrow_mut().holding = holding,
            Err(e) => worker::console_error!("telling the deadline shard of a held flush failed: {e}"),
        }
    }
}

/// The deadline a check-in leaves an up monitor that stays up (the one a flush would write to
/// D1), from the state the last flush left: `None` when the ping would change more than that.
fn calm_deadline(known: &StoredState, ping: &PendingPing, now: i64) -> Option<i64> {
    let mut state = known.state();
    let (schedule, zone) = (known.due_rule(), IntlZone::new(&known.tz));
    let signal = Signal {
        at: ping.received_at,
        kind: ping.input.kind,
        duration_ms: ping.duration_ms,
    };
    let flips = state.on_signals(&[signal], &known.rules(&schedule, &zone));
    if state.status != Status::Up || !flips.is_empty() {
        return None;
    }
    check_at(known, &state, &flips, now, known.alerts_look(&state, now))
}
