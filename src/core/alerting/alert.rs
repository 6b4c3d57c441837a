//! What an alert says, whatever channel carries it: built once from the delivery's frozen
//! payload (the JSON a webhook receives), then rendered by each kind in its own markup.

use serde_json::Value;

use crate::core::heartbeat::dependencies::dependents_line;
use crate::core::time::{format_rfc3339, parse_rfc3339};

/// Why a delivery was queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertEvent {
    Down,
    Up,
    /// `POST /v1/channels/{id}/test`: a sample alert.
    Test,
    /// Errors of one event name gathered over the digest window.
    ErrorDigest,
}

impl AlertEvent {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "down" => Some(Self::Down),
            "up" => Some(Self::Up),
            "test" => Some(Self::Test),
            "error_digest" => Some(Self::ErrorDigest),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Down => "down",
            Self::Up => "up",
            Self::Test => "test",
            Self::ErrorDigest => "error_digest",
        }
    }

    /// The word a title starts with.
    pub fn headline(self) -> &'static str {
        match self {
            Self::Down => "DOWN",
            Self::Up => "UP",
            Self::Test => "TEST",
            Self::ErrorDigest => "ERRORS",
        }
    }
}

/// The last ping a monitor received, as the alert tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastPing {
    pub at: i64,
    /// `success`, `fail`, `start`, `log`...
    pub result: String,
    pub exit_status: Option<i64>,
    pub message: Option<String>,
    pub duration_ms: Option<i64>,
}

/// The monitor an up or down alert is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorFacts {
    /// The stable, non-secret key (`uk_...`): what third parties may see and key on
    /// (PagerDuty's dedup key, Opsgenie's alias). Never the id, which may ping.
    pub unique_key: String,
    pub name: String,
    pub tags: Vec<String>,
    pub last_ping: Option<LastPing>,
    /// On recovery: when the monitor went down.
    pub down_since: Option<i64>,
}

/// An error-event digest: one event name's errors over the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDigest {
    pub name: String,
    pub count: i64,
    pub message: Option<String>,
    pub last_at: Option<i64>,
    pub window_minutes: i64,
}

/// Everything a channel may say about one delivery. Every text field is the user's own
/// (names, messages, tags): renderers escape it for their markup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub event: AlertEvent,
    /// The delivery's id: idempotency keys (Matrix txn id, delivery headers) derive from it.
    pub delivery_id: i64,
    /// When the flip happened (or the digest was queued, or the test sent).
    pub at: i64,
    /// Why, in words: the status machine's reason, or a test's or digest's explanation.
    pub reason: String,
    pub monitor: Option<MonitorFacts>,
    pub digest: Option<ErrorDigest>,
    /// The monitor's dashboard page (or the events page), when `PUBLIC_URL` is set.
    pub link: Option<String>,
    pub channel_name: String,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// A parent's down alert names its dependent monitors that are down with it (the payload's
/// `dependents`, `core::heartbeat::dependencies`) after its reason.
fn with_dependents(reason: String, payload: &Value) -> String {
    let Some(d) = payload.get("dependents") else {
        return reason;
    };
    let count = d.get("count").and_then(Value::as_i64).unwrap_or(0);
    let names: Vec<String> = d
        .get("names")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|n| n.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    match dependents_line(count, &names) {
        Some(line) if reason.is_empty() => line,
        Some(line) => format!("{reason}; {line}"),
        None => reason,
    }
}

fn time(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_str).and_then(parse_rfc3339)
}

impl Alert {
    /// The alert a delivery's payload describes; `public_url` is `PUBLIC_URL` without its
    /// trailing slash ("" when unset: no link). Unknown or malformed payloads still give an
    /// alert (a channel must say something), with what could be read.
    pub fn from_payload(
        event: AlertEvent,
        payload: &Value,
        delivery_id: i64,
        channel_name: &str,
        public_url: &str,
        now: i64,
    ) -> Alert {
        let base = public_url.trim_end_matches('/');
        let link_to = |path: String| (!base.is_empty()).then(|| format!("{base}{path}"));
        match event {
            AlertEvent::Down | AlertEvent::Up => {
                let m = payload.get("monitor").cloned().unwrap_or(Value::Null);
                let flip = payload.get("flip").cloned().unwrap_or(Value::Null);
                let last_ping = payload.get("last_ping").filter(|p| p.is_object()).and_then(|p| {
                    Some(LastPing {
                        at: time(p, "received_at")?,
                        result: text(p, "result").unwrap_or_default(),
                        exit_status: p.get("exit_status").and_then(Value::as_i64),
                        message: text(p, "message").filter(|s| !s.is_empty()),
                        duration_ms: p.get("duration_ms").and_then(Value::as_i64),
                    })
                });
                let unique_key = text(&m, "unique_key").unwrap_or_default();
                let tags = m
                    .get("tags")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_string)).collect())
                    .unwrap_or_default();
                let monitor = MonitorFacts {
                    name: text(&m, "name").unwrap_or_else(|| "unnamed monitor".into()),
                    tags,
                    last_ping,
                    down_since: time(&flip, "down_since"),
                    unique_key: unique_key.clone(),
                };
                Alert {
                    event,
                    delivery_id,
                    at: time(&flip, "at").unwrap_or(now),
                    reason: with_dependents(text(&flip, "reason").unwrap_or_default(), payload),
                    link: (!unique_key.is_empty())
                        .then(|| link_to(format!("/monitor?id={unique_key}")))
                        .flatten(),
                    monitor: Some(monitor),
                    digest: None,
                    channel_name: channel_name.to_string(),
                }
            }
            AlertEvent::ErrorDigest => {
                let e = payload.get("error").cloned().unwrap_or(Value::Null);
                let digest = ErrorDigest {
                    name: text(&e, "name").unwrap_or_default(),
                    count: e.get("count").and_then(Value::as_i64).unwrap_or(0),
                    message: text(&e, "message").filter(|s| !s.is_empty()),
                    last_at: time(&e, "last_at"),
                    window_minutes: payload.get("window_minutes").and_then(Value::as_i64).unwrap_or(10),
                };
                Alert {
                    event,
                    delivery_id,
                    at: digest.last_at.unwrap_or(now),
                    reason: format!(
                        "{} error event{} named {} in the last {} min",
                        digest.count,
                        if digest.count == 1 { "" } else { "s" },
                        digest.name,
                        digest.window_minutes
                    ),
                    link: link_to(format!("/events?type=error&name={}", percent_encode(&digest.name))),
                    monitor: None,
                    digest: Some(digest),
                    channel_name: channel_name.to_string(),
                }
            }
            AlertEvent::Test => Alert {
                event,
                delivery_id,
                at: now,
                reason: "a test alert, sent from edgebeat to check this channel".into(),
                monitor: None,
                digest: None,
                link: link_to("/channels".into()),
                channel_name: channel_name.to_string(),
            },
        }
    }

    /// What the alert is about: the monitor's name, the error name, or the channel's name.
    pub fn subject(&self) -> &str {
        match (&self.monitor, &self.digest) {
            (Some(m), _) => &m.name,
            (None, Some(d)) => &d.name,
            _ => &self.channel_name,
        }
    }

    /// The plain title: "DOWN: nightly backup" (unescaped; renderers escape it).
    pub fn title(&self) -> String {
        format!("{}: {}", self.event.headline(), self.subject())
    }

    /// The plain sentence that says what happened: "nightly backup is down: no ping by the
    /// due time plus grace."
    pub fn summary(&self) -> String {
        match self.event {
            AlertEvent::Down => format!("{} is down: {}.", self.subject(), self.reason),
            AlertEvent::Up => {
                let down_for = self
                    .monitor
                    .as_ref()
                    .and_then(|m| m.down_since)
                    .map(|since| format!(" after {}", duration_words(self.at - since)))
                    .unwrap_or_default();
                format!("{} is up again{down_for}: {}.", self.subject(), self.reason)
            }
            AlertEvent::Test => format!("This is {}.", self.reason),
            AlertEvent::ErrorDigest => format!("{}.", capitalize(&self.reason)),
        }
    }

    /// The facts a person acts on, as a label and a plain value in order: a card's fields,
    /// or a line each where a service has no fields.
    pub fn facts(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(m) = &self.monitor {
            let ping = m.last_ping.as_ref().map_or_else(|| "never".into(), ping_words);
            out.push(("Last ping", ping));
        }
        if let Some(message) = self.digest.as_ref().and_then(|d| d.message.as_ref()) {
            out.push(("Last message", message.clone()));
        }
        if let Some(m) = self.monitor.as_ref().filter(|m| !m.tags.is_empty()) {
            out.push(("Tags", m.tags.join(" ")));
        }
        out
    }

    /// Plain sentences (no markup) in order: why, then the facts a person acts on.
    pub fn lines(&self) -> Vec<String> {
        let facts = self
            .facts()
            .into_iter()
            .map(|(label, value)| format!("{label}: {value}"));
        std::iter::once(self.summary()).chain(facts).collect()
    }

    /// Whether this alert announces a problem (down, errors) rather than its end.
    pub fn is_problem(&self) -> bool {
        matches!(self.event, AlertEvent::Down | AlertEvent::ErrorDigest)
    }
}

/// "a success ping at 2026-12-03T10:00:00.000Z (exit status 0, ran 3 s): message".
pub fn ping_words(p: &LastPing) -> String {
    let mut extra = Vec::new();
    if let Some(code) = p.exit_status {
        extra.push(format!("exit status {code}"));
    }
    if let Some(ms) = p.duration_ms {
        extra.push(format!("ran {}", duration_words(ms)));
    }
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!(" ({})", extra.join(", "))
    };
    let message = p.message.as_ref().map(|m| format!(": {m}")).unwrap_or_default();
    format!("{} at {}{extra}{message}", p.result, format_rfc3339(p.at))
}

/// "3 s", "2 min 5 s", "2 h 10 min", "3 d 4 h": the two largest units.
pub fn duration_words(ms: i64) -> String {
    let s = ms.max(0) / 1_000;
    let (d, h, m, sec) = (s / 86_400, s / 3_600 % 24, s / 60 % 60, s % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{sec} s"),
        (0, 0, _) if sec == 0 => format!("{m} min"),
        (0, 0, _) => format!("{m} min {sec} s"),
        (0, _, 0) => format!("{h} h"),
        (0, _, _) => format!("{h} h {m} min"),
        (_, 0, _) => format!("{d} d"),
        _ => format!("{d} d {h} h"),
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Percent-encoding of a query value or a path segment (unreserved characters kept).
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests;
