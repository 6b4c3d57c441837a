//! `discord`: a channel's webhook. The `url` carries the webhook's token, so it is secret.
//! One embed says it all (title, what happened, the facts as fields, the time, a link) in
//! the alert's colour; `content` repeats the title for notifications. Every text is
//! Markdown-escaped, and `allowed_mentions` parses nothing, so no name can ping anyone even
//! where an escape is missed.

use serde_json::{json, Map, Value};

use super::appearance::{colour, title_within};
use super::fields::{incoming_webhook_url, stored};
use super::kind::{Kind, RenderContext, Rendered};
use crate::core::alerting::alert::Alert;
use crate::core::alerting::markup::{escaped_within, markdown};
use crate::core::alerting::outbound::{
    common_verdict, error_sentence, retry_after_ms, Answer, Outbound, Verdict, MAX_RETRY_AFTER_MS,
};
use crate::core::alerting::outbound_url::WebhookHosts;
use crate::core::http_contract::validation::Checked;
use crate::core::time::format_rfc3339;

pub struct Discord;

/// Discord's limits: a title 256 characters, a field's value 1,024, and 6,000 across one
/// embed, which is why the description keeps to 2,000 (256 + 2,000 + 3 facts < 6,000).
const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 2_000;
const FIELD_MAX: usize = 1_024;

impl Kind for Discord {
    const SECRET_FIELDS: &'static [&'static str] = &["url"];

    fn configure(body: &Map<String, Value>, hosts: &WebhookHosts) -> Checked<Map<String, Value>> {
        incoming_webhook_url(body, hosts)
    }

    fn render(config: &Map<String, Value>, alert: &Alert, _ctx: &RenderContext) -> Rendered {
        let title = title_within(alert, TITLE_MAX, markdown);
        let fields: Vec<Value> = alert
            .facts()
            .iter()
            .map(|(label, value)| json!({"name": label, "value": escaped_within(value, FIELD_MAX, markdown), "inline": false}))
            .collect();
        let mut embed = json!({
            "title": title,
            "description": escaped_within(&alert.summary(), DESCRIPTION_MAX, markdown),
            "color": colour(alert),
            "fields": fields,
            "timestamp": format_rfc3339(alert.at),
        });
        if let Some(link) = &alert.link {
            embed["url"] = Value::from(link.as_str());
        }
        let body = json!({
            "content": title,
            "embeds": [embed],
            "allowed_mentions": {"parse": []},
        });
        Ok(vec![Outbound::json(stored(config, "url").to_string(), &body)])
    }

    /// Discord answers errors as `{"message", "code"}`: a deleted webhook (`Unknown Webhook`,
    /// 10015) or a bad token will never post again. A 429 says how long to wait in
    /// `retry_after`, in seconds with a fraction, more precisely than `Retry-After`.
    fn judge(answer: &Answer) -> Verdict {
        let said: Value = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
        match answer.status {
            401 | 403 | 404 => match said.get("message").and_then(Value::as_str) {
                Some(message) => {
                    let code = said.get("code").and_then(Value::as_i64);
                    Verdict::Permanent {
                        reason: match code {
                            Some(code) => format!("discord: {} ({code})", error_sentence(message)),
                            None => format!("discord: {}", error_sentence(message)),
                        },
                    }
                }
                None => common_verdict(answer),
            },
            429 => Verdict::Retry {
                error: "HTTP 429: rate limited".into(),
                after_ms: wait_ms(&said).or_else(|| retry_after_ms(answer.retry_after.as_deref())),
            },
            _ => common_verdict(answer),
        }
    }
}

/// `retry_after` (seconds, fractional) in whole milliseconds rounded up, capped as a
/// `Retry-After` is.
fn wait_ms(said: &Value) -> Option<i64> {
    let seconds = said.get("retry_after")?.as_f64()?;
    (seconds >= 0.0).then(|| ((seconds * 1_000.0).ceil() as i64).min(MAX_RETRY_AFTER_MS))
}

#[cfg(test)]
mod tests;
