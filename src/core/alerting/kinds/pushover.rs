//! `pushover`: a notification through the user's Pushover application to their user or group
//! key, as a form POST in Pushover's HTML mode (every text of the user's HTML-escaped). An
//! emergency-priority outage repeats until acknowledged, so its recovery first cancels the
//! repeats by the tag the outage carried.

use serde_json::{Map, Value};

use super::credential::fixed_key;
use super::fields::{stored, url_or_default};
use super::incident_key::incident_key;
use super::kind::{Kind, RenderContext, Rendered};
use crate::core::alerting::alert::{percent_encode, Alert, AlertEvent};
use crate::core::alerting::markup::{escaped_within, html, one_line};
use crate::core::alerting::outbound::{common_verdict, error_sentence, Answer, Outbound, Verdict};
use crate::core::alerting::outbound_url::WebhookHosts;
use crate::core::http_contract::validation::{optional_integer, Checked};

pub struct Pushover;

const DEFAULT_API: &str = "https://api.pushover.net";
/// Pushover's documented limits, in characters.
const MAX_TITLE: usize = 250;
const MAX_MESSAGE: usize = 1_024;
const MAX_URL: usize = 512;
const EMERGENCY: i64 = 2;
/// An emergency repeats every minute for an hour unless acknowledged (Pushover's minimum
/// retry is 30 s, its longest expiry 3 h).
const RETRY_S: &str = "60";
const EXPIRE_S: &str = "3600";

/// The priority an event is sent at, from the channel's: an outage as configured; a recovery
/// never louder than normal; a digest and a test never as an emergency, since no recovery
/// would ever cancel their repeats.
fn priority(configured: i64, event: AlertEvent) -> i64 {
    match event {
        AlertEvent::Down => configured,
        AlertEvent::Up => configured.min(0),
        AlertEvent::ErrorDigest | AlertEvent::ErrorAlert | AlertEvent::Test => configured.min(1),
        AlertEvent::EventAlert | AlertEvent::EventDigest | AlertEvent::DailyRollup => configured.min(0),
    }
}

/// Which credential a 400 says is wrong: Pushover marks it (`"token": "invalid"` or
/// `"user": "invalid"`) beside its `errors` sentences.
fn refused_credential(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    let errors: Vec<&str> = v
        .get("errors")
        .and_then(Value::as_array)
        .map(|e| e.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let marked = |field: &str| v.get(field).and_then(Value::as_str) == Some("invalid");
    let said = |word: &str| {
        errors.iter().any(|e| {
            let e = e.to_ascii_lowercase();
            e.contains(word) && e.contains("invalid")
        })
    };
    let which = if marked("token") || said("token") {
        "application token"
    } else if marked("user") || said("user") {
        "user key"
    } else {
        return None;
    };
    let why = errors.first().map(|e| error_sentence(e)).unwrap_or_default();
    Some(format!("Pushover refused the {which}: {why}"))
}

impl Kind for Pushover {
    const SECRET_FIELDS: &'static [&'static str] = &["app_token", "user_key"];

    fn configure(body: &Map<String, Value>, hosts: &WebhookHosts) -> Checked<Map<String, Value>> {
        let app_token = fixed_key(body, "app_token", 30)?;
        let user_key = fixed_key(body, "user_key", 30)?;
        let priority = optional_integer(body, "priority", -2, 2)?.unwrap_or(0);
        let api_url = url_or_default(body, "api_url", DEFAULT_API, hosts)?;
        let mut config = Map::new();
        config.insert("app_token".into(), Value::from(app_token));
        config.insert("user_key".into(), Value::from(user_key));
        config.insert("priority".into(), Value::from(priority));
        config.insert("api_url".into(), Value::from(api_url));
        Ok(config)
    }

    fn render(config: &Map<String, Value>, alert: &Alert, _ctx: &RenderContext) -> Rendered {
        let api = stored(config, "api_url");
        let token = stored(config, "app_token");
        let configured = config.get("priority").and_then(Value::as_i64).unwrap_or(0);
        let priority = priority(configured, alert.event);
        let tag = incident_key(alert, 255);
        let mut out = Vec::new();
        if alert.event == AlertEvent::Up && configured == EMERGENCY {
            let cancel = format!("{api}/1/receipts/cancel_by_tag/{}.json", percent_encode(&tag));
            out.push(Outbound::form(cancel, &[("token", token.to_string())]));
        }
        let mut fields = vec![
            ("token", token.to_string()),
            ("user", stored(config, "user_key").to_string()),
            ("title", one_line(&alert.title(), MAX_TITLE)),
            ("message", escaped_within(&alert.lines().join("\n"), MAX_MESSAGE, html)),
            ("html", "1".to_string()),
            ("priority", priority.to_string()),
            ("timestamp", alert.at.div_euclid(1_000).to_string()),
        ];
        if let Some(link) = alert.link.as_ref().filter(|l| l.chars().count() <= MAX_URL) {
            fields.push(("url", link.clone()));
            fields.push(("url_title", "Open in edgebeat".to_string()));
        }
        if priority == EMERGENCY {
            fields.push(("retry", RETRY_S.to_string()));
            fields.push(("expire", EXPIRE_S.to_string()));
            fields.push(("tags", tag));
        }
        out.push(Outbound::form(format!("{api}/1/messages.json"), &fields));
        Ok(out)
    }

    /// A 400 that names the application token or the user key is permanent: no retry brings
    /// a revoked token back. Anything else is read by the common rule (429 is Pushover's
    /// monthly limit, retried).
    fn judge(answer: &Answer) -> Verdict {
        if answer.status == 400 {
            if let Some(reason) = refused_credential(&answer.body) {
                return Verdict::Permanent { reason };
            }
        }
        common_verdict(answer)
    }
}

#[cfg(test)]
mod tests;
