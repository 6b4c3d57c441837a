use serde_json::json;

use super::*;
use crate::core::alerting::kinds::samples::{
    answer, body, ctx, digest, down, open, sent, test_alert, up, url_field_is_checked, HOSTILE,
};
use crate::core::alerting::outbound::Method;

const HOOK: &str = "https://chat.example.com/hooks/xxxgeneratedkeyxxx";

/// `HOSTILE` as Mattermost's Markdown fields must receive it: escaped, and the `@` joined
/// to an invisible U+2060 so the word is no mention.
const ESCAPED: &str = "\\<\\!channel\\> \\*b\\* \\[x\\]\\(http://evil\\) \\@\u{2060}everyone \\<script\\>\\&\"'";

fn config() -> Map<String, Value> {
    Mattermost::configure(&body(json!({ "url": HOOK })), &open()).unwrap()
}

fn attachment(alert: Alert) -> Value {
    let sent = sent(&Mattermost::render(&config(), &alert, &ctx()).unwrap()[0]);
    assert_eq!(sent.as_object().unwrap().len(), 1, "attachments only");
    sent["attachments"][0].clone()
}

#[test]
fn the_url_is_required_checked_and_secret() {
    url_field_is_checked(Mattermost::configure, "url", json!({}));
    assert_eq!(config(), body(json!({ "url": HOOK })));
    assert_eq!(Mattermost::SECRET_FIELDS, ["url"]);
}

#[test]
fn a_down_alert_is_a_slack_compatible_attachment() {
    let out = Mattermost::render(&config(), &down("nightly backup"), &ctx()).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].method, out[0].url.as_str()), (Method::Post, HOOK));
    assert_eq!(out[0].header("content-type"), Some("application/json"));
    assert_eq!(
        sent(&out[0]),
        json!({"attachments": [{
            "fallback": "DOWN: nightly backup",
            "color": "#D32F2F",
            "title": "DOWN: nightly backup",
            "title_link": "https://eb.example/monitor?id=uk_0123456789abcdef01234567",
            "text": r"nightly backup is down: no ping by the due time plus grace\.",
            "fields": [
                {"title": "Last ping", "value": r"success at 2025\-12\-03T09:00:00\.000Z \(exit status 0, ran 3 s\): ok", "short": false},
                {"title": "Tags", "value": "prod db", "short": false},
            ],
        }]})
    );
}

#[test]
fn every_user_text_is_escaped_and_no_word_is_a_mention() {
    let mut alert = down(HOSTILE);
    alert.monitor.as_mut().unwrap().tags = vec!["@channel".into(), "@all".into()];
    let attachment = attachment(alert);
    assert_eq!(attachment["title"], format!("DOWN: {ESCAPED}"));
    assert_eq!(
        attachment["fallback"], "DOWN: <!channel> *b* [x](http://evil) @\u{2060}everyone <script>&\"'",
        "plain text, mentions broken"
    );
    assert_eq!(
        attachment["text"],
        format!(r"{ESCAPED} is down: no ping by the due time plus grace\.")
    );
    assert_eq!(attachment["fields"][1]["value"], "\\@\u{2060}channel \\@\u{2060}all");
    let mut errors = digest("e");
    errors.digest.as_mut().unwrap().message = Some(HOSTILE.into());
    assert_eq!(attachment_fields(errors)[0]["value"], ESCAPED);
}

fn attachment_fields(alert: Alert) -> Value {
    attachment(alert)["fields"].clone()
}

#[test]
fn each_event_has_its_colour_and_no_link_means_no_title_link() {
    assert_eq!(attachment(up("db"))["color"], "#388E3C");
    assert_eq!(attachment(digest("e"))["color"], "#D32F2F");
    let test = attachment(test_alert());
    assert_eq!(test["color"], "#1976D2");
    assert_eq!(test["fields"], json!([]));
    assert!(test.get("title_link").is_none());
}

#[test]
fn long_texts_are_cut() {
    let long = "x".repeat(9_000);
    let mut alert = up(&long);
    alert.monitor.as_mut().unwrap().tags = vec![long];
    let attachment = attachment(alert);
    let count = |v: &Value| v.as_str().unwrap().chars().count();
    assert_eq!(count(&attachment["fallback"]), 200);
    assert_eq!(count(&attachment["title"]), 200);
    assert_eq!(count(&attachment["text"]), 4_000);
    assert_eq!(count(&attachment["fields"][1]["value"]), 2_000);
}

#[test]
fn a_deleted_or_disabled_hook_is_permanent() {
    assert_eq!(Mattermost::judge(&answer(200, None, "ok")), Verdict::Delivered);
    assert_eq!(
        Mattermost::judge(&answer(
            400,
            None,
            r#"{"id": "web.incoming_webhook.invalid.app_error", "message": "Invalid webhook.", "status_code": 400}"#
        )),
        Verdict::Permanent {
            reason: "mattermost: web.incoming_webhook.invalid.app_error".into()
        }
    );
    assert_eq!(
        Mattermost::judge(&answer(
            501,
            None,
            r#"{"id": "web.incoming_webhook.disabled.app_error"}"#
        )),
        Verdict::Permanent {
            reason: "mattermost: web.incoming_webhook.disabled.app_error".into()
        }
    );
    assert_eq!(
        Mattermost::judge(&answer(400, None, r#"{"id": "web.incoming_webhook.text.app_error"}"#)),
        Verdict::Retry {
            error: "HTTP 400".into(),
            after_ms: None
        }
    );
    assert_eq!(
        Mattermost::judge(&answer(429, Some("12"), "")),
        Verdict::Retry {
            error: "HTTP 429: rate limited".into(),
            after_ms: Some(12_000)
        }
    );
    assert_eq!(
        Mattermost::judge(&answer(404, None, "not found")),
        Verdict::Permanent {
            reason: "HTTP 404: the target does not exist".into()
        }
    );
}
