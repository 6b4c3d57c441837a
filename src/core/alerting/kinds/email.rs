//! `email`: an alert to 1 to 10 addresses, through the deploy's mail API (Resend or Postmark,
//! `RenderContext.mail`), or as a raw MIME message for Cloudflare's Email Service binding
//! (`mime::mime_message`, which the edge hands to `send_email`). The sender, the API and its
//! key are the deploy's, never the channel's: a channel only says where mail goes.

use serde_json::{json, Map, Value};

use super::kind::{Kind, MailSettings, RenderContext, Rendered};
use crate::core::alerting::alert::Alert;
use crate::core::alerting::outbound::{common_verdict, error_sentence, Answer, Outbound, Verdict};
use crate::core::alerting::outbound_url::WebhookHosts;
use crate::core::http_contract::validation::{Checked, FieldError};
use address::is_mail_address;

pub mod address;
pub mod body;
pub mod mime;

pub struct Email;

const MAX_RECIPIENTS: usize = 10;
const RESEND_API: &str = "https://api.resend.com";
const POSTMARK_API: &str = "https://api.postmarkapp.com";
pub const NOT_CONFIGURED: &str = "email is not configured on this deploy: set MAIL_API, MAIL_API_KEY and MAIL_FROM";

/// `to`: one address, or a list of 1 to 10.
fn recipients(body: &Map<String, Value>) -> Checked<Vec<String>> {
    let shape = || FieldError::new("to", "must be an email address or a list of 1 to 10 of them");
    let given: Vec<&str> = match body.get("to") {
        None | Some(Value::Null) => return Err(FieldError::new("to", "is required")),
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().ok_or_else(shape))
            .collect::<Checked<_>>()?,
        Some(_) => return Err(shape()),
    };
    if given.is_empty() || given.len() > MAX_RECIPIENTS {
        return Err(shape());
    }
    given
        .iter()
        .map(|a| {
            let a = a.trim();
            match is_mail_address(a) {
                true => Ok(a.to_string()),
                false => Err(FieldError::new(
                    "to",
                    "must hold plain addresses like name@example.com (no names or angle brackets)",
                )),
            }
        })
        .collect()
}

/// The channel's recipients as stored.
pub fn stored_recipients(config: &Map<String, Value>) -> Vec<String> {
    config
        .get("to")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

/// The mail API's base URL: `MAIL_API_URL`, or the service's own.
fn api_base(mail: &MailSettings, default: &str) -> String {
    mail.api_url
        .as_deref()
        .unwrap_or(default)
        .trim_end_matches('/')
        .to_string()
}

/// What a mail API said when it refused: Resend's `message` or Postmark's `Message`.
fn what_the_api_said(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or_default();
    let said = ["message", "Message"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .unwrap_or_default();
    error_sentence(said)
}

impl Kind for Email {
    const SECRET_FIELDS: &'static [&'static str] = &[];

    fn configure(body: &Map<String, Value>, _hosts: &WebhookHosts) -> Checked<Map<String, Value>> {
        let mut config = Map::new();
        config.insert("to".into(), json!(recipients(body)?));
        Ok(config)
    }

    fn render(config: &Map<String, Value>, alert: &Alert, ctx: &RenderContext) -> Rendered {
        let mail = ctx.mail.ok_or(NOT_CONFIGURED)?;
        let to = stored_recipients(config);
        let unsubscribe = mime::list_unsubscribe(ctx.public_url);
        let (subject, text, html) = (body::subject(alert), body::text(alert), body::html(alert));
        let request = match mail.api.as_str() {
            "resend" => {
                let mut message = json!({
                    "from": mail.from, "to": to, "subject": subject, "text": text, "html": html,
                });
                if let Some(unsubscribe) = unsubscribe {
                    message["headers"] = json!({"List-Unsubscribe": unsubscribe});
                }
                Outbound::json(format!("{}/emails", api_base(mail, RESEND_API)), &message)
                    .with_header("Authorization", format!("Bearer {}", mail.api_key))
            }
            "postmark" => {
                let mut message = json!({
                    "From": mail.from, "To": to.join(","), "Subject": subject,
                    "TextBody": text, "HtmlBody": html, "MessageStream": "outbound",
                });
                if let Some(unsubscribe) = unsubscribe {
                    message["Headers"] = json!([{"Name": "List-Unsubscribe", "Value": unsubscribe}]);
                }
                Outbound::json(format!("{}/email", api_base(mail, POSTMARK_API)), &message)
                    .with_header("X-Postmark-Server-Token", mail.api_key.as_str())
                    .with_header("Accept", "application/json")
            }
            other => {
                return Err(format!(
                    "MAIL_API must be resend or postmark, not {}",
                    error_sentence(other)
                ))
            }
        };
        Ok(vec![request])
    }

    /// A refused key (401), a sender whose domain is not verified (403) and a message the API
    /// will not take (422: an invalid or inactive recipient) stay refused on a retry.
    fn judge(answer: &Answer) -> Verdict {
        let reason = match answer.status {
            401 => "HTTP 401: the mail API refused its key",
            403 => "HTTP 403: the mail API will not send from this sender (is its domain verified?)",
            422 => "HTTP 422: the mail API refused the message",
            _ => return common_verdict(answer),
        };
        let said = what_the_api_said(&answer.body);
        Verdict::Permanent {
            reason: match said.as_str() {
                "" => reason.to_string(),
                said => format!("{reason}: {said}"),
            },
        }
    }
}

#[cfg(test)]
mod tests;
