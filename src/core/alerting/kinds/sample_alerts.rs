//! The alerts every kind's tests render: one per event, built from payloads shaped as the
//! outbox freezes them, and the name that tries to break out of every markup.

use serde_json::{json, Value};

use super::kind::{MailSettings, RenderContext};
/// The same helpers as the chat kinds' tests use.
pub use super::samples::{answer, body, open};
use crate::core::alerting::alert::{Alert, AlertEvent};
use crate::core::alerting::outbound_url::WebhookHosts;

/// Markup, quotes, a line break and a header line at once.
pub const HOSTILE: &str = "<b>x</b> & \"q\" 'y' \n Bcc: evil@x";
pub const PUBLIC_URL: &str = "https://eb.example";
/// 2026-12-03T10:00:00Z, when the sample outage began.
pub const DOWN_AT_MS: i64 = 1_796_292_000_000;

pub fn down(name: &str) -> Alert {
    let payload = json!({
        "event": "down",
        "monitor": {"id": "secret-monitor-id", "unique_key": "uk_0123456789abcdef01234567", "name": name, "tags": ["prod", "db"]},
        "flip": {"at": "2026-12-03T10:00:00.000Z", "reason": "no ping by the due time plus grace"},
        "last_ping": {"received_at": "2026-12-03T08:59:00.000Z", "result": "success", "exit_status": 0, "duration_ms": 3000}
    });
    Alert::from_payload(AlertEvent::Down, &payload, 42, "ops", PUBLIC_URL, 0)
}

pub fn up(name: &str) -> Alert {
    let payload = json!({
        "event": "up",
        "monitor": {"id": "secret-monitor-id", "unique_key": "uk_0123456789abcdef01234567", "name": name, "tags": []},
        "flip": {"at": "2026-12-03T10:30:00.000Z", "reason": "a ping reported success", "down_since": "2026-12-03T10:00:00.000Z"},
        "last_ping": null
    });
    Alert::from_payload(AlertEvent::Up, &payload, 43, "ops", PUBLIC_URL, 0)
}

pub fn digest(name: &str) -> Alert {
    let payload = json!({
        "event": "error_digest",
        "error": {"name": name, "count": 3, "message": "card declined", "last_at": "2026-12-03T10:00:00.000Z"},
        "window_minutes": 10
    });
    Alert::from_payload(AlertEvent::ErrorDigest, &payload, 44, "ops", PUBLIC_URL, 0)
}

/// A test sent from the channel named `channel_name`.
pub fn test_alert(channel_name: &str) -> Alert {
    Alert::from_payload(AlertEvent::Test, &json!({}), 42, channel_name, PUBLIC_URL, DOWN_AT_MS)
}

/// The same alert without a link (`PUBLIC_URL` unset).
pub fn unlinked(mut alert: Alert) -> Alert {
    alert.link = None;
    alert
}

pub fn ctx(mail: Option<&MailSettings>) -> RenderContext<'_> {
    RenderContext {
        now_s: DOWN_AT_MS / 1_000,
        signing_secret: "whsec_test",
        mail,
        public_url: PUBLIC_URL,
        payload: "{}",
    }
}

/// `WEBHOOK_HOSTS=127.0.0.1`: the one internal host a channel may name.
pub fn loopback_listed() -> WebhookHosts {
    WebhookHosts::from_var(Some("127.0.0.1"))
}

/// The JSON body of a request.
pub fn json_body(o: &crate::core::alerting::outbound::Outbound) -> Value {
    serde_json::from_str(o.body.as_deref().expect("a body")).expect("a JSON body")
}

/// The fields of a form body, decoded, in order.
pub fn form_fields(o: &crate::core::alerting::outbound::Outbound) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let bytes = s.replace('+', " ").into_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    };
    o.body
        .as_deref()
        .unwrap_or_default()
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            (decode(k), decode(v))
        })
        .collect()
}
