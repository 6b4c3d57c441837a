//! `slack`: an incoming webhook. The `url` is the credential (whoever holds it may post), so
//! it is secret. The message is Block Kit inside an attachment, because only an attachment
//! carries a colour: the title and what happened in one section, the facts as fields, a
//! button to edgebeat's page. Every text is mrkdwn with Slack's three escapes, so no name
//! can broadcast (`<!channel>`) or link; `text` is what notifications show.

use serde_json::{json, Map, Value};

use super::appearance::{hex_colour, title_within, LINK_LABEL};
use super::fields::{incoming_webhook_url, stored};
use super::kind::{Kind, RenderContext, Rendered};
use crate::core::alerting::alert::Alert;
use crate::core::alerting::markup::{escaped_within, slack};
use crate::core::alerting::outbound::{common_verdict, error_word, Answer, Outbound, Verdict};
use crate::core::alerting::outbound_url::WebhookHosts;
use crate::core::http_contract::validation::Checked;

pub struct Slack;

/// Within Slack's limits: a section's text 3,000 characters, a field's 2,000.
const TITLE_MAX: usize = 200;
const SUMMARY_MAX: usize = 2_500;
const FIELD_MAX: usize = 1_900;

impl Kind for Slack {
    const SECRET_FIELDS: &'static [&'static str] = &["url"];

    fn configure(body: &Map<String, Value>, hosts: &WebhookHosts) -> Checked<Map<String, Value>> {
        incoming_webhook_url(body, hosts)
    }

    fn render(config: &Map<String, Value>, alert: &Alert, _ctx: &RenderContext) -> Rendered {
        let title = title_within(alert, TITLE_MAX, slack);
        let summary = escaped_within(&alert.summary(), SUMMARY_MAX, slack);
        let mut blocks = vec![json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": format!("*{title}*\n{summary}")},
        })];
        let fields: Vec<Value> = alert
            .facts()
            .iter()
            .map(|(label, value)| {
                let value = escaped_within(value, FIELD_MAX, slack);
                json!({"type": "mrkdwn", "text": format!("*{label}*\n{value}")})
            })
            .collect();
        if !fields.is_empty() {
            blocks.push(json!({"type": "section", "fields": fields}));
        }
        if let Some(link) = &alert.link {
            blocks.push(json!({
                "type": "actions",
                "elements": [{"type": "button", "text": {"type": "plain_text", "text": LINK_LABEL}, "url": link}],
            }));
        }
        let body = json!({
            "text": title,
            "attachments": [{"color": hex_colour(alert), "fallback": title, "blocks": blocks}],
        });
        Ok(vec![Outbound::json(stored(config, "url").to_string(), &body)])
    }

    /// Slack answers an error as a bare word. A hook that was revoked, or whose channel was
    /// deleted or archived, will never take a message again; a payload Slack refuses is
    /// edgebeat's bug, tried again (after a fix ships) rather than failing the channel.
    fn judge(answer: &Answer) -> Verdict {
        match (answer.status, error_word(&answer.body)) {
            (400, Some(word)) => Verdict::Retry {
                error: format!("slack: {word}"),
                after_ms: None,
            },
            (403 | 404 | 410, Some(word)) => Verdict::Permanent {
                reason: format!("slack: {word}"),
            },
            _ => common_verdict(answer),
        }
    }
}

#[cfg(test)]
mod tests;
