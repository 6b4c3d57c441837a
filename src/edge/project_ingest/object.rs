//! The project's Durable Object: its calls (one per `protocol::Call`), its alarm, and its
//! startup; what each call does is in the file named after its job.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde::Deserialize;
use worker::{DurableObject, Env, Request, Response, Result, State};

use super::memory::{FlushStats, Hot, ProjectIngest};
use super::protocol::{Call, PROJECT_HEADER};
use super::tables::{pending_counts, pending_with_name, SCHEMA};
use crate::core::cached_lookup::Cached;
use crate::core::flush_schedule::FlushBackoff;
use crate::edge::db::now_ms;
use crate::edge::durable::ObjectCall;
use crate::edge::durable::{arm_flush_by, Startup};

impl DurableObject for ProjectIngest {
    fn new(state: State, env: Env) -> Self {
        let hot = Rc::new(RefCell::new(Hot {
            project: Cached::Unresolved,
            keys: HashMap::new(),
            meters: None,
            buckets: HashMap::new(),
            flush_armed: false,
            flush_backoff: FlushBackoff::default(),
            stats: FlushStats::default(),
        }));
        Self {
            state,
            env,
            startup: Startup::default(),
            hot,
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        self.ready().await?;
        let project_id = req.headers().get(PROJECT_HEADER)?.unwrap_or_default();
        let Some(call) = Call::of_path(&req.path()) else {
            return Response::error("not found", 404);
        };
        match call {
            Call::Accept => {
                let body = req.text().await?;
                Response::from_json(&self.accept(&project_id, &body).await?)
            }
            Call::Usage => self.usage(&project_id).await,
            Call::State => self.state_answer(),
            // The sweep, about to call an event-fed monitor down, asks whether events of its
            // name are still on their way; this also restarts a flush whose alarm was lost.
            Call::Hurry => {
                #[derive(Deserialize)]
                struct Ask {
                    name: String,
                }
                let ask: Ask = req.json().await?;
                let waiting = pending_with_name(&self.state.storage().sql(), &ask.name)?;
                if waiting > 0 && arm_flush_by(&self.state.storage(), now_ms() + 1_000).await? {
                    self.hot.borrow_mut().flush_armed = true;
                }
                Response::from_json(&serde_json::json!({ "pending": waiting }))
            }
            // A key was revoked in D1: refuse it from the very next request.
            Call::ForgetKey => {
                let key_id = req.text().await?;
                self.hot.borrow_mut().keys.insert(key_id, Cached::Revoked);
                Response::empty()
            }
            // The project's status or limits changed in D1: read them again on the next batch.
            Call::Refresh => {
                self.hot.borrow_mut().project.forget();
                Response::empty()
            }
        }
    }

    async fn alarm(&self) -> Result<Response> {
        self.ready().await?;
        self.flush_due().await?;
        Response::empty()
    }
}

impl ProjectIngest {
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
