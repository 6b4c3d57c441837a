//! What every ping dialect records about the request besides its own fields.

use worker::Request;

use crate::core::heartbeat::ping::{truncate_utf8, PingInput, PingKind, PingSource, MAX_MESSAGE, MAX_USER_AGENT};
use crate::core::http_contract::validation::{scrub, TextRule};

pub fn ping_input(req: &Request, source: PingSource, kind: PingKind) -> PingInput {
    let header = |name: &str| req.headers().get(name).ok().flatten();
    PingInput {
        source,
        kind,
        method: req.method().to_string(),
        value: None,
        message: None,
        exit_status: None,
        run_id: None,
        client_ip: header("cf-connecting-ip"),
        user_agent: header("user-agent").map(|ua| scrub(TextRule::Line, truncate_utf8(&ua, MAX_USER_AGENT))),
    }
}

/// The first `MAX_MESSAGE` bytes of a body as text; `None` when empty.
pub fn message_from(bytes: &[u8]) -> Option<String> {
    let cut = &bytes[..bytes.len().min(MAX_MESSAGE)];
    let text = String::from_utf8_lossy(cut);
    // A multi-byte character split by the cut shows as U+FFFD; drop it.
    let text = text.trim_end_matches('\u{FFFD}');
    (!text.is_empty()).then(|| scrub(TextRule::Free, text))
}
