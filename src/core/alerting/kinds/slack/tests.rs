use serde_json::json;

use super::*;
use crate::core::alerting::kinds::samples::{
    answer, body, ctx, digest, down, open, sent, test_alert, up, url_field_is_checked, HOSTILE,
};
use crate::core::alerting::outbound::Method;

const HOOK: &str = "https://hooks.slack.com/services/T000/B000/XXXXXXXX";

fn config() -> Map<String, Value> {
    Slack::configure(&body(json!({ "url": HOOK })), &open()).unwrap()
}

/// `HOSTILE` as Slack must receive it.
const ESCAPED: &str = "&lt;!channel&gt; *b* [x](http://evil) @everyone &lt;script&gt;&amp;\"'";

#[test]
fn the_url_is_required_checked_and_secret() {
    url_field_is_checked(Slack::configure, "url", json!({}));
    assert_eq!(config(), body(json!({ "url": HOOK })));
    assert_eq!(Slack::SECRET_FIELDS, ["url"]);
}

#[test]
fn a_down_alert_is_one_json_post_of_blocks_in_a_red_attachment() {
    let out = Slack::render(&config(), &down("nightly backup"), &ctx()).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].method, out[0].url.as_str()), (Method::Post, HOOK));
    assert_eq!(out[0].header("content-type"), Some("application/json"));
    assert_eq!(
        sent(&out[0]),
        json!({
            "text": "DOWN: nightly backup",
            "attachments": [{
                "color": "#D32F2F",
                "fallback": "DOWN: nightly backup",
                "blocks": [
                    {"type": "section", "text": {"type": "mrkdwn", "text": "*DOWN: nightly backup*\nnightly backup is down: no ping by the due time plus grace."}},
                    {"type": "section", "fields": [
                        {"type": "mrkdwn", "text": "*Last ping*\nsuccess at 2025-12-03T09:00:00.000Z (exit status 0, ran 3 s): ok"},
                        {"type": "mrkdwn", "text": "*Tags*\nprod db"},
                    ]},
                    {"type": "actions", "elements": [{
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open in edgebeat"},
                        "url": "https://eb.example/monitor?id=uk_0123456789abcdef01234567",
                    }]},
                ],
            }],
        })
    );
}

#[test]
fn every_user_text_is_escaped_for_mrkdwn() {
    let mut alert = down(HOSTILE);
    let monitor = alert.monitor.as_mut().unwrap();
    monitor.tags = vec![HOSTILE.into()];
    monitor.last_ping.as_mut().unwrap().message = Some(HOSTILE.into());
    alert.reason = HOSTILE.into();
    let sent = sent(&Slack::render(&config(), &alert, &ctx()).unwrap()[0]);
    let title = format!("DOWN: {ESCAPED}");
    assert_eq!(sent["text"], title);
    assert_eq!(sent["attachments"][0]["fallback"], title);
    let blocks = &sent["attachments"][0]["blocks"];
    assert_eq!(
        blocks[0]["text"]["text"],
        format!("*{title}*\n{ESCAPED} is down: {ESCAPED}.")
    );
    assert_eq!(
        blocks[1]["fields"][0]["text"],
        format!("*Last ping*\nsuccess at 2025-12-03T09:00:00.000Z (exit status 0, ran 3 s): {ESCAPED}")
    );
    assert_eq!(blocks[1]["fields"][1]["text"], format!("*Tags*\n{ESCAPED}"));
}

#[test]
fn recoveries_are_green_digests_red_and_tests_blue_without_a_button_when_there_is_no_link() {
    let render = |alert| sent(&Slack::render(&config(), &alert, &ctx()).unwrap()[0]);
    let up = render(up("db"));
    assert_eq!(up["attachments"][0]["color"], "#388E3C");
    assert_eq!(
        up["attachments"][0]["blocks"][0]["text"]["text"],
        "*UP: db*\ndb is up again after 2 h 10 min: a ping reported success."
    );
    let errors = render(digest("checkout"));
    assert_eq!(errors["attachments"][0]["color"], "#D32F2F");
    assert_eq!(
        errors["attachments"][0]["blocks"][1]["fields"],
        json!([{"type": "mrkdwn", "text": "*Last message*\ncard declined"}])
    );
    let test = render(test_alert());
    assert_eq!(test["text"], "TEST: ops");
    assert_eq!(test["attachments"][0]["color"], "#1976D2");
    let blocks = test["attachments"][0]["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 1, "no facts and no link: one section");
}

#[test]
fn long_texts_are_cut_to_slacks_limits() {
    let mut alert = down(&"x".repeat(5_000));
    alert.monitor.as_mut().unwrap().tags = vec!["<".repeat(5_000)];
    let sent = sent(&Slack::render(&config(), &alert, &ctx()).unwrap()[0]);
    let count = |v: &Value| v.as_str().unwrap().chars().count();
    assert_eq!(count(&sent["text"]), 200);
    let blocks = &sent["attachments"][0]["blocks"];
    assert_eq!(count(&blocks[0]["text"]["text"]), 200 + 3 + 2_500);
    let tags = blocks[1]["fields"][1]["text"].as_str().unwrap();
    assert!(tags.ends_with("&lt;…"), "cut between escapes");
    assert!(tags.chars().count() <= "*Tags*\n".len() + 1_900);
}

#[test]
fn slacks_error_words_decide_between_retry_and_permanent() {
    assert_eq!(Slack::judge(&answer(200, None, "ok")), Verdict::Delivered);
    for (status, word) in [
        (403, "invalid_token"),
        (403, "action_prohibited"),
        (404, "no_service"),
        (404, "channel_not_found"),
        (410, "channel_is_archived"),
    ] {
        assert_eq!(
            Slack::judge(&answer(status, None, word)),
            Verdict::Permanent {
                reason: format!("slack: {word}")
            }
        );
    }
    assert_eq!(
        Slack::judge(&answer(400, None, "invalid_payload")),
        Verdict::Retry {
            error: "slack: invalid_payload".into(),
            after_ms: None
        }
    );
    assert_eq!(
        Slack::judge(&answer(429, Some("30"), "rate_limited")),
        Verdict::Retry {
            error: "HTTP 429: rate limited".into(),
            after_ms: Some(30_000)
        }
    );
    assert_eq!(
        Slack::judge(&answer(403, None, "<html>denied</html>")),
        Verdict::Permanent {
            reason: "HTTP 403: the credential may not post here".into()
        }
    );
    assert_eq!(
        Slack::judge(&answer(500, None, "rollup_error")),
        Verdict::Retry {
            error: "HTTP 500".into(),
            after_ms: None
        }
    );
}
