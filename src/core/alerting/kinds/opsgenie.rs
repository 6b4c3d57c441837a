//! `opsgenie`: an alert through the user's Opsgenie API integration. An outage creates an
//! alert whose alias is the monitor's `unique_key`, and its recovery closes the alert by that
//! alias; an error digest creates one alert per event name (Opsgenie adds later digests of the
//! name to it while it is open), a test one of its own at the lowest priority. Opsgenie renders
//! the description as HTML, so the user's texts are HTML-escaped there; the message, alias,
//! tags and details are shown as text.

use serde_json::{json, Map, Value};

use super::credential::credential;
use super::fields::{stored, url_or_default};
use super::incident_key::incident_key;
use super::kind::{Kind, RenderContext, Rendered};
use crate::core::alerting::alert::{percent_encode, ping_words, Alert, AlertEvent};
use crate::core::alerting::markup::{clip, escaped_within, html, one_line};
use crate::core::alerting::outbound::{common_verdict, error_sentence, Answer, Outbound, Verdict};
use crate::core::alerting::outbound_url::WebhookHosts;
use crate::core::http_contract::validation::{Checked, FieldError};

pub struct Opsgenie;

const US_API: &str = "https://api.opsgenie.com";
const EU_API: &str = "https://api.eu.opsgenie.com";
/// Opsgenie's documented limits.
const MAX_MESSAGE: usize = 130;
const MAX_ALIAS: usize = 512;
const MAX_TAGS: usize = 20;
const MAX_TAG: usize = 50;
const MAX_NOTE: usize = 25_000;
/// Each of the few description paragraphs and detail values is cut here, which keeps the
/// description within its 15,000 characters and the details within their 8,000.
const MAX_PARAGRAPH: usize = 3_000;
const MAX_DETAIL: usize = 1_000;

/// `region`: where the account lives, `us` unless it says `eu`.
fn region_api(body: &Map<String, Value>) -> Checked<&'static str> {
    match body.get("region") {
        None | Some(Value::Null) => Ok(US_API),
        Some(Value::String(r)) if r == "us" => Ok(US_API),
        Some(Value::String(r)) if r == "eu" => Ok(EU_API),
        Some(_) => Err(FieldError::new("region", "must be us or eu")),
    }
}

/// The description: one HTML paragraph per line, then the link.
fn description(alert: &Alert) -> String {
    let mut out: String = alert
        .lines()
        .iter()
        .map(|l| format!("<p>{}</p>", escaped_within(l, MAX_PARAGRAPH, html)))
        .collect();
    if let Some(link) = &alert.link {
        out.push_str(&format!("<p><a href=\"{}\">Open in edgebeat</a></p>", html(link)));
    }
    out
}

/// `edgebeat` and the monitor's own tags, as many as Opsgenie keeps.
fn tags(alert: &Alert) -> Vec<String> {
    let own = alert.monitor.iter().flat_map(|m| &m.tags).map(|t| one_line(t, MAX_TAG));
    std::iter::once("edgebeat".to_string())
        .chain(own)
        .take(MAX_TAGS)
        .collect()
}

/// The facts a responder reads, by name (Opsgenie takes string values only).
fn details(alert: &Alert) -> Value {
    let mut details = Map::new();
    let mut put = |name: &str, value: String| {
        details.insert(name.into(), Value::from(clip(&value, MAX_DETAIL)));
    };
    put("reason", alert.reason.clone());
    if let Some(m) = &alert.monitor {
        put(
            "last_ping",
            m.last_ping.as_ref().map_or("never".to_string(), ping_words),
        );
    }
    if let Some(d) = &alert.digest {
        put("count", d.count.to_string());
        put("window_minutes", d.window_minutes.to_string());
        if let Some(message) = &d.message {
            put("last_message", message.clone());
        }
    }
    if let Some(link) = &alert.link {
        put("link", link.clone());
    }
    Value::Object(details)
}

/// What a 422 says: its `errors` (field to sentence), or its `message`.
fn what_opsgenie_said(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return String::new();
    };
    let errors: Vec<&str> = v
        .get("errors")
        .and_then(Value::as_object)
        .map(|e| e.values().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let said = match errors.is_empty() {
        true => v.get("message").and_then(Value::as_str).unwrap_or_default().to_string(),
        false => errors.join("; "),
    };
    error_sentence(&said)
}

impl Kind for Opsgenie {
    const SECRET_FIELDS: &'static [&'static str] = &["api_key"];

    /// `api_url`, when given, overrides `region` (a proxy, or a region added later).
    fn configure(body: &Map<String, Value>, hosts: &WebhookHosts) -> Checked<Map<String, Value>> {
        let api_key = credential(body, "api_key", 200)?;
        let api_url = url_or_default(body, "api_url", region_api(body)?, hosts)?;
        let mut config = Map::new();
        config.insert("api_key".into(), Value::from(api_key));
        config.insert("api_url".into(), Value::from(api_url));
        Ok(config)
    }

    fn render(config: &Map<String, Value>, alert: &Alert, _ctx: &RenderContext) -> Rendered {
        let api = stored(config, "api_url");
        let alias = incident_key(alert, MAX_ALIAS);
        let priority = match alert.event {
            AlertEvent::Up => {
                let url = format!("{api}/v2/alerts/{}/close?identifierType=alias", percent_encode(&alias));
                let close = json!({"source": "edgebeat", "note": clip(&alert.lines().join("\n"), MAX_NOTE)});
                return Ok(vec![with_key(Outbound::json(url, &close), config)]);
            }
            AlertEvent::Down => "P1",
            AlertEvent::ErrorAlert => "P2",
            AlertEvent::ErrorDigest => "P3",
            AlertEvent::EventAlert => "P4",
            AlertEvent::Test | AlertEvent::EventDigest | AlertEvent::DailyRollup => "P5",
        };
        let create = json!({
            "message": one_line(&alert.title(), MAX_MESSAGE),
            "alias": alias,
            "description": description(alert),
            "priority": priority,
            "source": "edgebeat",
            "tags": tags(alert),
            "details": details(alert),
        });
        Ok(vec![with_key(
            Outbound::json(format!("{api}/v2/alerts"), &create),
            config,
        )])
    }

    /// 202 is Opsgenie's yes (it processes requests later). A 422 means the alert itself was
    /// refused, and the same alert would be refused again: permanent, with Opsgenie's words.
    fn judge(answer: &Answer) -> Verdict {
        if answer.status == 422 {
            let said = what_opsgenie_said(&answer.body);
            return Verdict::Permanent {
                reason: format!("HTTP 422: Opsgenie refused the alert: {said}"),
            };
        }
        common_verdict(answer)
    }
}

fn with_key(out: Outbound, config: &Map<String, Value>) -> Outbound {
    out.with_header("Authorization", format!("GenieKey {}", stored(config, "api_key")))
}

#[cfg(test)]
mod tests;
