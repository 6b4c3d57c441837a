//! The machinery both Durable Objects that hold data for D1 share (`ping_token`, a token's
//! pings; `project_ingest`, a project's events): restoring in the first event, single-flight
//! lookups, one flush at a time, bringing the flush alarm forward, webhooks after a flush. Their rules (when a
//! lookup expires, when an alarm needs setting, the flush backoff) live in core.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use worker::{Env, Result, State, Storage};

use crate::core::flush_schedule::alarm_needed;
use crate::edge::alerting::notifier::deliver_due;
use crate::edge::db::now_ms;

/// An error with no better name (stored JSON that does not parse, a malformed request from
/// the worker): the object's answer fails and the worker reports it.
pub fn internal(e: impl std::fmt::Display) -> worker::Error {
    worker::Error::RustError(e.to_string())
}

/// The calls a Durable Object answers, each one path that both sides name: the worker fetches
/// `url()`, the object matches `of_path()`.
pub trait ObjectCall: Copy + 'static {
    /// The host of the URLs the worker fetches (the stub routes them to the object; a label).
    const HOST: &'static str;
    /// Every call, for the object's side to match a path against.
    const ALL: &'static [Self];

    fn path(self) -> &'static str;

    /// The call a request's path names (the object's side).
    fn of_path(path: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|call| call.path() == path)
    }

    /// The URL the worker fetches.
    fn url(self) -> String {
        format!("https://{}{}", Self::HOST, self.path())
    }
}

/// Whether this instance of an object has rebuilt its memory from storage.
///
/// Both objects restore in the first event of an instance (`ready` at the top of every fetch
/// and alarm), never in their constructor. After a reset of the Wasm application (a panic
/// anywhere in the isolate) the runtime rebuilds the object inside the very event that finds
/// it reset: that event is already delivered, so a gate the constructor closes does not hold
/// it back, and it would run on an empty memory (a token answering from an empty ledger, a
/// project's held batches with no flush armed). `ready` holds that event, and every other,
/// until the restore is done, whichever event comes first.
#[derive(Default)]
pub struct Startup {
    restored: Rc<Cell<bool>>,
}

impl Startup {
    /// Runs `restore` once per instance with every other event held back. A failed restore
    /// fails the gate, which resets the object: the next event restores from storage again.
    pub async fn ready(&self, state: &State, restore: impl Future<Output = Result<()>> + 'static) -> Result<()> {
        if self.restored.get() {
            return Ok(());
        }
        let restored = self.restored.clone();
        state
            .block_concurrency_while(async move {
                if restored.get() {
                    return Ok(());
                }
                restore.await?;
                restored.set(true);
                Ok(())
            })
            .await
    }
}

/// A D1 lookup that other events wait for: concurrent first requests look up once, and a
/// revocation cannot interleave with a lookup that would undo it. `cached` answers from the
/// object's memory (asked again once the gate is held); `look_up` asks D1 and remembers what
/// it found.
pub async fn look_up_once<T: 'static>(
    state: &State,
    cached: impl Fn() -> Option<T> + 'static,
    look_up: impl Future<Output = Result<T>> + 'static,
) -> Result<T> {
    if let Some(answer) = cached() {
        return Ok(answer);
    }
    state
        .block_concurrency_while(async move {
            if let Some(answer) = cached() {
                return Ok(Ok(answer));
            }
            // An error is returned as a value: an Err here would reset the object.
            Ok(look_up.await)
        })
        .await?
}

/// Sets the flush alarm to fire now unless one is set to fire by `due_by`; answers whether it
/// set it (one storage row written).
pub async fn arm_flush_by(storage: &Storage, due_by: i64) -> Result<bool> {
    if !alarm_needed(storage.get_alarm().await?, due_by) {
        return Ok(false);
    }
    storage.set_alarm(0i64).await?;
    Ok(true)
}

/// A flush that applied a flip (or stored an error digest) made webhooks due: they go out now,
/// beside the event, not at the next cron run. Claims keep a concurrent sweep from sending the
/// same delivery twice.
pub fn deliver_due_after_flush(state: &State, env: &Env, what: &'static str) {
    let env = env.clone();
    state.wait_until(async move {
        if let Err(e) = deliver_due(&env, now_ms()).await {
            worker::console_error!("webhooks after {what} failed: {e}");
        }
    });
}

/// One flush at a time in an object instance, whoever starts it (the alarm, or a reader that
/// wants its pings in D1 now); whoever finds one running waits for it to end.
#[derive(Default)]
pub struct SingleFlight {
    running: Cell<bool>,
    /// Bumped each time a run ends, so a waiter knows the run it waited for is over.
    ended_runs: Cell<u64>,
    waiters: RefCell<Vec<Waker>>,
}

impl SingleFlight {
    /// Claims the flight; `false` when a run is already going.
    pub fn try_start(&self) -> bool {
        !self.running.replace(true)
    }

    /// Ends the run and wakes everyone waiting for it.
    pub fn finish(&self) {
        self.running.set(false);
        self.ended_runs.set(self.ended_runs.get() + 1);
        for waker in self.waiters.borrow_mut().drain(..) {
            waker.wake();
        }
    }

    /// Resolves when the run going now ends (at once when none is going).
    pub fn ended(&self) -> RunEnded<'_> {
        RunEnded {
            flight: self,
            running_at: self.running.get().then(|| self.ended_runs.get()),
        }
    }
}

/// The future of `SingleFlight::ended`.
pub struct RunEnded<'a> {
    flight: &'a SingleFlight,
    running_at: Option<u64>,
}

impl Future for RunEnded<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.running_at {
            Some(runs) if self.flight.ended_runs.get() == runs => {
                self.flight.waiters.borrow_mut().push(cx.waker().clone());
                Poll::Pending
            }
            _ => Poll::Ready(()),
        }
    }
}
