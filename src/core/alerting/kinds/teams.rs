//! `teams`: a Teams channel's Workflows webhook ("Post to a channel when a webhook request
//! is received"). The `url` is signed and is the credential, so it is secret. The message is
//! an Adaptive Card 1.4 in the envelope Workflows reads: the title coloured by what
//! happened, what happened, the facts as a FactSet, a button to edgebeat's page. TextBlocks
//! and facts render Markdown, so every text is Markdown-escaped; a card only mentions
//! someone through explicit `msteams.entities`, which it never carries.

use serde_json::{json, Map, Value};

use super::appearance::{title_within, LINK_LABEL};
use super::fields::{incoming_webhook_url, stored};
use super::kind::{Kind, RenderContext, Rendered};
use crate::core::alerting::alert::{Alert, AlertEvent};
use crate::core::alerting::markup::{escaped_within, markdown};
use crate::core::alerting::outbound::Outbound;
use crate::core::alerting::outbound_url::WebhookHosts;
use crate::core::http_contract::validation::Checked;

pub struct Teams;

/// Far inside a card's 28 KB.
const TITLE_MAX: usize = 200;
const SUMMARY_MAX: usize = 4_000;
const FACT_MAX: usize = 1_000;

/// The TextBlock colour of the title: Adaptive Cards name colours by meaning.
fn title_colour(alert: &Alert) -> &'static str {
    match alert.event {
        AlertEvent::Down | AlertEvent::ErrorDigest | AlertEvent::ErrorAlert => "Attention",
        AlertEvent::Up => "Good",
        AlertEvent::Test | AlertEvent::EventAlert | AlertEvent::EventDigest | AlertEvent::DailyRollup => "Accent",
    }
}

impl Kind for Teams {
    const SECRET_FIELDS: &'static [&'static str] = &["url"];

    fn configure(body: &Map<String, Value>, hosts: &WebhookHosts) -> Checked<Map<String, Value>> {
        incoming_webhook_url(body, hosts)
    }

    fn render(config: &Map<String, Value>, alert: &Alert, _ctx: &RenderContext) -> Rendered {
        let mut card_body = vec![
            json!({
                "type": "TextBlock",
                "text": title_within(alert, TITLE_MAX, markdown),
                "size": "Large",
                "weight": "Bolder",
                "color": title_colour(alert),
                "wrap": true,
            }),
            json!({"type": "TextBlock", "text": escaped_within(&alert.summary(), SUMMARY_MAX, markdown), "wrap": true}),
        ];
        let facts: Vec<Value> = alert
            .facts()
            .iter()
            .map(|(label, value)| json!({"title": label, "value": escaped_within(value, FACT_MAX, markdown)}))
            .collect();
        if !facts.is_empty() {
            card_body.push(json!({"type": "FactSet", "facts": facts}));
        }
        let mut card = json!({
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": card_body,
        });
        if let Some(link) = &alert.link {
            card["actions"] = json!([{"type": "Action.OpenUrl", "title": LINK_LABEL, "url": link}]);
        }
        let body = json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": card,
            }],
        });
        Ok(vec![Outbound::json(stored(config, "url").to_string(), &body)])
    }
}

#[cfg(test)]
mod tests;
