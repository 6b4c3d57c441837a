use serde_json::json;

use super::*;
use crate::core::alerting::kinds::sample_alerts::{
    answer, body, ctx, digest, down, json_body, loopback_listed, open, test_alert, unlinked, up, HOSTILE,
};
use crate::core::alerting::outbound::{Method, Verdict};

const TOKEN: &str = "AbCdEf.12345-_x";

fn config() -> Map<String, Value> {
    Gotify::configure(
        &body(json!({"url": "https://push.example.com/gotify/", "token": TOKEN})),
        &open(),
    )
    .unwrap()
}

#[test]
fn a_down_alert_is_a_markdown_message_with_a_click_url() {
    let out = Gotify::render(&config(), &down("nightly backup"), &ctx(None)).unwrap();
    assert_eq!(out.len(), 1);
    let o = &out[0];
    assert_eq!(
        (o.method, o.url.as_str()),
        (Method::Post, "https://push.example.com/gotify/message")
    );
    assert_eq!(o.header("content-type"), Some("application/json"));
    assert_eq!(o.header("X-Gotify-Key"), Some(TOKEN));
    assert!(!o.url.contains(TOKEN), "the token never lands in the URL");
    assert_eq!(
        json_body(o),
        json!({
            "title": "DOWN: nightly backup",
            "message": concat!(
                "nightly backup is down: no ping by the due time plus grace\\.\n\n",
                "Last ping: success at 2026\\-12\\-03T08:59:00\\.000Z \\(exit status 0, ran 3 s\\)\n\n",
                "Tags: prod db\n\n",
                "[Open in edgebeat](https://eb.example/monitor?id=uk_0123456789abcdef01234567)"
            ),
            "priority": 8,
            "extras": {
                "client::display": {"contentType": "text/markdown"},
                "client::notification": {"click": {"url": "https://eb.example/monitor?id=uk_0123456789abcdef01234567"}}
            }
        })
    );
}

#[test]
fn each_event_has_its_priority() {
    let priority =
        |alert: &Alert| json_body(&Gotify::render(&config(), alert, &ctx(None)).unwrap()[0])["priority"].clone();
    assert_eq!(priority(&down("n")), 8);
    assert_eq!(priority(&digest("n")), 6);
    assert_eq!(priority(&up("n")), 4);
    assert_eq!(priority(&test_alert("ops")), 2);
}

#[test]
fn without_a_link_there_is_no_click_and_no_link_paragraph() {
    let b = json_body(&Gotify::render(&config(), &unlinked(up("n")), &ctx(None)).unwrap()[0]);
    assert_eq!(
        b["extras"],
        json!({"client::display": {"contentType": "text/markdown"}})
    );
    assert_eq!(
        b["message"],
        "n is up again after 30 min: a ping reported success\\.\n\nLast ping: never"
    );
}

#[test]
fn a_hostile_name_is_markdown_escaped_on_one_line() {
    let b = json_body(&Gotify::render(&config(), &down(HOSTILE), &ctx(None)).unwrap()[0]);
    assert_eq!(b["title"], "DOWN: <b>x</b> & \"q\" 'y'   Bcc: evil@x");
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .starts_with("\\<b\\>x\\</b\\> \\& \"q\" 'y'   Bcc: evil\\@x is down"),
        "{b}"
    );
}

#[test]
fn a_link_cannot_end_its_markdown_target_early() {
    assert_eq!(
        link_target("https://e.x/a (b)<c>\\d"),
        "https://e.x/a%20%28b%29%3Cc%3E%5Cd"
    );
    assert_eq!(link_target("x\ty\nz\r"), "x%09y%0Az%0D");
    let mut alert = digest("n");
    alert.link = Some("https://eb.example/events?name=a)b".into());
    let b = json_body(&Gotify::render(&config(), &alert, &ctx(None)).unwrap()[0]);
    assert!(b["message"]
        .as_str()
        .unwrap()
        .ends_with("[Open in edgebeat](https://eb.example/events?name=a%29b)"));
}

#[test]
fn a_long_line_is_cut() {
    let mut alert = down("n");
    alert.reason = "r".repeat(5_000);
    let b = json_body(&Gotify::render(&config(), &alert, &ctx(None)).unwrap()[0]);
    let first = b["message"].as_str().unwrap().split("\n\n").next().unwrap().to_string();
    assert_eq!(first.chars().count(), 2_000);
    assert!(first.ends_with('…'));
}

#[test]
fn configure_keeps_the_server_without_its_trailing_slash() {
    assert_eq!(
        config(),
        body(json!({"url": "https://push.example.com/gotify", "token": TOKEN}))
    );
    assert_eq!(Gotify::SECRET_FIELDS, &["token"]);
}

#[test]
fn bad_fields_are_refused_by_name() {
    let refuse = |v: serde_json::Value| Gotify::configure(&body(v), &open()).unwrap_err().field;
    assert_eq!(refuse(json!({"token": TOKEN})), "url");
    assert_eq!(refuse(json!({"url": 1, "token": TOKEN})), "url");
    assert_eq!(refuse(json!({"url": "gotify.lan", "token": TOKEN})), "url");
    assert_eq!(refuse(json!({"url": "http://192.168.1.5", "token": TOKEN})), "url");
    assert_eq!(refuse(json!({"url": "https://g.example.com"})), "token");
    assert_eq!(refuse(json!({"url": "https://g.example.com", "token": ["x"]})), "token");
    assert_eq!(refuse(json!({"url": "https://g.example.com", "token": "a b"})), "token");
}

#[test]
fn an_internal_server_is_accepted_only_when_webhook_hosts_lists_it() {
    let v = body(json!({"url": "http://127.0.0.1:8080", "token": TOKEN}));
    assert_eq!(Gotify::configure(&v, &open()).unwrap_err().field, "url");
    assert!(Gotify::configure(&v, &loopback_listed()).is_ok());
}

#[test]
fn answers_are_read_by_the_common_rule() {
    assert_eq!(Gotify::judge(&answer(200, None, "{}")), Verdict::Delivered);
    assert!(matches!(
        Gotify::judge(&answer(401, None, "")),
        Verdict::Permanent { .. }
    ));
    assert_eq!(
        Gotify::judge(&answer(429, Some("3"), "")),
        Verdict::Retry {
            error: "HTTP 429: rate limited".into(),
            after_ms: Some(3_000)
        }
    );
}
