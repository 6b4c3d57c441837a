//! What the worker and a deadline shard say to each other.

use serde::{Deserialize, Serialize};

use crate::core::heartbeat::deadline_watch::Watch;
use crate::edge::durable::ObjectCall;

/// The shards' binding (wrangler.toml); shard `n` is the object named `shard-{n}`.
pub const BINDING: &str = "DEADLINE_SHARD";

/// A call to a shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// POST a `Tell`: answers `Told`.
    Tell,
    /// POST an `OverdueAsk`: answers the `Overdue` deadlines, earliest first.
    Overdue,
    /// POST the `Settled` list the sweep decided: answers nothing.
    Settle,
    /// How many deadlines it watches and whether some changed since its snapshot (the specs read
    /// it).
    State,
}

impl ObjectCall for Call {
    const HOST: &'static str = "deadline-shard";
    const ALL: &'static [Self] = &[Call::Tell, Call::Overdue, Call::Settle, Call::State];

    fn path(self) -> &'static str {
        match self {
            Call::Tell => "/tell",
            Call::Overdue => "/overdue",
            Call::Settle => "/settle",
            Call::State => "/state",
        }
    }
}

/// A check-in's deadline, told by its token's object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tell {
    /// The shard's own number, which it registers in D1 for the sweep.
    pub shard: u32,
    pub monitor_id: String,
    pub watch: Watch,
}

/// The deadline the shard's snapshot holds for the monitor (`None`: none yet).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Told {
    pub durable: Option<i64>,
}

/// The sweep's question: deadlines passed by `at`, at most `limit`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct OverdueAsk {
    pub at: i64,
    pub limit: usize,
}
