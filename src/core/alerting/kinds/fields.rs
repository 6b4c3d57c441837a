//! Field checks the kinds share (every failure names its field), and how a secret is shown
//! after creation.

use serde_json::{Map, Value};

use crate::core::alerting::outbound_url::{check_channel_url, WebhookHosts};
use crate::core::http_contract::validation::{is_webhook_url, line_text, Checked, FieldError};

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

/// The whole configuration of a kind that is only its service's incoming-webhook URL (Slack,
/// Discord, Teams, Google Chat, Mattermost): `url`, checked as `outbound_url_field`.
pub fn incoming_webhook_url(body: &Map<String, Value>, hosts: &WebhookHosts) -> Checked<Map<String, Value>> {
    let url = required_url(body, "url", hosts)?;
    Ok(Map::from_iter([("url".to_string(), Value::from(url))]))
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
        assert_eq!(
            hint("ftp://host/abcdefgh1234"),
            "…1234",
            "only a webhook URL shows its host"
        );
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
    fn a_secret_that_only_looks_like_a_url_shows_its_last_four_only() {
        assert_eq!(hint("ftp://host/secretpath1234"), "…1234");
        assert_eq!(hint("tk://abcdefgh5678"), "…5678");
    }
}
