use serde_json::json;

use super::*;
use crate::core::alerting::kinds::samples::{
    answer, body, ctx, digest, down, open, sent, test_alert, up, url_field_is_checked, HOSTILE,
};
use crate::core::alerting::outbound::Method;

const HOOK: &str = "https://discord.com/api/webhooks/123456789/abcdefTOKEN";

/// `HOSTILE` as Discord must receive it.
const ESCAPED: &str = r#"\<\!channel\> \*b\* \[x\]\(http://evil\) \@everyone \<script\>\&"'"#;

fn config() -> Map<String, Value> {
    Discord::configure(&body(json!({ "url": HOOK })), &open()).unwrap()
}

fn render(alert: Alert) -> Value {
    sent(&Discord::render(&config(), &alert, &ctx()).unwrap()[0])
}

#[test]
fn the_url_is_required_checked_and_secret() {
    url_field_is_checked(Discord::configure, "url", json!({}));
    assert_eq!(config(), body(json!({ "url": HOOK })));
    assert_eq!(Discord::SECRET_FIELDS, ["url"]);
}

#[test]
fn a_down_alert_is_one_embed_that_mentions_no_one() {
    let out = Discord::render(&config(), &down("nightly backup"), &ctx()).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].method, out[0].url.as_str()), (Method::Post, HOOK));
    assert_eq!(out[0].header("content-type"), Some("application/json"));
    assert_eq!(
        sent(&out[0]),
        json!({
            "content": "DOWN: nightly backup",
            "allowed_mentions": {"parse": []},
            "embeds": [{
                "title": "DOWN: nightly backup",
                "description": r"nightly backup is down: no ping by the due time plus grace\.",
                "color": 0xD32F2F,
                "fields": [
                    {"name": "Last ping", "value": r"success at 2025\-12\-03T09:00:00\.000Z \(exit status 0, ran 3 s\): ok", "inline": false},
                    {"name": "Tags", "value": "prod db", "inline": false},
                ],
                "timestamp": "2025-12-03T10:00:00.000Z",
                "url": "https://eb.example/monitor?id=uk_0123456789abcdef01234567",
            }],
        })
    );
}

#[test]
fn every_user_text_is_markdown_escaped() {
    let mut alert = digest(HOSTILE);
    alert.digest.as_mut().unwrap().message = Some(HOSTILE.into());
    let sent = render(alert);
    assert_eq!(sent["content"], format!("ERRORS: {ESCAPED}"));
    let embed = &sent["embeds"][0];
    assert_eq!(embed["title"], format!("ERRORS: {ESCAPED}"));
    assert_eq!(
        embed["description"],
        format!(r"3 error events named {ESCAPED} in the last 10 min\.")
    );
    assert_eq!(
        embed["fields"],
        json!([{"name": "Last message", "value": ESCAPED, "inline": false}])
    );
    let mut tagged = down("n");
    tagged.monitor.as_mut().unwrap().tags = vec![HOSTILE.into()];
    assert_eq!(render(tagged)["embeds"][0]["fields"][1]["value"], ESCAPED);
}

#[test]
fn each_event_has_its_colour_and_an_alert_without_a_link_has_no_url() {
    assert_eq!(render(up("db"))["embeds"][0]["color"], 0x388E3C);
    assert_eq!(
        render(up("db"))["embeds"][0]["description"],
        r"db is up again after 2 h 10 min: a ping reported success\."
    );
    assert_eq!(render(digest("e"))["embeds"][0]["color"], 0xD32F2F);
    let test = render(test_alert());
    assert_eq!(test["embeds"][0]["color"], 0x1976D2);
    assert_eq!(test["embeds"][0]["fields"], json!([]));
    assert!(test["embeds"][0].get("url").is_none());
}

#[test]
fn texts_keep_to_discords_limits() {
    let long = "x".repeat(5_000);
    let mut alert = down(&long);
    alert.reason = long.clone();
    let monitor = alert.monitor.as_mut().unwrap();
    monitor.tags = vec!["*".repeat(5_000)];
    monitor.last_ping.as_mut().unwrap().message = Some(long.clone());
    let embed = &render(alert)["embeds"][0];
    let count = |v: &Value| v.as_str().unwrap().chars().count();
    assert_eq!(count(&embed["title"]), 256);
    assert_eq!(count(&embed["description"]), 2_000);
    assert_eq!(count(&embed["fields"][1]["value"]), 1_023, r"511 \* and the ellipsis");
    assert_eq!(count(&embed["fields"][0]["value"]), 1_024);
}

#[test]
fn a_deleted_webhook_is_permanent_and_a_rate_limit_waits_as_told() {
    assert_eq!(Discord::judge(&answer(204, None, "")), Verdict::Delivered);
    assert_eq!(
        Discord::judge(&answer(404, None, r#"{"message": "Unknown Webhook", "code": 10015}"#)),
        Verdict::Permanent {
            reason: "discord: Unknown Webhook (10015)".into()
        }
    );
    assert_eq!(
        Discord::judge(&answer(401, None, r#"{"message": "Invalid Webhook Token"}"#)),
        Verdict::Permanent {
            reason: "discord: Invalid Webhook Token".into()
        }
    );
    assert_eq!(
        Discord::judge(&answer(403, None, "<html>")),
        Verdict::Permanent {
            reason: "HTTP 403: the credential may not post here".into()
        }
    );
    let limited = |body: &str, header: Option<&str>| Discord::judge(&answer(429, header, body));
    let waits = |ms: Option<i64>| Verdict::Retry {
        error: "HTTP 429: rate limited".into(),
        after_ms: ms,
    };
    assert_eq!(
        limited(
            r#"{"message": "You are being rate limited.", "retry_after": 0.3, "global": false}"#,
            Some("1")
        ),
        waits(Some(300))
    );
    assert_eq!(limited(r#"{"retry_after": 1.0001}"#, None), waits(Some(1_001)));
    assert_eq!(limited(r#"{"retry_after": 1e9}"#, None), waits(Some(3_600_000)));
    assert_eq!(limited(r#"{"retry_after": 0}"#, Some("5")), waits(Some(0)));
    assert_eq!(limited(r#"{"retry_after": -1}"#, Some("5")), waits(Some(5_000)));
    assert_eq!(limited("", Some("2")), waits(Some(2_000)));
    assert_eq!(limited("", None), waits(None));
    assert_eq!(
        Discord::judge(&answer(400, None, r#"{"message": "Invalid Form Body", "code": 50035}"#)),
        Verdict::Retry {
            error: "HTTP 400".into(),
            after_ms: None
        }
    );
}
