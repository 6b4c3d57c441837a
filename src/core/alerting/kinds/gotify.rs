//! `gotify`: a message to the user's own Gotify server through an application token. The
//! message is Markdown (Gotify's `client::display` extra), so every text of the user's is
//! Markdown-escaped, and a click on the notification opens the alert's page
//! (`client::notification`).

use serde_json::{json, Map, Value};

use super::credential::credential;
use super::fields::{required_url, stored};
use super::kind::{Kind, RenderContext, Rendered};
use crate::core::alerting::alert::{Alert, AlertEvent};
use crate::core::alerting::markup::{markdown, one_line};
use crate::core::alerting::outbound::Outbound;
use crate::core::alerting::outbound_url::WebhookHosts;
use crate::core::http_contract::validation::Checked;

pub struct Gotify;

const MAX_TITLE: usize = 250;
/// Gotify stores any length; a phone shows a few lines, so a long ping message is cut.
const MAX_LINE: usize = 2_000;

/// Gotify's Android client rings and pops up from 8, rings from 4, and stays silent below;
/// a digest is a problem but not an outage, so it rings without the pop-up; an error an
/// `immediate` route tells is what that route asked to be paged for, so it pops up.
fn priority(event: AlertEvent) -> i64 {
    match event {
        AlertEvent::Down | AlertEvent::ErrorAlert => 8,
        AlertEvent::ErrorDigest => 6,
        AlertEvent::Up | AlertEvent::EventAlert | AlertEvent::EventDigest => 4,
        AlertEvent::Test | AlertEvent::DailyRollup => 2,
    }
}

/// A link target Markdown reads whole: parentheses, angle brackets, backslashes and white
/// space would end it or escape out of it, so they are percent-encoded.
fn link_target(url: &str) -> String {
    url.chars()
        .map(|c| match c {
            '(' | ')' | '<' | '>' | '\\' | ' ' | '\t' | '\n' | '\r' => format!("%{:02X}", c as u32),
            _ => c.to_string(),
        })
        .collect()
}

impl Kind for Gotify {
    const SECRET_FIELDS: &'static [&'static str] = &["token"];

    fn configure(body: &Map<String, Value>, hosts: &WebhookHosts) -> Checked<Map<String, Value>> {
        let url = required_url(body, "url", hosts)?;
        let token = credential(body, "token", 200)?;
        let mut config = Map::new();
        config.insert("url".into(), Value::from(url.trim_end_matches('/')));
        config.insert("token".into(), Value::from(token));
        Ok(config)
    }

    /// The token goes in the `X-Gotify-Key` header, not in `?token=` (which Gotify also
    /// accepts), so it never lands in a URL that proxies and delivery logs record.
    fn render(config: &Map<String, Value>, alert: &Alert, _ctx: &RenderContext) -> Rendered {
        // One paragraph per line, each flattened first: a newline in a name could otherwise
        // start a heading or a list, and a single newline is no line break in Markdown anyway.
        let mut paragraphs: Vec<String> = alert.lines().iter().map(|l| markdown(&one_line(l, MAX_LINE))).collect();
        if let Some(link) = &alert.link {
            paragraphs.push(format!("[Open in edgebeat]({})", link_target(link)));
        }
        let mut extras = json!({"client::display": {"contentType": "text/markdown"}});
        if let Some(link) = &alert.link {
            extras["client::notification"] = json!({"click": {"url": link}});
        }
        let body = json!({
            "title": one_line(&alert.title(), MAX_TITLE),
            "message": paragraphs.join("\n\n"),
            "priority": priority(alert.event),
            "extras": extras,
        });
        let url = format!("{}/message", stored(config, "url"));
        Ok(vec![
            Outbound::json(url, &body).with_header("X-Gotify-Key", stored(config, "token"))
        ])
    }
}

#[cfg(test)]
mod tests;
