//! The project's object (`ProjectIngest`) and what it keeps in memory between events; its
//! calls, admission, flush and answers are written in the files beside this one.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde::Serialize;
use worker::{durable_object, Env, State};

use crate::core::cached_lookup::Cached;
use crate::core::events::ingest_admission::{KeyFacts, ProjectMeters};
use crate::core::events::token_bucket::TokenBucket;
use crate::core::flush_schedule::FlushBackoff;
use crate::edge::durable::Startup;
use crate::edge::events::event_rows::ProjectLimits;

#[durable_object]
pub struct ProjectIngest {
    pub(super) project: Rc<Project>,
}

/// The object's state and behaviour, shared with a flush that outlives the alarm event.
pub(super) struct Project {
    pub(super) state: State,
    pub(super) env: Env,
    pub(super) startup: Startup,
    pub(super) hot: Rc<RefCell<Hot>>,
}

/// What the object remembers between events; rebuilt from storage and D1 by a new instance.
pub(super) struct Hot {
    pub project: Cached<ProjectLimits>,
    pub keys: HashMap<String, Cached<KeyFacts>>,
    pub meters: Option<ProjectMeters>,
    pub buckets: HashMap<String, TokenBucket>,
    pub flush_armed: bool,
    /// A flush runs beside the alarm that started it (`object.rs`, `alarm`).
    pub flushing: bool,
    pub flush_backoff: FlushBackoff,
    pub stats: FlushStats,
}

/// What the flushes cost D1 since this object started (the benchmark reads it).
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub(super) struct FlushStats {
    pub flushes: u64,
    pub events: u64,
    pub statements: u64,
    pub rows_written: u64,
    pub monitors_fed: u64,
    /// Time spent waiting for D1's batch (wall clock, as the object sees it).
    pub d1_ms: u64,
}
