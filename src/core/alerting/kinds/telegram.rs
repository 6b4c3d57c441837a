//! `telegram`: a bot's message to a chat, a channel or a forum topic through the Bot API's
//! `sendMessage`. The `bot_token` (BotFather's `123456:ABC-DEF...`) lets anyone speak as the
//! bot, so it is secret; `api_url` points at a self-hosted Bot API server when set. The text
//! is Telegram's HTML mode, every text HTML-escaped and every `@` followed by an invisible
//! joiner so that no name mentions a user.

use serde_json::{json, Map, Value};

use super::appearance::{title_within, LINK_LABEL};
use super::fields::{required_line, stored, url_or_default};
use super::kind::{Kind, RenderContext, Rendered};
use crate::core::alerting::alert::Alert;
use crate::core::alerting::markup::{escaped_within, html, quiet_mentions};
use crate::core::alerting::outbound::{common_verdict, error_sentence, retry_after_ms, Answer, Outbound, Verdict};
use crate::core::alerting::outbound_url::WebhookHosts;
use crate::core::http_contract::validation::{optional_integer, Checked, FieldError};

pub struct Telegram;

pub const DEFAULT_API_URL: &str = "https://api.telegram.org";

/// A message is at most 4,096 characters once its HTML is read.
const TITLE_MAX: usize = 256;
const LINES_MAX: usize = 3_500;

/// What a 400's `description` says when the chat cannot take the bot's messages until
/// someone changes it: no retry helps.
const GONE_CHAT: &[&str] = &[
    "chat not found",
    "message thread not found",
    "not enough rights",
    "need administrator rights",
    "upgraded to a supergroup",
];

/// HTML with mentions broken: what Telegram's HTML text needs.
fn escape(s: &str) -> String {
    quiet_mentions(&html(s))
}

/// BotFather's shape, loosely: the bot's number, a colon, then at least 30 characters of
/// `[A-Za-z0-9_-]`.
fn is_bot_token(s: &str) -> bool {
    s.split_once(':').is_some_and(|(id, secret)| {
        !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_digit())
            && secret.len() >= 30
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}

/// A chat as the Bot API takes it: a whole number (groups and channels are negative),
/// given as a number or a string, or a public channel's `@username` (5 to 32 letters,
/// digits or underscores).
fn chat_id(body: &Map<String, Value>) -> Checked<Value> {
    const SHAPE: &str = "must be a chat id (a whole number) or a channel's @username";
    // The parse refuses what is empty or too long for an i64.
    let numeric = |s: &str| {
        let digits = s.strip_prefix('-').unwrap_or(s);
        digits
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| s.parse::<i64>().ok())
            .flatten()
    };
    let username = |s: &str| {
        s.strip_prefix('@').is_some_and(|name| {
            (5..=32).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
    };
    match body.get("chat_id") {
        None | Some(Value::Null) => Err(FieldError::new("chat_id", "is required")),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Value::from)
            .ok_or_else(|| FieldError::new("chat_id", SHAPE)),
        Some(Value::String(s)) => match numeric(s) {
            Some(id) => Ok(Value::from(id)),
            None if username(s) => Ok(Value::from(s.as_str())),
            None => Err(FieldError::new("chat_id", SHAPE)),
        },
        Some(_) => Err(FieldError::new("chat_id", SHAPE)),
    }
}

impl Kind for Telegram {
    const SECRET_FIELDS: &'static [&'static str] = &["bot_token"];

    fn configure(body: &Map<String, Value>, hosts: &WebhookHosts) -> Checked<Map<String, Value>> {
        let bot_token = required_line(body, "bot_token", 200)?;
        if !is_bot_token(&bot_token) {
            return Err(FieldError::new(
                "bot_token",
                "must be a bot token as BotFather gives it: 123456:ABC-DEF...",
            ));
        }
        let chat_id = chat_id(body)?;
        let thread_id = optional_integer(body, "thread_id", 1, i64::from(i32::MAX))?;
        let api_url = url_or_default(body, "api_url", DEFAULT_API_URL, hosts)?;
        let mut config = Map::new();
        config.insert("bot_token".into(), Value::from(bot_token));
        config.insert("chat_id".into(), chat_id);
        if let Some(thread_id) = thread_id {
            config.insert("thread_id".into(), Value::from(thread_id));
        }
        config.insert("api_url".into(), Value::from(api_url));
        Ok(config)
    }

    fn render(config: &Map<String, Value>, alert: &Alert, _ctx: &RenderContext) -> Rendered {
        let url = format!(
            "{}/bot{}/sendMessage",
            stored(config, "api_url"),
            stored(config, "bot_token")
        );
        let mut text = format!(
            "<b>{}</b>\n{}",
            title_within(alert, TITLE_MAX, escape),
            escaped_within(&alert.lines().join("\n"), LINES_MAX, escape)
        );
        if let Some(link) = &alert.link {
            text.push_str(&format!("\n<a href=\"{}\">{LINK_LABEL}</a>", html(link)));
        }
        let mut body = json!({
            "chat_id": config.get("chat_id").cloned().unwrap_or(Value::Null),
            "text": text,
            "parse_mode": "HTML",
            "disable_web_page_preview": true,
        });
        if let Some(thread_id) = config.get("thread_id") {
            body["message_thread_id"] = thread_id.clone();
        }
        Ok(vec![Outbound::json(url, &body)])
    }

    /// The Bot API answers `{"ok": false, "error_code", "description", "parameters"}`, and
    /// the description is the reason shown (`Forbidden: bot was blocked by the user`). A
    /// revoked token (401), a bot blocked, kicked or muted (403), or a chat that is gone
    /// will not change by waiting; a 429 says how long to wait in `parameters.retry_after`.
    fn judge(answer: &Answer) -> Verdict {
        let said: Value = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
        let description = said.get("description").and_then(Value::as_str);
        let gone = |d: &str| {
            // ASCII case folding: the phrases are ASCII, and `to_lowercase` would bring
            // Unicode's case tables (~12 KB) into the wasm.
            let d = d.to_ascii_lowercase();
            GONE_CHAT.iter().any(|phrase| d.contains(phrase))
        };
        match (answer.status, description) {
            (401 | 403, Some(d)) => Verdict::Permanent {
                reason: error_sentence(d),
            },
            (400, Some(d)) if gone(d) => Verdict::Permanent {
                reason: error_sentence(d),
            },
            (400, Some(d)) => Verdict::Retry {
                error: error_sentence(d),
                after_ms: None,
            },
            (429, _) => {
                let seconds = said.pointer("/parameters/retry_after").and_then(Value::as_i64);
                Verdict::Retry {
                    error: "HTTP 429: rate limited".into(),
                    after_ms: retry_after_ms(seconds.map(|s| s.to_string()).as_deref())
                        .or_else(|| retry_after_ms(answer.retry_after.as_deref())),
                }
            }
            _ => common_verdict(answer),
        }
    }
}

#[cfg(test)]
mod tests;
