//! What the worker and a token's object say to each other: one path per call, the header
//! naming the token, the binding. The bodies are core's `PingInput` and `RecordOutcome`.

/// The object's binding (wrangler.toml); an object is named by its token.
pub const BINDING: &str = "PING_TOKEN";

/// The worker names the token in this header; the object's own id is a hash of it.
pub const TOKEN_HEADER: &str = "x-edgebeat-token";

/// A call to a token's object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// POST a `PingInput` (token in `TOKEN_HEADER`): answers a `RecordOutcome`.
    Record,
    /// The held pings and the window's count (the specs and the bench's echo read it).
    State,
    /// Move held pings to D1 now; answers as `State` does.
    Hurry,
    /// The token is dead: refuse it from the next ping on.
    Retire,
    /// The monitor changed: look the token up again on the next ping.
    Refresh,
}

const CALLS: [Call; 5] = [Call::Record, Call::State, Call::Hurry, Call::Retire, Call::Refresh];

impl Call {
    pub fn path(self) -> &'static str {
        match self {
            Call::Record => "/record",
            Call::State => "/state",
            Call::Hurry => "/hurry",
            Call::Retire => "/retire",
            Call::Refresh => "/refresh",
        }
    }

    /// The call a request's path names (the object's side).
    pub fn of_path(path: &str) -> Option<Self> {
        CALLS.into_iter().find(|call| call.path() == path)
    }

    /// The URL the worker fetches (the stub routes it to the object; the host is a label).
    pub fn url(self) -> String {
        format!("https://ping-token{}", self.path())
    }
}
