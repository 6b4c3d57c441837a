//! `matrix`: an `m.room.message` sent to a room through the client-server API, as the user
//! whose `access_token` it holds (secret: it is that user's whole account). The transaction
//! id is the delivery's (its id and its frozen payload's digest), so a retry of a message the
//! homeserver already took is not posted twice. `body` is the plain text and `formatted_body`
//! its HTML, every text HTML-escaped; an empty `m.mentions` tells clients and servers that the
//! message mentions no one, so no name can notify the room or a user through the body-keyword
//! rules.

use serde_json::{json, Map, Value};

use super::appearance::{title_within, LINK_LABEL};
use super::fields::{required_line, required_url, stored};
use super::kind::{Kind, RenderContext, Rendered};
use crate::core::alerting::alert::{percent_encode, Alert};
use crate::core::alerting::markup::{escaped_within, html};
use crate::core::alerting::outbound::delivery_key;
use crate::core::alerting::outbound::{
    common_verdict, retry_after_ms, Answer, Method, Outbound, Verdict, MAX_RETRY_AFTER_MS,
};
use crate::core::alerting::outbound_url::WebhookHosts;
use crate::core::http_contract::validation::{Checked, FieldError};

pub struct Matrix;

/// An event is at most 64 KiB: each text (plain and HTML) is kept far below half of it,
/// even in four-byte characters.
const TITLE_MAX: usize = 256;
const LINES_MAX: usize = 6_000;

/// A room id is `!` and an opaque part: `!abc:example.org`, or since room version 12 a hash
/// with no server name. A `#alias` is not an id: sending to it fails.
fn is_room_id(s: &str) -> bool {
    s.strip_prefix('!')
        .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace))
}

/// A Matrix `errcode` (`M_FORBIDDEN`, `M_UNKNOWN_TOKEN`) safe to show, or nothing.
fn errcode(said: &Value) -> Option<&str> {
    let code = said.get("errcode")?.as_str()?;
    (!code.is_empty()
        && code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.'))
    .then_some(code)
}

/// `edgebeat-{delivery_key}`: a homeserver answers a transaction id it has seen (Synapse: for
/// 24 h, per device) with the old event and posts nothing, so the id must differ for every
/// alert and stay the same for every retry of one.
fn transaction_id(alert: &Alert, ctx: &RenderContext) -> String {
    format!("edgebeat-{}", delivery_key(alert.delivery_id, ctx.payload))
}

impl Kind for Matrix {
    const SECRET_FIELDS: &'static [&'static str] = &["access_token"];

    fn configure(body: &Map<String, Value>, hosts: &WebhookHosts) -> Checked<Map<String, Value>> {
        let homeserver = required_url(body, "homeserver", hosts)?;
        let access_token = required_line(body, "access_token", 1_000)?;
        if access_token.contains(char::is_whitespace) {
            return Err(FieldError::new("access_token", "must not contain white space"));
        }
        let room_id = required_line(body, "room_id", 255)?;
        if !is_room_id(&room_id) {
            return Err(FieldError::new(
                "room_id",
                "must be a room id starting with ! (the room's settings show it), not an #alias",
            ));
        }
        Ok(Map::from_iter([
            ("homeserver".to_string(), Value::from(homeserver.trim_end_matches('/'))),
            ("access_token".to_string(), Value::from(access_token)),
            ("room_id".to_string(), Value::from(room_id)),
        ]))
    }

    fn render(config: &Map<String, Value>, alert: &Alert, ctx: &RenderContext) -> Rendered {
        let url = format!(
            "{}/_matrix/client/v3/rooms/{}/send/m.room.message/{}",
            stored(config, "homeserver"),
            percent_encode(stored(config, "room_id")),
            transaction_id(alert, ctx)
        );
        let lines = alert.lines().join("\n");
        let mut text = format!(
            "{}\n{}",
            title_within(alert, TITLE_MAX, str::to_string),
            escaped_within(&lines, LINES_MAX, str::to_string)
        );
        let mut formatted = format!(
            "<strong>{}</strong><br>{}",
            title_within(alert, TITLE_MAX, html),
            escaped_within(&lines, LINES_MAX, html).replace('\n', "<br>")
        );
        if let Some(link) = &alert.link {
            text.push_str(&format!("\n{link}"));
            formatted.push_str(&format!("<br><a href=\"{}\">{LINK_LABEL}</a>", html(link)));
        }
        let body = json!({
            "msgtype": "m.text",
            "body": text,
            "format": "org.matrix.custom.html",
            "formatted_body": formatted,
            "m.mentions": {},
        });
        let out = Outbound::json(url, &body)
            .with_method(Method::Put)
            .with_header("authorization", format!("Bearer {}", stored(config, "access_token")));
        Ok(vec![out])
    }

    /// Matrix answers errors as `{"errcode", "error"}`. A token that is unknown or may not
    /// post in the room (401, 403) stays so; a 429 (`M_LIMIT_EXCEEDED`) says how long to
    /// wait in `retry_after_ms`, or in `Retry-After` on newer homeservers.
    fn judge(answer: &Answer) -> Verdict {
        let said: Value = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
        match (answer.status, errcode(&said)) {
            (401 | 403, Some(code)) => Verdict::Permanent {
                reason: format!("matrix: {code}"),
            },
            (429, _) => {
                let body_ms = said
                    .get("retry_after_ms")
                    .and_then(Value::as_i64)
                    .filter(|ms| *ms >= 0)
                    .map(|ms| ms.min(MAX_RETRY_AFTER_MS));
                Verdict::Retry {
                    error: "HTTP 429: rate limited".into(),
                    after_ms: body_ms.or_else(|| retry_after_ms(answer.retry_after.as_deref())),
                }
            }
            _ => common_verdict(answer),
        }
    }
}

#[cfg(test)]
mod tests;
