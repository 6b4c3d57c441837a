//! `mattermost`: an incoming webhook, in the Slack-compatible attachment Mattermost renders:
//! a colour, the title linked to edgebeat's page, what happened, the facts as fields. The
//! `url` is the credential, so it is secret. Title, text and field values are Markdown, so
//! they are Markdown-escaped; and because Mattermost finds `@channel` in the words of the
//! text whatever the Markdown says (a backslash splits words there), every `@` is also
//! followed by an invisible joiner.

use serde_json::{json, Map, Value};

use super::appearance::{hex_colour, title_within};
use super::fields::{incoming_webhook_url, stored};
use super::kind::{Kind, RenderContext, Rendered};
use crate::core::alerting::alert::Alert;
use crate::core::alerting::markup::{escaped_within, markdown, one_line, quiet_mentions};
use crate::core::alerting::outbound::{common_verdict, error_word, Answer, Outbound, Verdict};
use crate::core::alerting::outbound_url::WebhookHosts;
use crate::core::http_contract::validation::Checked;

pub struct Mattermost;

/// Far inside a post's 16,383 characters.
const TITLE_MAX: usize = 200;
const TEXT_MAX: usize = 4_000;
const FIELD_MAX: usize = 2_000;

/// Mattermost's answers to a hook that was deleted, or to a server whose admin turned
/// incoming webhooks off: neither will take a message again.
const GONE: &[&str] = &[
    "web.incoming_webhook.invalid.app_error",
    "web.incoming_webhook.disabled.app_error",
];

/// Markdown with mentions broken: what Mattermost's rendered fields need.
fn escape(s: &str) -> String {
    quiet_mentions(&markdown(s))
}

impl Kind for Mattermost {
    const SECRET_FIELDS: &'static [&'static str] = &["url"];

    fn configure(body: &Map<String, Value>, hosts: &WebhookHosts) -> Checked<Map<String, Value>> {
        incoming_webhook_url(body, hosts)
    }

    fn render(config: &Map<String, Value>, alert: &Alert, _ctx: &RenderContext) -> Rendered {
        let fields: Vec<Value> = alert
            .facts()
            .iter()
            .map(|(label, value)| json!({"title": label, "value": escaped_within(value, FIELD_MAX, escape), "short": false}))
            .collect();
        let mut attachment = json!({
            // Notifications show the fallback as plain text, never as Markdown: only the
            // mentions need breaking.
            "fallback": quiet_mentions(&one_line(&alert.title(), TITLE_MAX)),
            "color": hex_colour(alert),
            "title": title_within(alert, TITLE_MAX, escape),
            "text": escaped_within(&alert.summary(), TEXT_MAX, escape),
            "fields": fields,
        });
        if let Some(link) = &alert.link {
            attachment["title_link"] = Value::from(link.as_str());
        }
        let body = json!({ "attachments": [attachment] });
        Ok(vec![Outbound::json(stored(config, "url").to_string(), &body)])
    }

    /// Mattermost answers errors as `{"id", "message", "status_code"}`; the `id` says
    /// whether the hook is gone for good.
    fn judge(answer: &Answer) -> Verdict {
        let said: Value = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
        let id = said.get("id").and_then(Value::as_str).and_then(error_word);
        match id {
            Some(id) if GONE.contains(&id) => Verdict::Permanent {
                reason: format!("mattermost: {id}"),
            },
            _ => common_verdict(answer),
        }
    }
}

#[cfg(test)]
mod tests;
