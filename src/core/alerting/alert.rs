//! What an alert says, whatever channel carries it: built once from the delivery's frozen
//! payload (the JSON a webhook receives), then rendered by each kind in its own markup.

use serde_json::Value;

use crate::core::alerting::daily_rollup::{number_words, rollup_words};
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
    /// One error event, told at once by an `immediate` route.
    ErrorAlert,
    /// One business event, told at once by an `immediate` route.
    EventAlert,
    /// Business events of one name gathered over the digest window by a `digest` route.
    EventDigest,
    /// The previous UTC day's counts and sums per name, by `daily` routes.
    DailyRollup,
}

impl AlertEvent {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "down" => Some(Self::Down),
            "up" => Some(Self::Up),
            "test" => Some(Self::Test),
            "error_digest" => Some(Self::ErrorDigest),
            "error_alert" => Some(Self::ErrorAlert),
            "event_alert" => Some(Self::EventAlert),
            "event_digest" => Some(Self::EventDigest),
            "daily_rollup" => Some(Self::DailyRollup),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Down => "down",
            Self::Up => "up",
            Self::Test => "test",
            Self::ErrorDigest => "error_digest",
            Self::ErrorAlert => "error_alert",
            Self::EventAlert => "event_alert",
            Self::EventDigest => "event_digest",
            Self::DailyRollup => "daily_rollup",
        }
    }

    /// The word a title starts with.
    pub fn headline(self) -> &'static str {
        match self {
            Self::Down => "DOWN",
            Self::Up => "UP",
            Self::Test => "TEST",
            Self::ErrorDigest => "ERRORS",
            Self::ErrorAlert => "ERROR",
            Self::EventAlert => "EVENT",
            Self::EventDigest => "EVENTS",
            Self::DailyRollup => "DAILY",
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

/// A reminder that a monitor is still down (`realert_every`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    /// From 1.
    pub number: i64,
    /// `realert_max`: the last reminder of this down period.
    pub max: i64,
    /// How long the monitor has been down when the reminder went out.
    pub down_for_ms: i64,
}

/// The escalation step a down alert was sent for (a step after the first means no one
/// acknowledged the earlier ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationStep {
    /// From 1.
    pub step: i64,
    pub of: i64,
    pub after_s: i64,
}

/// An error-event digest: one event name's errors over the window (also one event told at
/// once, a count of 1 over no window; and a daily rollup, its day's total over 1,440 minutes).
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
    /// A down alert sent again while the monitor stays down.
    pub reminder: Option<Reminder>,
    /// A down alert sent by an escalation step.
    pub escalation: Option<EscalationStep>,
    /// Where a person acknowledges the down period (`core::alerting::ack`), set by the
    /// notifier, which holds the secret that signs it.
    pub ack_link: Option<String>,
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
        // An alert about events or a channel rather than a monitor: no reminder, no escalation
        // step, nothing to acknowledge.
        let not_a_monitor = |at: i64, reason: String, link: Option<String>, digest: Option<ErrorDigest>| Alert {
            event,
            delivery_id,
            at,
            reason,
            link,
            monitor: None,
            digest,
            channel_name: channel_name.to_string(),
            reminder: None,
            escalation: None,
            ack_link: None,
        };
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
                let flip_at = time(&flip, "at").unwrap_or(now);
                let reminder = payload
                    .get("reminder")
                    .filter(|r| event == AlertEvent::Down && r.is_object());
                let at = reminder.and_then(|r| time(r, "at")).unwrap_or(flip_at);
                let number = |v: &Value, key: &str| v.get(key).and_then(Value::as_i64).unwrap_or(0);
                Alert {
                    event,
                    delivery_id,
                    at,
                    reason: with_dependents(text(&flip, "reason").unwrap_or_default(), payload),
                    link: (!unique_key.is_empty())
                        .then(|| link_to(format!("/monitor?id={unique_key}")))
                        .flatten(),
                    monitor: Some(monitor),
                    digest: None,
                    channel_name: channel_name.to_string(),
                    reminder: reminder.map(|r| Reminder {
                        number: number(r, "number"),
                        max: number(r, "max"),
                        down_for_ms: at - flip_at,
                    }),
                    escalation: payload
                        .get("escalation")
                        .filter(|e| event == AlertEvent::Down && e.is_object())
                        .map(|e| EscalationStep {
                            step: number(e, "step"),
                            of: number(e, "of"),
                            after_s: number(e, "after_s"),
                        }),
                    ack_link: None,
                }
            }
            AlertEvent::ErrorAlert | AlertEvent::EventAlert => {
                let e = payload.get("matched").cloned().unwrap_or(Value::Null);
                let (kind, what) = match event {
                    AlertEvent::ErrorAlert => ("error", "an error event"),
                    _ => ("event", "an event"),
                };
                let digest = ErrorDigest {
                    name: text(&e, "name").unwrap_or_default(),
                    count: 1,
                    message: text(&e, "message").filter(|s| !s.is_empty()),
                    last_at: time(&e, "at"),
                    window_minutes: 0,
                };
                let value = e
                    .get("value")
                    .and_then(Value::as_f64)
                    .map(|v| format!(" with value {}", number_words(v)))
                    .unwrap_or_default();
                not_a_monitor(
                    digest.last_at.unwrap_or(now),
                    format!(
                        "{what} named {}{value} at {}",
                        digest.name,
                        format_rfc3339(digest.last_at.unwrap_or(now))
                    ),
                    link_to(format!("/events?type={kind}&name={}", percent_encode(&digest.name))),
                    Some(digest),
                )
            }
            AlertEvent::DailyRollup => {
                let (subject, total, lines) = rollup_words(payload);
                not_a_monitor(
                    now,
                    lines.join("\n"),
                    link_to("/events".into()),
                    Some(ErrorDigest {
                        name: subject,
                        count: total,
                        message: None,
                        last_at: None,
                        window_minutes: 1_440,
                    }),
                )
            }
            AlertEvent::ErrorDigest | AlertEvent::EventDigest => {
                let (kind, noun, key) = match event {
                    AlertEvent::ErrorDigest => ("error", "error event", "error"),
                    _ => ("event", "event", "events"),
                };
                let e = payload.get(key).cloned().unwrap_or(Value::Null);
                let digest = ErrorDigest {
                    name: text(&e, "name").unwrap_or_default(),
                    count: e.get("count").and_then(Value::as_i64).unwrap_or(0),
                    message: text(&e, "message").filter(|s| !s.is_empty()),
                    last_at: time(&e, "last_at"),
                    window_minutes: payload.get("window_minutes").and_then(Value::as_i64).unwrap_or(10),
                };
                not_a_monitor(
                    digest.last_at.unwrap_or(now),
                    format!(
                        "{} {noun}{} named {} in the last {} min",
                        digest.count,
                        if digest.count == 1 { "" } else { "s" },
                        digest.name,
                        digest.window_minutes
                    ),
                    link_to(format!("/events?type={kind}&name={}", percent_encode(&digest.name))),
                    Some(digest),
                )
            }
            AlertEvent::Test => not_a_monitor(
                now,
                "a test alert, sent from edgebeat to check this channel".into(),
                link_to("/channels".into()),
                None,
            ),
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

    /// The plain title: "DOWN: nightly backup", "STILL DOWN: nightly backup" for a reminder
    /// (unescaped; renderers escape it).
    pub fn title(&self) -> String {
        let still = if self.reminder.is_some() { "STILL " } else { "" };
        format!("{still}{}: {}", self.event.headline(), self.subject())
    }

    /// The down alert this alert says again or escalates (the same down period).
    pub fn repeats_down(&self) -> bool {
        self.reminder.is_some() || self.escalation.as_ref().is_some_and(|e| e.step > 1)
    }

    /// The plain sentence that says what happened: "nightly backup is down: no ping by the
    /// due time plus grace."
    pub fn summary(&self) -> String {
        match self.event {
            AlertEvent::Down => match &self.reminder {
                Some(r) => format!(
                    "{} is still down, reminder {} of {}, down for {}: {}.",
                    self.subject(),
                    r.number,
                    r.max,
                    duration_words(r.down_for_ms),
                    self.reason
                ),
                None => format!("{} is down: {}.", self.subject(), self.reason),
            },
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
            AlertEvent::ErrorDigest | AlertEvent::EventDigest | AlertEvent::ErrorAlert | AlertEvent::EventAlert => {
                format!("{}.", capitalize(&self.reason))
            }
            AlertEvent::DailyRollup => self.reason.clone(),
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
        if let Some(e) = self.escalation.as_ref().filter(|e| e.step > 1) {
            let waited = duration_words(e.after_s * 1_000);
            out.push((
                "Escalation",
                format!("step {} of {}, not acknowledged after {waited}", e.step, e.of),
            ));
        }
        if let Some(link) = &self.ack_link {
            out.push(("Acknowledge", link.clone()));
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
        matches!(
            self.event,
            AlertEvent::Down | AlertEvent::ErrorDigest | AlertEvent::ErrorAlert
        )
    }
}

/// The down flip a down alert's payload is about, as the acknowledge link names it: the
/// monitor's `unique_key` and the flip's time. Only an alert that something would follow
/// (an escalation step, a reminder, or the first alert of a monitor that reminds: its payload
/// says `acknowledge`) carries a link: acknowledging a plain alert would stop nothing.
pub fn down_flip_of(payload: &Value) -> Option<(String, i64)> {
    if payload.get("event").and_then(Value::as_str) != Some("down") {
        return None;
    }
    let followed = ["escalation", "reminder"]
        .iter()
        .any(|k| payload.get(*k).is_some_and(Value::is_object))
        || payload.get("acknowledge").and_then(Value::as_bool) == Some(true);
    if !followed {
        return None;
    }
    let key = payload.get("monitor").and_then(|m| text(m, "unique_key"))?;
    let at = payload.get("flip").and_then(|f| time(f, "at"))?;
    Some((key, at))
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

/// The reasons capitalized here begin with an English word or a count, so ASCII is enough;
/// `char::to_uppercase` would bring Unicode's case tables (~12 KB) into the wasm.
fn capitalize(s: &str) -> String {
    let mut s = s.to_string();
    if let Some(first) = s.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    s
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
