//! `pagerduty`: an Events API v2 event to the user's service integration. An outage triggers
//! an incident keyed by the monitor's `unique_key` and its recovery resolves that same
//! incident; an error digest triggers one incident per event name (later digests of that name
//! add to it while it is open, and a person resolves it); a test triggers an `info` incident of
//! its own. Texts are plain: PagerDuty shows the summary and details as written.

use serde_json::{json, Map, Value};

use super::credential::fixed_key;
use super::fields::{stored, url_or_default};
use super::incident_key::incident_key;
use super::kind::{Kind, RenderContext, Rendered};
use crate::core::alerting::alert::{ping_words, Alert, AlertEvent};
use crate::core::alerting::markup::one_line;
use crate::core::alerting::outbound::{common_verdict, error_sentence, Answer, Outbound, Verdict};
use crate::core::alerting::outbound_url::WebhookHosts;
use crate::core::http_contract::validation::Checked;
use crate::core::time::format_rfc3339;

pub struct PagerDuty;

/// The US service region; EU accounts set `https://events.eu.pagerduty.com/v2/enqueue`.
const DEFAULT_EVENTS_URL: &str = "https://events.pagerduty.com/v2/enqueue";
/// PagerDuty's limits on `payload.summary` and `dedup_key`.
const MAX_SUMMARY: usize = 1_024;
const MAX_DEDUP_KEY: usize = 255;

/// "DOWN: nightly backup (no ping by the due time plus grace)": what a phone call reads out.
fn summary(alert: &Alert) -> String {
    let text = match alert.reason.as_str() {
        "" => alert.title(),
        reason => format!("{} ({reason})", alert.title()),
    };
    one_line(&text, MAX_SUMMARY)
}

/// The facts a responder reads in the incident, by name.
fn custom_details(alert: &Alert) -> Value {
    let mut details = json!({"reason": alert.reason});
    if let Some(m) = &alert.monitor {
        details["last_ping"] = Value::from(m.last_ping.as_ref().map_or("never".to_string(), ping_words));
        details["tags"] = json!(m.tags);
    }
    if let Some(d) = &alert.digest {
        details["count"] = Value::from(d.count);
        details["window_minutes"] = Value::from(d.window_minutes);
        if let Some(message) = &d.message {
            details["last_message"] = Value::from(message.as_str());
        }
    }
    if alert.reminder.is_some() {
        details["reminder"] = Value::from(alert.summary());
    }
    for (label, value) in alert.facts().into_iter().filter(|(label, _)| *label == "Escalation") {
        details[label.to_ascii_lowercase()] = Value::from(value);
    }
    details
}

/// What a 400 says: its `errors`, or its `message` when it lists none.
fn what_pagerduty_said(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return String::new();
    };
    let errors: Vec<&str> = v
        .get("errors")
        .and_then(Value::as_array)
        .map(|e| e.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let said = match errors.is_empty() {
        true => v.get("message").and_then(Value::as_str).unwrap_or_default().to_string(),
        false => errors.join("; "),
    };
    error_sentence(&said)
}

impl Kind for PagerDuty {
    const SECRET_FIELDS: &'static [&'static str] = &["routing_key"];

    fn configure(body: &Map<String, Value>, hosts: &WebhookHosts) -> Checked<Map<String, Value>> {
        let routing_key = fixed_key(body, "routing_key", 32)?;
        let events_url = url_or_default(body, "events_url", DEFAULT_EVENTS_URL, hosts)?;
        let mut config = Map::new();
        config.insert("routing_key".into(), Value::from(routing_key));
        config.insert("events_url".into(), Value::from(events_url));
        Ok(config)
    }

    fn render(config: &Map<String, Value>, alert: &Alert, _ctx: &RenderContext) -> Rendered {
        let routing_key = stored(config, "routing_key");
        let dedup_key = incident_key(alert, MAX_DEDUP_KEY);
        let severity = match alert.event {
            AlertEvent::Up => {
                let resolve = json!({"routing_key": routing_key, "event_action": "resolve", "dedup_key": dedup_key});
                return Ok(vec![Outbound::json(stored(config, "events_url").to_string(), &resolve)]);
            }
            AlertEvent::Down => "critical",
            AlertEvent::ErrorDigest | AlertEvent::ErrorAlert => "error",
            AlertEvent::Test | AlertEvent::EventAlert | AlertEvent::EventDigest | AlertEvent::DailyRollup => "info",
        };
        let mut event = json!({
            "routing_key": routing_key,
            "event_action": "trigger",
            "dedup_key": dedup_key,
            "payload": {
                "summary": summary(alert),
                "source": "edgebeat",
                "severity": severity,
                "timestamp": format_rfc3339(alert.at),
                "custom_details": custom_details(alert),
            },
            "client": "edgebeat",
        });
        if let Some(link) = &alert.link {
            event["links"] = json!([{"href": link, "text": "Open in edgebeat"}]);
            if let (Some(ack), Some(links)) = (&alert.ack_link, event["links"].as_array_mut()) {
                links.push(json!({"href": ack, "text": "Acknowledge in edgebeat"}));
            }
            event["client_url"] = Value::from(link.as_str());
        }
        Ok(vec![Outbound::json(stored(config, "events_url").to_string(), &event)])
    }

    /// 202 is PagerDuty's yes. A 400 is permanent only when it blames the routing key (a
    /// deleted integration stays deleted); any other invalid event is retried, as an event
    /// edgebeat built wrong is a bug a fix may resolve.
    fn judge(answer: &Answer) -> Verdict {
        if answer.status != 400 {
            return common_verdict(answer);
        }
        let said = what_pagerduty_said(&answer.body);
        let lower = said.to_ascii_lowercase();
        if lower.contains("routing key") || lower.contains("routing_key") {
            return Verdict::Permanent {
                reason: format!("PagerDuty refused the routing key: {said}"),
            };
        }
        Verdict::Retry {
            error: match said.as_str() {
                "" => "HTTP 400".to_string(),
                said => format!("HTTP 400: {said}"),
            },
            after_ms: None,
        }
    }
}

#[cfg(test)]
mod tests;
