//! The acknowledge link an alert carries (issue 18, rule 6): `{PUBLIC_URL}/ack/{token}`,
//! where the token names one down flip (its monitor's `unique_key`, never the id, which may
//! ping, and the flip's moment) and is signed with the
//! deploy secret, so nobody can make one for another flip and nothing needs storing. It is
//! single use because a flip is acknowledged once (the edge records when); a new down period
//! is a new flip, with a new token.
//!
//! `<unique key>.<flip at ms>.<HMAC-SHA256 of "ack.<unique key>.<flip at ms>", base64url>`;
//! the "ack." prefix keeps these signatures apart from the session cookies signed with the
//! same secret.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::core::access::credentials::constant_time_eq;
use crate::core::access::credentials::is_unique_key;
use crate::core::alerting::signature::hmac_sha256;

/// The down flip a token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckTarget {
    /// The monitor's `unique_key`.
    pub monitor_key: String,
    pub flip_at: i64,
}

fn mac(secret: &[u8], monitor_key: &str, flip_at: i64) -> [u8; 32] {
    hmac_sha256(secret, format!("ack.{monitor_key}.{flip_at}").as_bytes())
}

/// The token acknowledging the down flip of the monitor `monitor_key` at `flip_at`.
pub fn ack_token(secret: &[u8], monitor_key: &str, flip_at: i64) -> String {
    let signature = URL_SAFE_NO_PAD.encode(mac(secret, monitor_key, flip_at));
    format!("{monitor_key}.{flip_at}.{signature}")
}

/// The flip a token names, when `secret` signed it; the signature is checked before the
/// rest is believed. `None` for anything else (also without a secret).
pub fn verify_ack_token(token: &str, secret: &[u8]) -> Option<AckTarget> {
    let (named, signature) = token.rsplit_once('.')?;
    let (monitor_key, flip_at) = named.split_once('.')?;
    let presented = URL_SAFE_NO_PAD.decode(signature).ok()?;
    let flip_at: i64 = flip_at
        .parse()
        .ok()
        .filter(|_| flip_at.bytes().all(|b| b.is_ascii_digit()))?;
    if secret.is_empty() || !constant_time_eq(&mac(secret, monitor_key, flip_at), &presented) {
        return None;
    }
    Some(AckTarget {
        monitor_key: Some(monitor_key.to_string()).filter(|k| is_unique_key(k))?,
        flip_at,
    })
}

/// The link in an alert: `None` without a public URL or a secret (no link is better than
/// one that cannot work).
pub fn ack_link(public_url: &str, secret: &[u8], monitor_key: &str, flip_at: i64) -> Option<String> {
    let base = public_url.trim_end_matches('/');
    (!base.is_empty() && !secret.is_empty() && !monitor_key.is_empty())
        .then(|| format!("{base}/ack/{}", ack_token(secret, monitor_key, flip_at)))
}

/// A down alert's payload as the webhook kind sends it, with its acknowledge link
/// (`acknowledge_url`), which is signed when sent rather than frozen with the payload.
pub fn with_ack_url(payload: &str, link: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(payload) {
        Ok(serde_json::Value::Object(mut body)) => {
            body.insert("acknowledge_url".into(), link.into());
            serde_json::Value::Object(body).to_string()
        }
        _ => payload.to_string(),
    }
}

/// What the acknowledge link's page says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckPage {
    /// GET: asks to confirm with a button (link-preview bots only GET, so they never
    /// acknowledge by opening the link).
    Confirm,
    /// POST, the first time.
    Acknowledged,
    /// The period was acknowledged before: the link was used.
    AlreadyAcknowledged,
    /// The monitor recovered (or went down again since): nothing to acknowledge.
    Over,
}

/// The acknowledge link's page for the monitor named `name`, plain HTML without script or
/// style (the page's CSP allows neither); the form posts back to the same URL.
pub fn ack_page(page: AckPage, name: &str) -> String {
    let name = crate::core::alerting::markup::html(name);
    let body = match page {
        AckPage::Confirm => format!(
            "<p>{name} is down. Acknowledge it to stop its reminders and later escalation steps \
             for this outage?</p><form method=\"post\"><button type=\"submit\">Acknowledge</button></form>"
        ),
        AckPage::Acknowledged => {
            format!("<p>Acknowledged: {name} sends no more reminders or escalation steps for this outage.</p>")
        }
        AckPage::AlreadyAcknowledged => {
            format!("<p>This outage of {name} was already acknowledged: the link works once.</p>")
        }
        AckPage::Over => format!("<p>This outage of {name} is over: there is nothing to acknowledge.</p>"),
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Acknowledge - edgebeat</title>\
         <meta name=\"robots\" content=\"noindex\"></head><body><h1>edgebeat</h1>{body}</body></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SECRET: &[u8] = b"a deploy secret";
    const ID: &str = "uk_0123456789abcdef01234567";

    #[test]
    fn a_token_names_its_flip_and_is_signed() {
        let token = ack_token(SECRET, ID, 1_796_292_000_000);
        assert!(token.starts_with(&format!("{ID}.1796292000000.")));
        assert_eq!(
            verify_ack_token(&token, SECRET),
            Some(AckTarget {
                monitor_key: ID.into(),
                flip_at: 1_796_292_000_000
            })
        );
    }

    #[test]
    fn a_token_under_another_secret_or_for_another_flip_is_refused() {
        let token = ack_token(SECRET, ID, 1_000);
        assert_eq!(verify_ack_token(&token, b"another secret"), None);
        assert_eq!(verify_ack_token(&token, b""), None);
        let signature = token.rsplit_once('.').unwrap().1;
        assert_eq!(verify_ack_token(&format!("{ID}.1001.{signature}"), SECRET), None);
        let other = "uk_0123456789abcdef01234568";
        assert_eq!(verify_ack_token(&format!("{other}.1000.{signature}"), SECRET), None);
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let signed = |named: &str| {
            format!(
                "{named}.{}",
                URL_SAFE_NO_PAD.encode(hmac_sha256(SECRET, format!("ack.{named}").as_bytes()))
            )
        };
        for bad in ["", "x", "a.b", "a.b.c", &format!("{ID}.1000.!!")] {
            assert_eq!(verify_ack_token(bad, SECRET), None, "{bad}");
        }
        // Signed, but not a monitor key and a time as the edge makes them.
        assert_eq!(verify_ack_token(&signed("nope.1000"), SECRET), None);
        assert_eq!(
            verify_ack_token(&signed(&ID.to_uppercase().replace('.', "")), SECRET),
            None
        );
        assert_eq!(verify_ack_token(&signed(&format!("{ID}.+1000")), SECRET), None);
        assert_eq!(
            verify_ack_token(&signed(&format!("{}.1000", ID.to_uppercase())), SECRET),
            None
        );
        assert!(verify_ack_token(&signed(&format!("{ID}.1000")), SECRET).is_some());
    }

    #[test]
    fn the_link_needs_a_public_url_and_a_secret() {
        assert_eq!(
            ack_link("https://eb.example/", SECRET, ID, 5),
            Some(format!("https://eb.example/ack/{}", ack_token(SECRET, ID, 5)))
        );
        assert_eq!(ack_link("", SECRET, ID, 5), None);
        assert_eq!(ack_link("https://eb.example", b"", ID, 5), None);
        assert_eq!(ack_link("https://eb.example", SECRET, "", 5), None);
    }

    #[test]
    fn the_webhook_payload_gets_the_link() {
        assert_eq!(
            with_ack_url(r#"{"event":"down"}"#, "https://l"),
            r#"{"acknowledge_url":"https://l","event":"down"}"#
        );
        assert_eq!(with_ack_url("not json", "https://l"), "not json");
    }

    #[test]
    fn only_the_confirm_page_has_a_form_and_names_are_escaped() {
        let confirm = ack_page(AckPage::Confirm, "<b>db</b>");
        assert!(confirm.contains("<form method=\"post\">") && confirm.contains("&lt;b&gt;db&lt;/b&gt; is down"));
        for page in [AckPage::Acknowledged, AckPage::AlreadyAcknowledged, AckPage::Over] {
            let html = ack_page(page, "db");
            assert!(!html.contains("<form"), "{page:?}");
            assert!(!html.contains("<script"), "{page:?}");
        }
        assert!(ack_page(AckPage::Acknowledged, "db").contains("Acknowledged: db"));
        assert!(ack_page(AckPage::AlreadyAcknowledged, "db").contains("already acknowledged"));
        assert!(ack_page(AckPage::Over, "db").contains("is over"));
    }

    proptest! {
        #[test]
        fn every_token_made_verifies_to_its_flip(at in 0i64..i64::MAX, secret in prop::collection::vec(any::<u8>(), 1..40)) {
            let token = ack_token(&secret, ID, at);
            prop_assert_eq!(verify_ack_token(&token, &secret), Some(AckTarget { monitor_key: ID.into(), flip_at: at }));
        }
    }
}
