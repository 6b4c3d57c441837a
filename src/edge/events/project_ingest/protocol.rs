//! What the worker and a project's object say to each other: one path per call, the header
//! naming the project, the binding, and the bodies of a batch and its answer.

use serde::{Deserialize, Serialize};

use crate::core::events::event_store::EventSource;
use crate::core::events::ingest_admission::Forbidden;
use crate::edge::durable::ObjectCall;

/// The object's binding (wrangler.toml); an object is named by its project id (or a shard's).
pub const BINDING: &str = "PROJECT_INGEST";

/// The worker names the project in this header.
pub const PROJECT_HEADER: &str = "x-edgebeat-project";

/// A call to a project's object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// POST a batch (`AcceptMeta`, then one event per line): answers an `AcceptOutcome`.
    Accept,
    /// The month's usage and limits as the object counts them.
    Usage,
    /// What the object holds and what its flushes cost (the specs and the bench read it).
    State,
    /// POST `{"name"}`: how many held batches carry events of that name; flush them now.
    Hurry,
    /// POST a key id: the key was revoked, refuse it from the next batch on.
    ForgetKey,
    /// The project's status or limits changed: read them again on the next batch.
    Refresh,
}

impl ObjectCall for Call {
    const HOST: &'static str = "project-ingest";
    const ALL: &'static [Self] = &[
        Call::Accept,
        Call::Usage,
        Call::State,
        Call::Hurry,
        Call::ForgetKey,
        Call::Refresh,
    ];

    fn path(self) -> &'static str {
        match self {
            Call::Accept => "/accept",
            Call::Usage => "/usage",
            Call::State => "/state",
            Call::Hurry => "/hurry",
            Call::ForgetKey => "/forget-key",
            Call::Refresh => "/refresh",
        }
    }
}

/// What the worker sends with a batch: this is the first line of the request body, and each
/// further line is one event (`event_store::pending_line`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AcceptMeta {
    pub key_id: String,
    /// SHA-256 (hex) of the presented secret: the secret itself never leaves the worker.
    pub secret_hash: String,
    pub source: EventSource,
    pub origin: Option<String>,
    /// Each event's `event_id`, in line order.
    pub event_ids: Vec<Option<String>>,
    /// The batch's distinct event names (the sweep asks whether a name is still pending).
    pub names: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitedBy {
    Key,
    Project,
}

/// The object's answer to a batch: its variant in `outcome` beside its fields, read through
/// `AcceptJson` (not serde's buffering of internally tagged enums).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case", try_from = "AcceptJson")]
pub enum AcceptOutcome {
    /// `accepted` counts every event (a duplicate too); `stored`, those new within 24 h.
    Accepted {
        accepted: u64,
        stored: u64,
    },
    UnknownKey,
    Forbidden {
        reason: Forbidden,
    },
    QuotaExceeded {
        limit: u64,
        resets_at: i64,
    },
    Limited {
        by: LimitedBy,
        retry_after_s: i64,
    },
}

/// An `AcceptOutcome` as its JSON has it: the variant's name and every variant's fields.
#[derive(Deserialize)]
struct AcceptJson {
    outcome: String,
    accepted: Option<u64>,
    stored: Option<u64>,
    reason: Option<Forbidden>,
    limit: Option<u64>,
    resets_at: Option<i64>,
    by: Option<LimitedBy>,
    retry_after_s: Option<i64>,
}

impl TryFrom<AcceptJson> for AcceptOutcome {
    type Error = String;

    fn try_from(json: AcceptJson) -> Result<Self, String> {
        let outcome = json.outcome;
        let missing = || format!("outcome {outcome}: a field missing");
        Ok(match outcome.as_str() {
            "accepted" => AcceptOutcome::Accepted {
                accepted: json.accepted.ok_or_else(missing)?,
                stored: json.stored.ok_or_else(missing)?,
            },
            "unknown_key" => AcceptOutcome::UnknownKey,
            "forbidden" => AcceptOutcome::Forbidden {
                reason: json.reason.ok_or_else(missing)?,
            },
            "quota_exceeded" => AcceptOutcome::QuotaExceeded {
                limit: json.limit.ok_or_else(missing)?,
                resets_at: json.resets_at.ok_or_else(missing)?,
            },
            "limited" => AcceptOutcome::Limited {
                by: json.by.ok_or_else(missing)?,
                retry_after_s: json.retry_after_s.ok_or_else(missing)?,
            },
            _ => return Err(format!("unknown outcome {outcome}")),
        })
    }
}
