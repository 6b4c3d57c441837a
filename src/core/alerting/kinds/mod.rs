//! Channel kinds: one file per service, each saying which fields a channel of that kind has
//! (and which are secret), the requests an alert becomes in exactly the shape the service
//! documents, and how the service's answer is read. The outbox and the notifier deliver
//! every kind alike. A new kind is a file here, a variant of `ChannelKind` and its line in
//! each `match` below.

use serde_json::{Map, Value};

use super::alert::Alert;
use super::outbound::{Answer, Outbound, Verdict};
use super::outbound_url::{check_channel_url, WebhookHosts};
use crate::core::http_contract::validation::{is_webhook_url, line_text, Checked, FieldError};

pub mod webhook;

/// The deploy's mail settings (secrets and vars), for the `email` kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// `resend` or `postmark`.
    pub api: String,
    pub api_key: String,
    /// The sender address, `MAIL_FROM`.
    pub from: String,
    /// Where the mail API is reached (`MAIL_API_URL`; the service's own by default).
    pub api_url: Option<String>,
}

/// What a renderer knows besides the channel and the alert.
#[derive(Debug, Clone, Copy)]
pub struct RenderContext<'a> {
    /// Unix seconds now (signatures).
    pub now_s: i64,
    /// The channel's signing secret (the `webhook` kind signs every request with it).
    pub signing_secret: &'a str,
    /// Set when the deploy configured a mail API.
    pub mail: Option<&'a MailSettings>,
    /// `PUBLIC_URL` without a trailing slash ("" when unset).
    pub public_url: &'a str,
    /// The delivery's frozen JSON payload, as the `webhook` kind sends it by default.
    pub payload: &'a str,
}

/// The requests one alert becomes, in order (usually one), or why it cannot be sent at all
/// (a permanent failure: an email channel on a deploy with no mail configured).
pub type Rendered = Result<Vec<Outbound>, String>;

/// One channel kind's rules.
pub trait Kind {
    /// Fields shown once at creation and never again (masked in lists).
    const SECRET_FIELDS: &'static [&'static str];
    /// Checks a creation body's fields (beyond `kind`, `name` and the `notify_*` switches)
    /// and answers the configuration to store, defaults filled in.
    fn configure(body: &Map<String, Value>, hosts: &WebhookHosts) -> Checked<Map<String, Value>>;
    fn render(config: &Map<String, Value>, alert: &Alert, ctx: &RenderContext) -> Rendered;
    fn judge(answer: &Answer) -> Verdict {
        super::outbound::common_verdict(answer)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    Webhook,
}

impl ChannelKind {
    pub const ALL: &'static [ChannelKind] = &[ChannelKind::Webhook];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Webhook => "webhook",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    pub fn secret_fields(self) -> &'static [&'static str] {
        match self {
            ChannelKind::Webhook => webhook::Webhook::SECRET_FIELDS,
        }
    }

    pub fn configure(self, body: &Map<String, Value>, hosts: &WebhookHosts) -> Checked<Map<String, Value>> {
        match self {
            ChannelKind::Webhook => webhook::Webhook::configure(body, hosts),
        }
    }

    pub fn render(self, config: &Map<String, Value>, alert: &Alert, ctx: &RenderContext) -> Rendered {
        match self {
            ChannelKind::Webhook => webhook::Webhook::render(config, alert, ctx),
        }
    }

    pub fn judge(self, answer: &Answer) -> Verdict {
        match self {
            ChannelKind::Webhook => webhook::Webhook::judge(answer),
        }
    }

    /// The configuration as a list shows it: every secret field masked (`hint`).
    pub fn shown(self, config: &Map<String, Value>) -> Map<String, Value> {
        let mut out = config.clone();
        for field in self.secret_fields() {
            if let Some(Value::String(s)) = config.get(*field) {
                out.insert((*field).to_string(), Value::from(hint(s)));
            }
        }
        out
    }
}

/// A secret as lists show it: a URL as its scheme and host plus `…` and its last 4
/// characters; anything else as `…` and its last 4 (nothing of a secret shorter than 12).
pub fn hint(secret: &str) -> String {
    let last4 = |s: &str, min: usize| -> String {
        let chars: Vec<char> = s.chars().collect();
        if chars.len() >= min {
            chars[chars.len() - 4..].iter().collect()
        } else {
            String::new()
        }
    };
    match secret.split_once("://") {
        Some((scheme, rest)) if is_webhook_url(secret) => {
            let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let host = rest[..host_end].rsplit_once('@').map_or(&rest[..host_end], |(_, h)| h);
            // The last 4 of what follows the host (where a webhook URL keeps its secret).
            format!("{scheme}://{host}/…{}", last4(&rest[host_end..], 12))
        }
        _ => format!("…{}", last4(secret, 12)),
    }
}

// Field helpers the kinds share. Every failure names its field.

/// A required one-line text field (a token, an id), at most `max` characters.
pub fn required_line(body: &Map<String, Value>, field: &str, max: usize) -> Checked<String> {
    match body.get(field) {
        Some(Value::String(s)) => line_text(field, s, max),
        None | Some(Value::Null) => Err(FieldError::new(field, "is required")),
        Some(_) => Err(FieldError::new(field, "must be a string")),
    }
}

/// An optional one-line text field.
pub fn optional_line(body: &Map<String, Value>, field: &str, max: usize) -> Checked<Option<String>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => required_line(body, field, max).map(Some),
    }
}

/// A URL field an alert is sent to: an absolute http(s) URL that passes the outbound rules
/// (no internal address unless `WEBHOOK_HOSTS` names it), taken as sent.
pub fn outbound_url_field(field: &str, url: &str, hosts: &WebhookHosts) -> Checked<String> {
    if !is_webhook_url(url) {
        return Err(FieldError::new(
            field,
            "must be an absolute http or https URL without white space or control characters",
        ));
    }
    check_channel_url(url, hosts).map_err(|r| FieldError::new(field, r.field_message()))?;
    Ok(url.to_string())
}

/// A required URL field, checked as `outbound_url_field`.
pub fn required_url(body: &Map<String, Value>, field: &str, hosts: &WebhookHosts) -> Checked<String> {
    match body.get(field) {
        Some(Value::String(s)) => outbound_url_field(field, s, hosts),
        None | Some(Value::Null) => Err(FieldError::new(field, "is required")),
        Some(_) => Err(FieldError::new(field, "must be a string")),
    }
}

/// An optional URL field with a default (a service's own API), checked as
/// `outbound_url_field`; the answer has no trailing slash.
pub fn url_or_default(body: &Map<String, Value>, field: &str, default: &str, hosts: &WebhookHosts) -> Checked<String> {
    let url = match body.get(field) {
        None | Some(Value::Null) => default.to_string(),
        Some(Value::String(s)) => outbound_url_field(field, s, hosts)?,
        Some(_) => return Err(FieldError::new(field, "must be a string")),
    };
    Ok(url.trim_end_matches('/').to_string())
}

/// A stored string field (present after `configure`).
pub fn stored<'a>(config: &'a Map<String, Value>, field: &str) -> &'a str {
    config.get(field).and_then(Value::as_str).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_show_the_host_and_the_last_four_characters_only() {
        assert_eq!(
            hint("https://hooks.slack.com/services/T0/B0/abcdefgh1234"),
            "https://hooks.slack.com/…1234"
        );
        assert_eq!(
            hint("https://user:pw@example.com/x/secretpath9876"),
            "https://example.com/…9876"
        );
        assert_eq!(hint("123456:ABCDEFGHIJKLMNOP"), "…MNOP");
        assert_eq!(hint("short"), "…");
        assert_eq!(hint("https://a.io"), "https://a.io/…");
    }

    #[test]
    fn every_kind_parses_its_own_name() {
        for kind in ChannelKind::ALL {
            assert_eq!(ChannelKind::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(ChannelKind::parse("WEBHOOK"), None);
        assert_eq!(ChannelKind::parse(""), None);
    }

    #[test]
    fn url_fields_refuse_internal_hosts_unless_listed() {
        let open = WebhookHosts::default();
        assert!(outbound_url_field("url", "https://example.com/hook", &open).is_ok());
        assert_eq!(
            outbound_url_field("url", "http://169.254.169.254/", &open)
                .unwrap_err()
                .field,
            "url"
        );
        assert!(outbound_url_field("api_url", "ftp://example.com", &open).is_err());
        let listed = WebhookHosts::from_var(Some("127.0.0.1"));
        assert!(outbound_url_field("url", "http://127.0.0.1:9/x", &listed).is_ok());
    }

    #[test]
    fn shown_masks_only_the_secret_fields() {
        let mut config = Map::new();
        config.insert("url".into(), Value::from("https://example.com/hooks/abcdefghijkl"));
        config.insert("method".into(), Value::from("POST"));
        for kind in ChannelKind::ALL {
            let shown = kind.shown(&config);
            assert_eq!(shown["method"], "POST");
            let url_is_secret = kind.secret_fields().contains(&"url");
            assert_eq!(shown["url"] == config["url"], !url_is_secret, "{}", kind.as_str());
        }
    }
}
