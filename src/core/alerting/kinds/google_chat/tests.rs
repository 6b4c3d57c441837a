use serde_json::json;

use super::*;
use crate::core::alerting::kinds::samples::{
    body, ctx, digest, down, open, sent, test_alert, url_field_is_checked, HOSTILE,
};
use crate::core::alerting::outbound::Method;

const HOOK: &str = "https://chat.googleapis.com/v1/spaces/AAAA/messages?key=KEY&token=TOKEN";

/// `HOSTILE` as Chat must receive it.
const ESCAPED: &str = "&lt;!channel&gt; *b* [x](http://evil) @everyone &lt;script&gt;&amp;\"'";

fn config() -> Map<String, Value> {
    GoogleChat::configure(&body(json!({ "url": HOOK })), &open()).unwrap()
}

fn text(alert: Alert) -> String {
    let sent = sent(&GoogleChat::render(&config(), &alert, &ctx()).unwrap()[0]);
    assert_eq!(sent.as_object().unwrap().len(), 1, "a text message only");
    sent["text"].as_str().unwrap().to_string()
}

#[test]
fn the_url_is_required_checked_and_secret() {
    url_field_is_checked(GoogleChat::configure, "url", json!({}));
    assert_eq!(config(), body(json!({ "url": HOOK })));
    assert_eq!(GoogleChat::SECRET_FIELDS, ["url"]);
}

#[test]
fn a_down_alert_is_a_text_message_with_a_bold_title_and_a_link() {
    let out = GoogleChat::render(&config(), &down("nightly backup"), &ctx()).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].method, out[0].url.as_str()), (Method::Post, HOOK));
    assert_eq!(
        out[0].headers,
        vec![(
            "content-type".to_string(),
            "application/json; charset=UTF-8".to_string()
        )]
    );
    assert_eq!(
        sent(&out[0]),
        json!({"text": "*DOWN: nightly backup*\n\
            nightly backup is down: no ping by the due time plus grace.\n\
            Last ping: success at 2025-12-03T09:00:00.000Z (exit status 0, ran 3 s): ok\n\
            Tags: prod db\n\
            <https://eb.example/monitor?id=uk_0123456789abcdef01234567|Open in edgebeat>"})
    );
}

#[test]
fn every_user_text_is_escaped_so_nothing_mentions_or_links() {
    let mut alert = digest(HOSTILE);
    alert.digest.as_mut().unwrap().message = Some(HOSTILE.into());
    assert_eq!(
        text(alert),
        format!(
            "*ERRORS: {ESCAPED}*\n3 error events named {ESCAPED} in the last 10 min.\nLast message: {ESCAPED}\n\
             <https://eb.example/events?type=error&name=checkout|Open in edgebeat>"
        )
    );
}

#[test]
fn a_test_without_a_link_has_no_link_line_and_long_texts_are_cut() {
    assert_eq!(
        text(test_alert()),
        "*TEST: ops*\nThis is a test alert, sent from edgebeat to check this channel."
    );
    let mut alert = down(&"x".repeat(5_000));
    alert.link = None;
    let text = text(alert);
    let (title, lines) = text.split_once('\n').unwrap();
    assert_eq!(title.chars().count(), 2 + 200);
    assert_eq!(lines.chars().count(), 3_000);
}
