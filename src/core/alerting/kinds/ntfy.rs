//! `ntfy`: a push to a topic on ntfy.sh or the user's own ntfy server, published as JSON to the
//! server's root URL. The message is plain text (no `markdown` flag), so a monitor's name is
//! shown as written and only JSON encoding stands between it and the request.

use serde_json::{json, Map, Value};

use super::credential::optional_credential;
use super::fields::{required_line, stored, url_or_default};
use super::kind::{Kind, RenderContext, Rendered};
use crate::core::alerting::alert::{Alert, AlertEvent};
use crate::core::alerting::markup::one_line;
use crate::core::alerting::outbound::Outbound;
use crate::core::alerting::outbound_url::WebhookHosts;
use crate::core::http_contract::validation::{optional_integer, Checked, FieldError};

pub struct Ntfy;

const DEFAULT_SERVER: &str = "https://ntfy.sh";
/// ntfy turns a longer message into an attachment, which a phone does not show.
const MAX_MESSAGE_BYTES: usize = 4_096;
const MAX_TITLE: usize = 250;
/// ntfy's own defaults for an alert people must notice (max) and one they may (default).
const DEFAULT_PRIORITY_DOWN: i64 = 5;
const DEFAULT_PRIORITY_UP: i64 = 3;

/// A topic as ntfy accepts it: 1 to 64 of `[A-Za-z0-9_-]`.
fn topic(body: &Map<String, Value>) -> Checked<String> {
    let topic = required_line(body, "topic", 64)?;
    if topic
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        Ok(topic)
    } else {
        Err(FieldError::new("topic", "must be 1 to 64 letters, digits, '_' or '-'"))
    }
}

/// `s` in at most `max` bytes, cut on a character boundary and ended with `…`.
fn clip_bytes(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let budget = max.saturating_sub('…'.len_utf8());
    let end = s
        .char_indices()
        .map(|(i, _)| i)
        .take_while(|&i| i <= budget)
        .last()
        .unwrap_or(0);
    format!("{}…", &s[..end])
}

impl Kind for Ntfy {
    const SECRET_FIELDS: &'static [&'static str] = &["token"];

    fn configure(body: &Map<String, Value>, hosts: &WebhookHosts) -> Checked<Map<String, Value>> {
        let url = url_or_default(body, "url", DEFAULT_SERVER, hosts)?;
        let topic = topic(body)?;
        let token = optional_credential(body, "token", 200)?;
        let priority_down = optional_integer(body, "priority_down", 1, 5)?.unwrap_or(DEFAULT_PRIORITY_DOWN);
        let priority_up = optional_integer(body, "priority_up", 1, 5)?.unwrap_or(DEFAULT_PRIORITY_UP);
        let mut config = Map::new();
        config.insert("url".into(), Value::from(url));
        config.insert("topic".into(), Value::from(topic));
        if let Some(token) = token {
            config.insert("token".into(), Value::from(token));
        }
        config.insert("priority_down".into(), Value::from(priority_down));
        config.insert("priority_up".into(), Value::from(priority_up));
        Ok(config)
    }

    /// A digest is a problem and rings as loud as an outage; a test rings as a recovery does,
    /// so checking a channel never sounds like an outage. The tag is an emoji shortcode ntfy
    /// shows before the title.
    fn render(config: &Map<String, Value>, alert: &Alert, _ctx: &RenderContext) -> Rendered {
        let (priority_field, tag, label) = match alert.event {
            AlertEvent::Down => ("priority_down", "rotating_light", "Open monitor"),
            AlertEvent::ErrorDigest | AlertEvent::ErrorAlert => ("priority_down", "warning", "Open errors"),
            AlertEvent::EventAlert | AlertEvent::EventDigest => ("priority_up", "bell", "Open events"),
            AlertEvent::DailyRollup => ("priority_up", "bar_chart", "Open events"),
            AlertEvent::Up => ("priority_up", "white_check_mark", "Open monitor"),
            AlertEvent::Test => ("priority_up", "test_tube", "Open channels"),
        };
        let priority = config.get(priority_field).and_then(Value::as_i64).unwrap_or(3);
        let mut body = json!({
            "topic": stored(config, "topic"),
            "title": one_line(&alert.title(), MAX_TITLE),
            "message": clip_bytes(&alert.lines().join("\n"), MAX_MESSAGE_BYTES),
            "priority": priority,
            "tags": [tag],
        });
        if let Some(link) = &alert.link {
            body["click"] = Value::from(link.as_str());
            body["actions"] = json!([{"action": "view", "label": label, "url": link}]);
        }
        let mut out = Outbound::json(stored(config, "url").to_string(), &body);
        if let Some(token) = config.get("token").and_then(Value::as_str) {
            out = out.with_header("Authorization", format!("Bearer {token}"));
        }
        Ok(vec![out])
    }
}

#[cfg(test)]
mod tests;
