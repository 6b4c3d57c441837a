//! Event routing (issue 18, rule 8): a project's ordered rules saying who is told of which
//! events, and how loudly. A rule matches an event's type and a name glob (`*` any run of
//! characters, `?` one character); the first rule that matches decides. Events no rule
//! matches keep the defaults of seed 003: errors go to the 10-minute digest of channels with
//! `notify_errors`, business events are silent (a `daily` rule opts channels into their
//! rollup).
//!
//! Why a browser key never pages: its key sits in page source, so anyone may send its
//! events. An `immediate` rule fires only for events of keys that may feed monitors
//! (`Scope::feeds_monitors`); a browser key's are told in the rule's digest instead, the
//! same ceiling as today's default error digest.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::core::events::event::EventKind;
use crate::core::events::event_store::{ErrorTally, FlushedEvent};
use crate::core::http_contract::validation::{parse_uuid, Checked, FieldError};
use crate::core::time::format_rfc3339;

/// Rules per project.
pub const MAX_ROUTES: usize = 50;
/// Channels per rule.
pub const MAX_ROUTE_CHANNELS: usize = 20;
/// A glob's length in characters (an event name's longest).
pub const MAX_GLOB_CHARS: usize = 200;
/// Immediate alerts per channel in one flush: past them, the rest of a storm goes to that
/// channel's digest, so a burst of errors never buries a channel under thousands of messages.
pub const IMMEDIATE_PER_FLUSH: usize = 10;

/// How a matched event is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteMode {
    /// One alert per event, at the flush that stores it.
    Immediate,
    /// At most one message per event name and channel per 10 minutes, with the count.
    Digest,
    /// Only in the daily rollup (count, sum, change against the day before, per name).
    Daily,
}

impl RouteMode {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "immediate" => Some(Self::Immediate),
            "digest" => Some(Self::Digest),
            "daily" => Some(Self::Daily),
            _ => None,
        }
    }
}

/// One rule: which events (type and name glob), which channels, how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRoute {
    #[serde(rename = "match")]
    pub matcher: RouteMatch,
    /// Channel ids of the project; empty: matched events are told nowhere (silenced).
    pub channels: Vec<String>,
    pub mode: RouteMode,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteMatch {
    #[serde(rename = "type")]
    pub kind: EventKind,
    pub name_glob: String,
}

/// Whether `name` matches `glob`: `*` is any run of characters (none included), `?` exactly
/// one, every other character itself. Linear backtracking over the last `*`, so a hostile
/// glob costs at most glob x name steps.
pub fn glob_matches(glob: &str, name: &str) -> bool {
    let (g, n): (Vec<char>, Vec<char>) = (glob.chars().collect(), name.chars().collect());
    let (mut gi, mut ni) = (0, 0);
    // Where the last `*` was, and the name position it is retried from.
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match g.get(gi) {
            Some('*') => {
                star = Some((gi, ni));
                gi += 1;
            }
            Some(&c) if c == '?' || c == n[ni] => {
                gi += 1;
                ni += 1;
            }
            _ => match star {
                Some((s, from)) => {
                    gi = s + 1;
                    ni = from + 1;
                    star = Some((s, from + 1));
                }
                None => return false,
            },
        }
    }
    g[gi..].iter().all(|c| *c == '*')
}

impl EventRoute {
    pub fn matches(&self, kind: EventKind, name: &str) -> bool {
        self.matcher.kind == kind && glob_matches(&self.matcher.name_glob, name)
    }
}

/// The rule that decides an event: the first that matches, or none (the defaults).
pub fn route_for<'a>(routes: &'a [EventRoute], kind: EventKind, name: &str) -> Option<&'a EventRoute> {
    routes.iter().find(|r| r.matches(kind, name))
}

/// What happens to one stored event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling<'a> {
    /// No rule matched: an error joins the default digest, a business event is silent.
    Default,
    /// One alert per channel now.
    Immediate(&'a [String]),
    /// Counted into each channel's digest of its name.
    Digest(&'a [String]),
    /// Told only in the daily rollup (nothing at flush time).
    Daily,
}

/// How an event of `kind` and `name` is told, sent by a key that may page (`may_page`:
/// manage and ingest keys) or not (a browser key, or a sender not recorded): an immediate
/// rule pages only for the first, and is a digest for the others.
pub fn handling<'a>(routes: &'a [EventRoute], kind: EventKind, name: &str, may_page: bool) -> Handling<'a> {
    match route_for(routes, kind, name) {
        None => Handling::Default,
        Some(r) => match r.mode {
            RouteMode::Immediate if may_page => Handling::Immediate(&r.channels),
            RouteMode::Immediate | RouteMode::Digest => Handling::Digest(&r.channels),
            RouteMode::Daily => Handling::Daily,
        },
    }
}

/// Whether a flushed event was sent by a key that may page: only a sender recorded as one
/// that feeds monitors (manage, ingest). A browser key's, or a line held before senders were
/// recorded, may not.
pub fn may_page(event: &FlushedEvent) -> bool {
    event.feeds_monitors == Some(true)
}

/// Events of one name and type waiting in one channel's digest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DigestTally {
    pub channel_id: String,
    pub kind: EventKind,
    pub name: String,
    pub count: u64,
    pub message: Option<String>,
    pub last_at: i64,
}

/// One alert to queue now: a channel and the frozen payload it is told.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImmediateAlert {
    pub channel_id: String,
    /// `error_alert` or `event_alert`.
    pub event: &'static str,
    pub payload: String,
}

/// What a flush's events ask of the channels under the project's rules.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoutedFlush {
    /// Errors no rule matched: today's digest, to channels with `notify_errors`.
    pub default_errors: Vec<ErrorTally>,
    pub digests: Vec<DigestTally>,
    pub immediate: Vec<ImmediateAlert>,
}

impl RoutedFlush {
    /// Whether anything is to be told (so deliveries are due after the flush).
    pub fn tells_anyone(&self) -> bool {
        !(self.default_errors.is_empty() && self.digests.is_empty() && self.immediate.is_empty())
    }
}

/// The payload an immediate alert freezes: the webhook kind's body, and what every other
/// kind renders from.
pub fn immediate_payload(project_id: &str, e: &FlushedEvent) -> String {
    json!({
        "event": alert_event_of(e.kind),
        "project": {"id": project_id},
        "matched": {
            "id": e.id,
            "type": e.kind.as_str(),
            "name": e.name,
            "message": e.message,
            "value": e.value,
            "at": format_rfc3339(e.ts),
        },
    })
    .to_string()
}

fn alert_event_of(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Error => "error_alert",
        EventKind::Event => "event_alert",
    }
}

/// A tally keyed by (channel, type, name): the count, the latest time and the latest
/// message (of equal times, the one sent last).
#[derive(Default)]
struct Tallies<'a> {
    by_key: BTreeMap<(&'a str, EventKind, &'a str), (DigestTally, i64)>,
}

impl<'a> Tallies<'a> {
    fn add(&mut self, channel_id: &'a str, e: &'a FlushedEvent) {
        let (tally, message_at) = self.by_key.entry((channel_id, e.kind, &e.name)).or_insert_with(|| {
            (
                DigestTally {
                    channel_id: channel_id.to_string(),
                    kind: e.kind,
                    name: e.name.clone(),
                    count: 0,
                    message: None,
                    last_at: e.ts,
                },
                i64::MIN,
            )
        });
        tally.count += 1;
        tally.last_at = tally.last_at.max(e.ts);
        if let Some(message) = e.message.as_ref().filter(|m| !m.is_empty()) {
            if e.ts >= *message_at {
                tally.message = Some(message.clone());
                *message_at = e.ts;
            }
        }
    }

    fn into_tallies(self) -> Vec<DigestTally> {
        self.by_key.into_values().map(|(t, _)| t).collect()
    }
}

/// What a flush's events ask for under `routes`, each list in a stable order. With no
/// routes, every error is a default error: exactly the digest edgebeat always sent.
pub fn route_flush(project_id: &str, routes: &[EventRoute], events: &[FlushedEvent]) -> RoutedFlush {
    let mut defaults = Tallies::default();
    let mut digests = Tallies::default();
    let mut immediate = Vec::new();
    let mut sent_now: BTreeMap<&str, usize> = BTreeMap::new();
    for e in events {
        match handling(routes, e.kind, &e.name, may_page(e)) {
            Handling::Default if e.kind == EventKind::Error => defaults.add("", e),
            Handling::Default | Handling::Daily => {}
            Handling::Digest(channels) => channels.iter().for_each(|c| digests.add(c, e)),
            Handling::Immediate(channels) => {
                for c in channels {
                    let sent = sent_now.entry(c).or_default();
                    if *sent < IMMEDIATE_PER_FLUSH {
                        *sent += 1;
                        immediate.push(ImmediateAlert {
                            channel_id: c.clone(),
                            event: alert_event_of(e.kind),
                            payload: immediate_payload(project_id, e),
                        });
                    } else {
                        digests.add(c, e);
                    }
                }
            }
        }
    }
    RoutedFlush {
        default_errors: defaults
            .into_tallies()
            .into_iter()
            .map(|t| ErrorTally {
                name: t.name,
                count: t.count,
                message: t.message,
                last_at: t.last_at,
            })
            .collect(),
        digests: digests.into_tallies(),
        immediate,
    }
}

/// The rules of a `PUT /v1/event-routes` body (`{"routes": [...]}`), checked: at most
/// `MAX_ROUTES`, each `{match: {type, name_glob}, channels, mode}`. Channel ids come back
/// canonical; whether they are the project's is the caller's to check. Unknown fields are
/// ignored, as everywhere in the API.
pub fn parse_routes(body: &Map<String, Value>) -> Checked<Vec<EventRoute>> {
    let list = match body.get("routes") {
        Some(Value::Array(list)) => list,
        None => return Err(FieldError::new("routes", "is required")),
        Some(_) => return Err(FieldError::new("routes", "must be an array of rules")),
    };
    if list.len() > MAX_ROUTES {
        return Err(FieldError::new(
            "routes",
            format!("must hold at most {MAX_ROUTES} rules"),
        ));
    }
    list.iter().enumerate().map(|(i, rule)| parse_route(i, rule)).collect()
}

fn parse_route(i: usize, rule: &Value) -> Checked<EventRoute> {
    let at = |field: &str| format!("routes[{i}]{field}");
    let rule = rule
        .as_object()
        .ok_or_else(|| FieldError::new(&at(""), "must be an object"))?;
    let matcher = rule
        .get("match")
        .ok_or_else(|| FieldError::new(&at(".match"), "is required"))?
        .as_object()
        .ok_or_else(|| FieldError::new(&at(".match"), "must be an object"))?;
    let kind = match matcher.get("type").and_then(Value::as_str) {
        Some("event") => EventKind::Event,
        Some("error") => EventKind::Error,
        _ => return Err(FieldError::new(&at(".match.type"), "must be event or error")),
    };
    let name_glob = match matcher.get("name_glob") {
        Some(Value::String(glob)) => glob_fault(glob).map_or(Ok(glob.clone()), |why| {
            Err(FieldError::new(&at(".match.name_glob"), why))
        })?,
        _ => return Err(FieldError::new(&at(".match.name_glob"), "is required, a string")),
    };
    let mode = rule
        .get("mode")
        .and_then(Value::as_str)
        .and_then(RouteMode::parse)
        .ok_or_else(|| FieldError::new(&at(".mode"), "must be immediate, digest or daily"))?;
    let raw = rule
        .get("channels")
        .and_then(Value::as_array)
        .ok_or_else(|| FieldError::new(&at(".channels"), "must be an array of channel ids"))?;
    if raw.len() > MAX_ROUTE_CHANNELS {
        return Err(FieldError::new(
            &at(".channels"),
            format!("must hold at most {MAX_ROUTE_CHANNELS} channel ids"),
        ));
    }
    let mut channels: Vec<String> = Vec::with_capacity(raw.len());
    for id in raw {
        let id = id
            .as_str()
            .and_then(parse_uuid)
            .ok_or_else(|| FieldError::new(&at(".channels"), "must hold channel ids (UUIDs)"))?;
        if channels.contains(&id) {
            return Err(FieldError::new(&at(".channels"), "must not name a channel twice"));
        }
        channels.push(id);
    }
    Ok(EventRoute {
        matcher: RouteMatch { kind, name_glob },
        channels,
        mode,
    })
}

/// What is wrong with a name glob, if anything: 1 to 200 characters, one line, and no
/// brackets, braces or backslashes (only `*` and `?` are wildcards here; `?` matches those).
pub fn glob_fault(glob: &str) -> Option<&'static str> {
    let len = glob.chars().count();
    if len == 0 || len > MAX_GLOB_CHARS {
        return Some("must be 1 to 200 characters");
    }
    if glob.chars().any(|c| c.is_control()) {
        return Some("must be one line without control characters");
    }
    if glob.chars().any(|c| matches!(c, '[' | ']' | '{' | '}' | '\\')) {
        return Some("takes only * and ? as wildcards: [ ] { } and \\ are not allowed (? matches them)");
    }
    None
}

/// The distinct channel ids the rules name, in first-seen order.
pub fn channels_named(routes: &[EventRoute]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for id in routes.iter().flat_map(|r| &r.channels) {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    ids
}

/// Whether any rule sends a daily rollup (the cron looks only at such projects).
pub fn has_daily(routes: &[EventRoute]) -> bool {
    routes
        .iter()
        .any(|r| r.mode == RouteMode::Daily && !r.channels.is_empty())
}

#[cfg(test)]
mod tests;
