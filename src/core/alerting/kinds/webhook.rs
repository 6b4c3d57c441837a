//! `webhook`: the signed JSON edgebeat has always sent (the delivery's payload, HMAC-signed),
//! or the user's own request: a method, extra headers, and body templates for down and up
//! with `$NAME`, `$STATUS`, `$NOW`, `$TAGS`, `$REASON`, `$LINK` and `$JSON` (healthchecks'
//! variables), JSON-escaped where the body is JSON and percent-encoded in the URL.

use serde_json::{Map, Value};

use super::fields::{outbound_url_field, stored};
use super::kind::{Kind, RenderContext, Rendered};
use crate::core::alerting::alert::{percent_encode, Alert, AlertEvent};
use crate::core::alerting::outbound::{common_verdict, Answer, Method, Outbound, Verdict};
use crate::core::alerting::outbound_url::WebhookHosts;
use crate::core::alerting::signature::{sign, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::core::http_contract::validation::{check_text, line_text, Checked, FieldError, TextRule};
use crate::core::time::format_rfc3339;

pub struct Webhook;

/// Extra headers a channel may set, and the longest body template.
const MAX_HEADERS: usize = 10;
const MAX_TEMPLATE: usize = 5_000;
/// Headers edgebeat owns: a template cannot forge or drop them.
const RESERVED: &[&str] = &[
    "x-edgebeat-timestamp",
    "x-edgebeat-signature",
    "x-edgebeat-event",
    "x-edgebeat-delivery",
    "host",
    "content-length",
];

fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn template(body: &Map<String, Value>, field: &str) -> Checked<Option<String>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() > MAX_TEMPLATE => Err(FieldError::new(
            field,
            format!("must be at most {MAX_TEMPLATE} characters"),
        )),
        Some(Value::String(s)) => check_text(field, TextRule::Free, s).map(|()| Some(s.clone())),
        Some(_) => Err(FieldError::new(field, "must be a string")),
    }
}

impl Kind for Webhook {
    /// Header values often carry a credential (`Authorization: Bearer ...`).
    const SECRET_FIELDS: &'static [&'static str] = &["headers"];

    fn configure(body: &Map<String, Value>, hosts: &WebhookHosts) -> Checked<Map<String, Value>> {
        let url = match body.get("url") {
            Some(Value::String(u)) => outbound_url_field("url", u, hosts)?,
            None | Some(Value::Null) => return Err(FieldError::new("url", "is required")),
            Some(_) => return Err(FieldError::new("url", "must be a string")),
        };
        let method = match body.get("method") {
            None | Some(Value::Null) => Method::Post,
            Some(Value::String(m)) => {
                Method::parse(m).ok_or_else(|| FieldError::new("method", "must be GET, POST or PUT"))?
            }
            Some(_) => return Err(FieldError::new("method", "must be GET, POST or PUT")),
        };
        let mut headers = Map::new();
        match body.get("headers") {
            None | Some(Value::Null) => {}
            Some(Value::Object(given)) if given.len() <= MAX_HEADERS => {
                for (name, value) in given {
                    let field = format!("headers.{name}");
                    if !is_token(name) {
                        return Err(FieldError::new("headers", "names must be HTTP header names"));
                    }
                    if RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
                        return Err(FieldError::new(&field, "is set by edgebeat"));
                    }
                    let Value::String(value) = value else {
                        return Err(FieldError::new(&field, "must be a string"));
                    };
                    headers.insert(name.clone(), Value::from(line_text(&field, value, 1_000)?));
                }
            }
            Some(Value::Object(_)) => {
                return Err(FieldError::new(
                    "headers",
                    format!("must have at most {MAX_HEADERS} headers"),
                ))
            }
            Some(_) => {
                return Err(FieldError::new(
                    "headers",
                    "must be an object of header names to values",
                ))
            }
        }
        let (body_down, body_up) = (template(body, "body_down")?, template(body, "body_up")?);
        if method == Method::Get && (body_down.is_some() || body_up.is_some()) {
            return Err(FieldError::new(
                "method",
                "GET sends no body: leave out body_down and body_up",
            ));
        }
        let mut config = Map::new();
        config.insert("url".into(), Value::from(url));
        config.insert("method".into(), Value::from(method.as_str()));
        if !headers.is_empty() {
            config.insert("headers".into(), Value::Object(headers));
        }
        for (field, value) in [("body_down", body_down), ("body_up", body_up)] {
            if let Some(value) = value {
                config.insert(field.into(), Value::from(value));
            }
        }
        Ok(config)
    }

    fn render(config: &Map<String, Value>, alert: &Alert, ctx: &RenderContext) -> Rendered {
        let method = Method::parse(stored(config, "method")).unwrap_or(Method::Post);
        let template = match alert.event {
            AlertEvent::Down | AlertEvent::ErrorDigest | AlertEvent::ErrorAlert => config.get("body_down"),
            AlertEvent::Up
            | AlertEvent::Test
            | AlertEvent::EventAlert
            | AlertEvent::EventDigest
            | AlertEvent::DailyRollup => config.get("body_up"),
        }
        .and_then(Value::as_str);
        let user_type = config
            .get("headers")
            .and_then(Value::as_object)
            .and_then(|h| h.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-type")))
            .and_then(|(_, v)| v.as_str());
        let (body, content_type) = match (method, template) {
            (Method::Get, _) => (None, None),
            (_, None) => (Some(ctx.payload.to_string()), Some("application/json".to_string())),
            (_, Some(t)) => {
                let looks_json = t.trim_start().starts_with(['{', '[']);
                let content_type = user_type.map(str::to_string).unwrap_or_else(|| {
                    if looks_json {
                        "application/json"
                    } else {
                        "text/plain; charset=utf-8"
                    }
                    .into()
                });
                let as_json = content_type.to_ascii_lowercase().contains("json");
                let body = substitute(t, alert, ctx.payload, |s| {
                    if as_json {
                        json_escape(s)
                    } else {
                        s.to_string()
                    }
                });
                (Some(body), Some(content_type))
            }
        };
        let url = substitute(stored(config, "url"), alert, ctx.payload, percent_encode);
        let signed = body.as_deref().unwrap_or("");
        let mut out = Outbound {
            method,
            url,
            headers: Vec::new(),
            body: body.clone(),
        };
        if let Some(content_type) = content_type.filter(|_| user_type.is_none()) {
            out = out.with_header("content-type", content_type);
        }
        out = out
            .with_header("user-agent", "edgebeat-webhook/0.1")
            .with_header(TIMESTAMP_HEADER, ctx.now_s.to_string())
            .with_header(SIGNATURE_HEADER, sign(ctx.signing_secret, ctx.now_s, signed))
            .with_header("X-Edgebeat-Event", alert.event.as_str())
            .with_header("X-Edgebeat-Delivery", alert.delivery_id.to_string());
        if let Some(Value::Object(headers)) = config.get("headers") {
            for (name, value) in headers {
                out = out.with_header(name, value.as_str().unwrap_or_default());
            }
        }
        Ok(vec![out])
    }

    /// A webhook is the user's own server: only 401 and 403 say its credential is refused;
    /// a 404 or 410 may be a deploy in progress, so it is retried like any other error.
    fn judge(answer: &Answer) -> Verdict {
        match answer.status {
            404 | 410 => Verdict::Retry {
                error: format!("HTTP {}", answer.status),
                after_ms: None,
            },
            _ => common_verdict(answer),
        }
    }
}

/// The text of a JSON string without its quotes.
fn json_escape(s: &str) -> String {
    let quoted = Value::from(s).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

/// The template with each variable replaced by `escape`d text; `$JSON` is the payload as is
/// (already JSON) wherever it stands. Longer names first, so `$NAME` never eats `$NAMES`.
fn substitute(template: &str, alert: &Alert, payload: &str, escape: impl Fn(&str) -> String) -> String {
    let status = match alert.event {
        AlertEvent::Down => "down",
        AlertEvent::Up => "up",
        AlertEvent::Test => "test",
        AlertEvent::ErrorDigest => "errors",
        AlertEvent::ErrorAlert => "error",
        AlertEvent::EventAlert => "event",
        AlertEvent::EventDigest => "events",
        AlertEvent::DailyRollup => "daily",
    };
    let tags = alert.monitor.as_ref().map(|m| m.tags.join(" ")).unwrap_or_default();
    let vars: [(&str, String); 7] = [
        ("$REASON", escape(&alert.reason)),
        ("$STATUS", escape(status)),
        ("$NAME", escape(alert.subject())),
        ("$TAGS", escape(&tags)),
        ("$LINK", escape(alert.link.as_deref().unwrap_or(""))),
        ("$JSON", payload.to_string()),
        ("$NOW", escape(&format_rfc3339(alert.at))),
    ];
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        match vars.iter().find(|(name, _)| tail.starts_with(name)) {
            Some((name, value)) => {
                out.push_str(value);
                rest = &tail[name.len()..];
            }
            None => {
                out.push('$');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
