//! `google_chat`: a space's incoming webhook. The `url` carries its key and token, so it is
//! secret. A text message in Chat's own formatting (a bold title, a line per fact, a
//! `<url|label>` link), with `& < >` escaped as Slack does, so no name can mention
//! `<users/all>` or make a link.

use serde_json::{json, Map, Value};

use super::appearance::{title_within, LINK_LABEL};
use super::fields::{incoming_webhook_url, stored};
use super::kind::{Kind, RenderContext, Rendered};
use crate::core::alerting::alert::Alert;
use crate::core::alerting::markup::{escaped_within, slack};
use crate::core::alerting::outbound::Outbound;
use crate::core::alerting::outbound_url::WebhookHosts;
use crate::core::http_contract::validation::Checked;

pub struct GoogleChat;

/// Within a text message's 4,096 characters, with room for the link.
const TITLE_MAX: usize = 200;
const LINES_MAX: usize = 3_000;

impl Kind for GoogleChat {
    const SECRET_FIELDS: &'static [&'static str] = &["url"];

    fn configure(body: &Map<String, Value>, hosts: &WebhookHosts) -> Checked<Map<String, Value>> {
        incoming_webhook_url(body, hosts)
    }

    fn render(config: &Map<String, Value>, alert: &Alert, _ctx: &RenderContext) -> Rendered {
        let mut text = format!(
            "*{}*\n{}",
            title_within(alert, TITLE_MAX, slack),
            escaped_within(&alert.lines().join("\n"), LINES_MAX, slack)
        );
        // The link is edgebeat's own (PUBLIC_URL and a percent-encoded path): nothing in it
        // can close the `<url|label>`.
        if let Some(link) = &alert.link {
            text.push_str(&format!("\n<{link}|{LINK_LABEL}>"));
        }
        let mut out = Outbound::json(stored(config, "url").to_string(), &json!({ "text": text }));
        // As Google documents the webhook: JSON with its charset named.
        out.headers = vec![("content-type".into(), "application/json; charset=UTF-8".into())];
        Ok(vec![out])
    }
}

#[cfg(test)]
mod tests;
