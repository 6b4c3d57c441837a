//! What the worker and a token's object say to each other: one path per call, the query
//! naming the token, the binding. The bodies are core's `PingInput`, `RecordOutcome`,
//! `LogQuery` and `LogAnswer`, and `FlushedLog`.

use crate::core::heartbeat::ping_log::LogAnswer;
use crate::core::http_contract::url_parts::query_pairs;
use crate::edge::durable::ObjectCall;

/// The object's binding (wrangler.toml); an object is named by its token.
pub const BINDING: &str = "PING_TOKEN";

/// A worker before this one named the token in this header; the object's own id is a hash of it.
pub const TOKEN_HEADER: &str = "x-edgebeat-token";

/// A `Record` call names its token in its query (`?token=`): ping tokens are URL-safe, and no
/// headers object is built for it.
const TOKEN_PARAM: &str = "token";

/// The URL of a `Record` call for `token`.
pub fn record_url(token: &str) -> String {
    format!("{}?{TOKEN_PARAM}={token}", Call::Record.url())
}

/// The token a `Record` call names in its URL (`None`: a worker before this one sent it in
/// `TOKEN_HEADER`).
pub fn recorded_token(url: &str) -> Option<String> {
    query_pairs(url)
        .into_iter()
        .find_map(|(name, value)| (name == TOKEN_PARAM).then_some(value))
}

/// A call to a token's object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// POST a `PingInput` (token in the query, `record_url`): answers a `RecordOutcome`.
    Record,
    /// The held pings, the window's count and whether a flush alarm stands (the specs and the
    /// bench's echo read it).
    State,
    /// Move held pings to D1 now; answers as `State` does. The sweep asks it before it judges
    /// the monitor, so its check-ins stop waiting for the calm flush too (as `Judge`).
    Hurry,
    /// Move every ping held so far to D1 and answer once they are there (`{"moved": bool}`,
    /// whether a flush ended in the last seconds; 503 when D1 refused them): a read sees every
    /// acknowledged ping.
    Flush,
    /// The sweep is about to judge the monitor and write D1's real deadline: as `Flush`, and its
    /// check-ins stop waiting for the calm flush until its shard is told afresh.
    Judge,
    /// POST a `LogQuery`: answers the object's `LogAnswer` (its part of the monitor's history).
    Log,
    /// POST a `LogQuery`: `Flush`, then `Log`, in one call (a list page that shows both the
    /// monitors' counters and their strips): `{"moved": bool, "flushed": bool, "log": LogAnswer}`,
    /// 200 also when the flush failed (`flushed` false: the log is whole either way).
    FlushLog,
    /// Every ping the object keeps and the hourly figures of those it no longer keeps, for
    /// moving them to D1 (`{"pings": [PendingPing], "pruned": [HourFigures]}`).
    Export,
    /// The token is dead: refuse it from the next ping on.
    Retire,
    /// Retire the token and forget everything stored (its monitor was deleted, or its history
    /// moved to D1).
    Wipe,
    /// The monitor changed: look the token up again on the next ping.
    Refresh,
    /// The bench's floor probe: write one durable row (the time, under a key of its own) and
    /// answer once it is written, with nothing.
    Floor,
}

impl ObjectCall for Call {
    const HOST: &'static str = "ping-token";
    const ALL: &'static [Self] = &[
        Call::Record,
        Call::State,
        Call::Hurry,
        Call::Flush,
        Call::Judge,
        Call::Log,
        Call::FlushLog,
        Call::Export,
        Call::Retire,
        Call::Wipe,
        Call::Refresh,
        Call::Floor,
    ];

    fn path(self) -> &'static str {
        match self {
            Call::Record => "/record",
            Call::State => "/state",
            Call::Hurry => "/hurry",
            Call::Flush => "/flush",
            Call::Judge => "/judge",
            Call::Log => "/log",
            Call::FlushLog => "/flush-log",
            Call::Export => "/export",
            Call::Retire => "/retire",
            Call::Wipe => "/wipe",
            Call::Refresh => "/refresh",
            Call::Floor => "/floor",
        }
    }
}

/// The answer to `Call::FlushLog`: a reader's flush and the token's part of the history.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct FlushedLog {
    /// As `Call::Flush` answers.
    pub moved: bool,
    /// The flush worked: D1 has every ping the token acknowledged before the call.
    pub flushed: bool,
    /// As `Call::Log` answers (whole whether the flush worked or not).
    pub log: Option<LogAnswer>,
}
