//! An ingested analytics or business event, and the validation of the two batch formats that
//! carry events: the events API (`POST /api/v1/events`, at most 100 per batch, one
//! bad event refuses the batch) and the ingest API (`POST /v1/ingest/events`, at
//! most 500 per batch, bad events rejected one by one).
//!
//! Why: both formats store the same thing, so one `Event` is stored, deduplicated, rate
//! limited and rolled up whichever API it came through; each format only decides what is
//! valid and how a failure is told.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::core::events::event_clock::BatchClock;
use crate::core::http_contract::validation::{check_text, parse_uuid, Checked, FieldError, TextRule};
use crate::core::time::parse_rfc3339;

/// The events API: at most 100 events per batch.
pub const MAX_EVENTS_PER_BATCH: usize = 100;
/// The ingest API: at most 500 events per batch.
pub const MAX_INGEST_EVENTS_PER_BATCH: usize = 500;
/// An event's name (the events API `name`, the ingest API `event_type`), in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// The events API's `message`, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2_000;
/// The events API's `meta`, serialized as compact JSON.
pub const MAX_META_BYTES: usize = 4_096;
/// The ingest API's ids (`anonymous_id`, `user_id`, `session_id`, `content_id`, `content_type`),
/// in characters: room for any UUID, hash or URN a client uses as an id.
pub const MAX_ID_CHARS: usize = 256;
/// The ingest API's `content_title`, in characters.
pub const MAX_TITLE_CHARS: usize = 1_000;
/// The ingest API's `properties` and `context`, each serialized as compact JSON.
pub const MAX_SECTION_BYTES: usize = 8_192;
/// A whole event as sent, unknown fields included, serialized as compact JSON: what one
/// event may cost in the buffer and in D1.
pub const MAX_EVENT_BYTES: usize = 32_768;

/// The ingest API's string fields besides `event_type`, each with its cap in characters.
const INGEST_TEXT_FIELDS: [(&str, usize); 6] = [
    ("anonymous_id", MAX_ID_CHARS),
    ("user_id", MAX_ID_CHARS),
    ("session_id", MAX_ID_CHARS),
    ("content_id", MAX_ID_CHARS),
    ("content_type", MAX_ID_CHARS),
    ("content_title", MAX_TITLE_CHARS),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// A business event (every the ingest API event is one).
    Event,
    /// A problem to be routed louder.
    Error,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Event => "event",
            EventKind::Error => "error",
        }
    }
}

/// One stored event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The client's `event_id`, as a canonical lower-case UUID.
    pub id: Option<String>,
    pub kind: EventKind,
    /// The events API's `name`, the ingest API's `event_type`, trimmed.
    pub name: String,
    pub message: Option<String>,
    pub value: Option<f64>,
    /// When it happened, as stored (see `BatchClock`).
    pub ts_ms: i64,
    /// The `ts` the client sent.
    pub client_ts_ms: Option<i64>,
    pub received_at_ms: i64,
    /// The event as sent, unknown fields included.
    pub document: Map<String, Value>,
}

/// Why a whole batch was refused: the first problem found, by its path in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchError {
    /// `body`, `events`, `sent_at`, `events[3]` or `events[3].name`.
    pub field: String,
    pub message: String,
}

impl BatchError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A problem of event `index`, named by its path in the body.
    fn in_event(index: usize, fault: FieldError) -> Self {
        let field = if fault.field.is_empty() {
            format!("events[{index}]")
        } else {
            format!("events[{index}].{}", fault.field)
        };
        Self::new(field, fault.message)
    }
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A the ingest API batch: each event accepted or rejected on its own, by its index in the batch.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestBatch {
    pub accepted: Vec<(usize, Event)>,
    /// The reason names the event's field, like `events[3].event_type: is required`.
    pub rejected: Vec<(usize, String)>,
}

/// The events API's batch: every event valid, or the batch refused with its first problem.
pub fn parse_events_batch(body: &[u8], arrival_ms: i64, server_ts: bool) -> Result<Vec<Event>, BatchError> {
    let (events, clock) = envelope(body, arrival_ms, server_ts, MAX_EVENTS_PER_BATCH)?;
    events
        .into_iter()
        .enumerate()
        .map(|(i, event)| reported_event(event, &clock).map_err(|fault| BatchError::in_event(i, fault)))
        .collect()
}

/// The ingest API's batch: refused whole only when its shape is wrong or no event is valid.
pub fn parse_ingest_batch(body: &[u8], arrival_ms: i64, server_ts: bool) -> Result<IngestBatch, BatchError> {
    let (events, clock) = envelope(body, arrival_ms, server_ts, MAX_INGEST_EVENTS_PER_BATCH)?;
    let mut batch = IngestBatch {
        accepted: Vec::new(),
        rejected: Vec::new(),
    };
    let mut first_problem = None;
    for (i, event) in events.into_iter().enumerate() {
        match ingested_event(event, &clock) {
            Ok(event) => batch.accepted.push((i, event)),
            Err(fault) => {
                let problem = BatchError::in_event(i, fault);
                batch.rejected.push((i, problem.to_string()));
                first_problem.get_or_insert(problem);
            }
        }
    }
    match first_problem {
        Some(problem) if batch.accepted.is_empty() => Err(problem),
        _ => Ok(batch),
    }
}

/// The batch's shape, shared by both formats: `{"events": [1..=max events], "sent_at"?}`.
fn envelope(body: &[u8], arrival_ms: i64, server_ts: bool, max: usize) -> Result<(Vec<Value>, BatchClock), BatchError> {
    let mut body = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(BatchError::new("body", "must be a JSON object")),
        Err(_) => return Err(BatchError::new("body", "must be valid JSON")),
    };
    let events = match body.remove("events") {
        None | Some(Value::Null) => return Err(BatchError::new("events", "is required")),
        Some(Value::Array(events)) => events,
        Some(_) => return Err(BatchError::new("events", "must be an array")),
    };
    if events.is_empty() {
        return Err(BatchError::new("events", "must contain at least 1 event"));
    }
    if events.len() > max {
        return Err(BatchError::new("events", format!("must contain at most {max} events")));
    }
    let sent_at_ms = optional_time(&body, "sent_at").map_err(|fault| BatchError::new(fault.field, fault.message))?;
    let clock = BatchClock {
        arrival_ms,
        sent_at_ms,
        server_ts,
    };
    Ok((events, clock))
}

/// One the events API event: `type`, `name`, `message`, `value`, `meta`, `ts`, `event_id`.
fn reported_event(event: Value, clock: &BatchClock) -> Checked<Event> {
    let Value::Object(doc) = event else {
        return Err(FieldError::new("", "must be an object"));
    };
    let kind = match doc.get("type") {
        None | Some(Value::Null) => return Err(FieldError::new("type", "is required")),
        Some(Value::String(s)) if s == "event" => EventKind::Event,
        Some(Value::String(s)) if s == "error" => EventKind::Error,
        Some(_) => return Err(FieldError::new("type", r#"must be "event" or "error""#)),
    };
    let name = event_name(&doc, "name")?;
    let message = optional_string(&doc, "message")?
        .map(|m| bounded_text(m, "message", TextRule::Free, MAX_MESSAGE_CHARS).map(str::to_string))
        .transpose()?;
    let value = optional_number(&doc, "value")?;
    optional_object(&doc, "meta", MAX_META_BYTES)?;
    let client_ts = optional_time(&doc, "ts")?;
    let id = optional_event_id(&doc)?;
    whole_event_size(&doc)?;
    Ok(Event {
        id,
        kind,
        name,
        message,
        value,
        ts_ms: clock.effective_ts(client_ts).0,
        client_ts_ms: client_ts,
        received_at_ms: clock.arrival_ms,
        document: doc,
    })
}

/// One the ingest API event: `event_type`, `ts`, `event_id`, the ids and content fields,
/// `position_sec`, `bitrate_kbps`, `properties`, `context`; anything else is kept unchecked.
fn ingested_event(event: Value, clock: &BatchClock) -> Checked<Event> {
    let Value::Object(doc) = event else {
        return Err(FieldError::new("", "must be an object"));
    };
    let name = event_name(&doc, "event_type")?;
    let client_ts = optional_time(&doc, "ts")?;
    let id = optional_event_id(&doc)?;
    for (field, max) in INGEST_TEXT_FIELDS {
        if let Some(text) = optional_string(&doc, field)? {
            bounded_text(text, field, TextRule::Line, max)?;
        }
    }
    for field in ["position_sec", "bitrate_kbps"] {
        if optional_number(&doc, field)?.is_some_and(|n| n < 0.0) {
            return Err(FieldError::new(field, "must not be negative"));
        }
    }
    for field in ["properties", "context"] {
        optional_object(&doc, field, MAX_SECTION_BYTES)?;
    }
    whole_event_size(&doc)?;
    Ok(Event {
        id,
        kind: EventKind::Event,
        name,
        message: None,
        value: None,
        ts_ms: clock.effective_ts(client_ts).0,
        client_ts_ms: client_ts,
        received_at_ms: clock.arrival_ms,
        document: doc,
    })
}

/// An event's name: 1..=200 characters as sent, one line, not blank; stored trimmed.
fn event_name(doc: &Map<String, Value>, field: &str) -> Checked<String> {
    let name = optional_string(doc, field)?.ok_or_else(|| FieldError::new(field, "is required"))?;
    parse_event_name(field, name)
}

/// `name` checked as an event's name (also what a monitor's `event_name` must be), trimmed.
pub fn parse_event_name(field: &str, name: &str) -> Checked<String> {
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(FieldError::new(
            field,
            format!("must be 1..{MAX_NAME_CHARS} characters"),
        ));
    }
    check_text(field, TextRule::Line, name)?;
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, "must not be blank"));
    }
    Ok(trimmed.to_string())
}

/// `text` of at most `max` characters that `rule` allows.
fn bounded_text<'a>(text: &'a str, field: &str, rule: TextRule, max: usize) -> Checked<&'a str> {
    if text.chars().count() > max {
        return Err(FieldError::new(field, format!("must be at most {max} characters")));
    }
    check_text(field, rule, text)?;
    Ok(text)
}

fn optional_string<'a>(doc: &'a Map<String, Value>, field: &str) -> Checked<Option<&'a str>> {
    match doc.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(FieldError::new(field, "must be a string")),
    }
}

/// A JSON number. (JSON has no NaN or infinity, and a literal too large for an f64 is not
/// valid JSON to the parser, so every number that gets here is finite.)
fn optional_number(doc: &Map<String, Value>, field: &str) -> Checked<Option<f64>> {
    match doc.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(_) => Err(FieldError::new(field, "must be a number")),
    }
}

fn optional_object(doc: &Map<String, Value>, field: &str, max_bytes: usize) -> Checked<()> {
    match doc.get(field) {
        None | Some(Value::Null) => Ok(()),
        Some(object @ Value::Object(_)) if json_len(object) <= max_bytes => Ok(()),
        Some(Value::Object(_)) => Err(FieldError::new(
            field,
            format!("must be at most {max_bytes} bytes of JSON"),
        )),
        Some(_) => Err(FieldError::new(field, "must be an object")),
    }
}

fn optional_time(doc: &Map<String, Value>, field: &str) -> Checked<Option<i64>> {
    let invalid = || FieldError::new(field, "must be an RFC 3339 time with a timezone offset");
    match doc.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse_rfc3339(s).map(Some).ok_or_else(invalid),
        Some(_) => Err(invalid()),
    }
}

fn optional_event_id(doc: &Map<String, Value>) -> Checked<Option<String>> {
    match doc.get("event_id") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if parse_uuid(s).is_some() => Ok(parse_uuid(s)),
        Some(_) => Err(FieldError::new("event_id", "must be a UUID")),
    }
}

fn whole_event_size(doc: &Map<String, Value>) -> Checked<()> {
    if json_len(doc) > MAX_EVENT_BYTES {
        return Err(FieldError::new(
            "",
            format!("must be at most {MAX_EVENT_BYTES} bytes of JSON"),
        ));
    }
    Ok(())
}

/// The length of `value` as compact JSON, counted without building the text.
fn json_len(value: &impl Serialize) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 = self.0.saturating_add(bytes.len());
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    match serde_json::to_writer(&mut counter, value) {
        Ok(()) => counter.0,
        Err(_) => usize::MAX,
    }
}

#[cfg(test)]
mod tests;
