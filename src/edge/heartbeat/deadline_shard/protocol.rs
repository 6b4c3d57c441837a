//! What the worker and a deadline shard say to each other.

use serde::{Deserialize, Serialize};

use crate::core::heartbeat::deadline_watch::Watch;
pub use crate::core::heartbeat::deadline_watch::{OverdueAnswer, OverdueReply};
use crate::edge::durable::ObjectCall;

/// The shards' binding (wrangler.toml); shard `n` is the object named `shard-{n}`.
pub const BINDING: &str = "DEADLINE_SHARD";

/// A call to a shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// POST a `Tell`: answers `Told`.
    Tell,
    /// POST an `OverdueAsk`: answers an `OverdueAnswer` (the deadlines passed, earliest first,
    /// and the tokens held).
    Overdue,
    /// POST the `Settled` list the sweep decided: answers nothing.
    Settle,
    /// How many deadlines it watches, whether some changed since its snapshot, and how many
    /// tokens it holds (the specs read it).
    State,
    /// POST a `Hold`: a token's object whose flush failed holds pings D1 lacks (a row, at once,
    /// and the shard registered in D1 before the answer, so the sweep asks it).
    Hold,
    /// POST a token (JSON string): its object's flush worked again.
    Release,
}

impl ObjectCall for Call {
    const HOST: &'static str = "deadline-shard";
    const ALL: &'static [Self] = &[
        Call::Tell,
        Call::Overdue,
        Call::Settle,
        Call::State,
        Call::Hold,
        Call::Release,
    ];

    fn path(self) -> &'static str {
        match self {
            Call::Tell => "/tell",
            Call::Overdue => "/overdue",
            Call::Settle => "/settle",
            Call::State => "/state",
            Call::Hold => "/hold",
            Call::Release => "/release",
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
    /// The token whose object told it (the shard has that object flush when the deadline
    /// passes); kept in memory only.
    #[serde(default)]
    pub token: Option<String>,
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

/// A token whose object holds pings its flushes failed to move to D1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    /// The shard's own number (it registers in D1 before it answers).
    pub shard: u32,
    pub token: String,
}
