//! The project's Durable Object: its calls (one per `protocol::Call`), its alarm, and its
//! startup; what each call does is in the file named after its job.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde::Deserialize;
use worker::{DurableObject, Env, Request, Response, Result, State};

use super::memory::{FlushStats, Hot, Project, ProjectIngest};
use super::protocol::{Call, PROJECT_HEADER};
use super::tables::{pending_counts, pending_with_name, SCHEMA};
use crate::core::cached_lookup::Cached;
use crate::core::flush_schedule::{FlushBackoff, SAFETY_REARM_MS};
use crate::edge::db::now_ms;
use crate::edge::durable::ObjectCall;
use crate::edge::durable::{arm_flush_by, Startup};
use crate::edge::object_fetch::asked;

impl DurableObject for ProjectIngest {
    fn new(state: State, env: Env) -> Self {
        let hot = Rc::new(RefCell::new(Hot {
            project: Cached::Unresolved,
            keys: HashMap::new(),
            meters: None,
            buckets: HashMap::new(),
            flush_armed: false,
            flushing: false,
            flush_backoff: FlushBackoff::default(),
            stats: FlushStats::default(),
        }));
        Self {
            project: Rc::new(Project {
                state,
                env,
                startup: Startup::default(),
                hot,
            }),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let project = &self.project;
        project.ready().await?;
        let project_id = req.headers().get(PROJECT_HEADER)?.unwrap_or_default();
        let Some(call) = Call::of_path(&req.path()) else {
            return Response::error("not found", 404);
        };
        match call {
            Call::Accept => {
                let body = req.text().await?;
                Response::from_json(&project.accept(&project_id, &body).await?)
            }
            Call::Usage => project.usage(&project_id).await,
            Call::State => project.state_answer(),
            // The sweep, about to call an event-fed monitor down, asks whether events of its
            // name are still on their way; this also restarts a flush whose alarm was lost.
            Call::Hurry => {
                #[derive(Deserialize)]
                struct Ask {
                    name: String,
                }
                let ask: Ask = asked(&req).await?;
                let waiting = pending_with_name(&project.state.storage().sql(), &ask.name)?;
                if waiting > 0 && arm_flush_by(&project.state.storage(), now_ms() + 1_000).await? {
                    project.hot.borrow_mut().flush_armed = true;
                }
                Response::from_json(&serde_json::json!({ "pending": waiting }))
            }
            // A key was revoked in D1: refuse it from the very next request.
            Call::ForgetKey => {
                let key_id = req.text().await?;
                project.hot.borrow_mut().keys.insert(key_id, Cached::Revoked);
                Response::empty()
            }
            // The project's status or limits changed in D1: read them again on the next batch.
            Call::Refresh => {
                project.hot.borrow_mut().project.forget();
                Response::empty()
            }
        }
    }

    async fn alarm(&self) -> Result<Response> {
        let project = &self.project;
        project.ready().await?;
        // The flush decides the next alarm; this one only stands if the flush never finishes.
        project.state.storage().set_alarm(SAFETY_REARM_MS).await?;
        // The alarm event ends now and the flush goes on by itself, as the token's object
        // does (`ping_token::object`): a flush cut off by a reset of the Wasm application
        // (its awaits then never resume) must not hold up the object's alarms, so the safety
        // alarm can run it again. One flush at a time; a new instance starts with none.
        if !std::mem::replace(&mut project.hot.borrow_mut().flushing, true) {
            let flushing = project.clone();
            project.state.wait_until(async move {
                if let Err(e) = flushing.flush_due().await {
                    worker::console_error!("event flush stopped: {e}");
                }
                flushing.hot.borrow_mut().flushing = false;
            });
        }
        Response::empty()
    }
}

impl Project {
    /// Before the first event of this instance does anything, the schema exists and batches
    /// held by a previous life have a flush armed (`durable::Startup` says why not in the
    /// constructor).
    async fn ready(&self) -> Result<()> {
        let (hot, storage) = (self.hot.clone(), self.state.storage());
        let restore = async move {
            let sql = storage.sql();
            sql.exec(SCHEMA, None)?;
            let (batches, _) = pending_counts(&sql)?;
            // Any alarm already set will flush them.
            if batches > 0 {
                arm_flush_by(&storage, i64::MAX).await?;
            }
            hot.borrow_mut().flush_armed = batches > 0;
            Ok(())
        };
        self.startup.ready(&self.state, restore).await
    }
}
