use serde_json::json;

use super::*;
use crate::core::alerting::kinds::samples::{
    body, ctx, digest, down, open, sent, test_alert, up, url_field_is_checked, HOSTILE,
};
use crate::core::alerting::outbound::Method;

const HOOK: &str = "https://prod-00.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SECRET";

/// `HOSTILE` as a TextBlock must receive it.
const ESCAPED: &str = r#"\<\!channel\> \*b\* \[x\]\(http://evil\) \@everyone \<script\>\&"'"#;

fn config() -> Map<String, Value> {
    Teams::configure(&body(json!({ "url": HOOK })), &open()).unwrap()
}

/// The Adaptive Card inside the envelope.
fn card(alert: Alert) -> Value {
    sent(&Teams::render(&config(), &alert, &ctx()).unwrap()[0])["attachments"][0]["content"].clone()
}

#[test]
fn the_url_is_required_checked_and_secret() {
    url_field_is_checked(Teams::configure, "url", json!({}));
    assert_eq!(config(), body(json!({ "url": HOOK })));
    assert_eq!(Teams::SECRET_FIELDS, ["url"]);
}

#[test]
fn a_down_alert_is_an_adaptive_card_in_the_workflows_envelope() {
    let out = Teams::render(&config(), &down("nightly backup"), &ctx()).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].method, out[0].url.as_str()), (Method::Post, HOOK));
    assert_eq!(out[0].header("content-type"), Some("application/json"));
    assert_eq!(
        sent(&out[0]),
        json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {"type": "TextBlock", "text": "DOWN: nightly backup", "size": "Large", "weight": "Bolder", "color": "Attention", "wrap": true},
                        {"type": "TextBlock", "text": r"nightly backup is down: no ping by the due time plus grace\.", "wrap": true},
                        {"type": "FactSet", "facts": [
                            {"title": "Last ping", "value": r"success at 2025\-12\-03T09:00:00\.000Z \(exit status 0, ran 3 s\): ok"},
                            {"title": "Tags", "value": "prod db"},
                        ]},
                    ],
                    "actions": [{"type": "Action.OpenUrl", "title": "Open in edgebeat", "url": "https://eb.example/monitor?id=uk_0123456789abcdef01234567"}],
                },
            }],
        })
    );
}

#[test]
fn every_user_text_is_markdown_escaped() {
    let mut alert = down(HOSTILE);
    alert.monitor.as_mut().unwrap().tags = vec![HOSTILE.into()];
    let card = card(alert);
    assert_eq!(card["body"][0]["text"], format!("DOWN: {ESCAPED}"));
    assert_eq!(
        card["body"][1]["text"],
        format!(r"{ESCAPED} is down: no ping by the due time plus grace\.")
    );
    assert_eq!(card["body"][2]["facts"][1]["value"], ESCAPED);
    let mut errors = digest("e");
    errors.digest.as_mut().unwrap().message = Some(HOSTILE.into());
    assert_eq!(card_facts(errors), json!([{"title": "Last message", "value": ESCAPED}]));
}

fn card_facts(alert: Alert) -> Value {
    card(alert)["body"][2]["facts"].clone()
}

#[test]
fn the_title_colour_follows_the_event_and_a_test_has_no_facts_and_no_button() {
    assert_eq!(card(up("db"))["body"][0]["color"], "Good");
    assert_eq!(card(digest("e"))["body"][0]["color"], "Attention");
    let test = card(test_alert());
    assert_eq!(test["body"][0]["color"], "Accent");
    assert_eq!(test["body"].as_array().unwrap().len(), 2, "no FactSet without facts");
    assert!(test.get("actions").is_none());
}

#[test]
fn long_texts_are_cut() {
    let long = "x".repeat(9_000);
    let mut alert = up(&long);
    alert.monitor.as_mut().unwrap().tags = vec![long];
    let card = card(alert);
    let count = |v: &Value| v.as_str().unwrap().chars().count();
    assert_eq!(count(&card["body"][0]["text"]), 200);
    assert_eq!(count(&card["body"][1]["text"]), 4_000);
    assert_eq!(count(&card["body"][2]["facts"][1]["value"]), 1_000);
}
