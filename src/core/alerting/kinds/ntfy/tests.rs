use serde_json::json;

use super::*;
use crate::core::alerting::kinds::sample_alerts::{
    answer, body, ctx, digest, down, json_body, loopback_listed, open, test_alert, unlinked, up, HOSTILE,
};
use crate::core::alerting::outbound::{Method, Verdict};

const LINK: &str = "https://eb.example/monitor?id=uk_0123456789abcdef01234567";

fn config(v: serde_json::Value) -> Map<String, Value> {
    Ntfy::configure(&body(v), &open()).unwrap()
}

#[test]
fn a_down_alert_is_published_as_json_to_the_server_root() {
    let out = Ntfy::render(
        &config(json!({"topic": "backups"})),
        &down("nightly backup"),
        &ctx(None),
    )
    .unwrap();
    assert_eq!(out.len(), 1);
    let o = &out[0];
    assert_eq!((o.method, o.url.as_str()), (Method::Post, "https://ntfy.sh"));
    assert_eq!(o.header("content-type"), Some("application/json"));
    assert_eq!(o.header("authorization"), None);
    assert_eq!(
        json_body(o),
        json!({
            "topic": "backups",
            "title": "DOWN: nightly backup",
            "message": "nightly backup is down: no ping by the due time plus grace.\nLast ping: success at 2026-12-03T08:59:00.000Z (exit status 0, ran 3 s)\nTags: prod db",
            "priority": 5,
            "tags": ["rotating_light"],
            "click": LINK,
            "actions": [{"action": "view", "label": "Open monitor", "url": LINK}],
        })
    );
}

#[test]
fn each_event_has_its_priority_and_emoji_tag() {
    let c = config(json!({"topic": "t", "priority_down": 4, "priority_up": 2}));
    let sent = |alert: &Alert| {
        let b = json_body(&Ntfy::render(&c, alert, &ctx(None)).unwrap()[0]);
        (
            b["priority"].clone(),
            b["tags"].clone(),
            b["actions"][0]["label"].clone(),
        )
    };
    assert_eq!(
        sent(&down("n")),
        (json!(4), json!(["rotating_light"]), json!("Open monitor"))
    );
    assert_eq!(
        sent(&up("n")),
        (json!(2), json!(["white_check_mark"]), json!("Open monitor"))
    );
    assert_eq!(sent(&digest("n")), (json!(4), json!(["warning"]), json!("Open errors")));
    assert_eq!(
        sent(&test_alert("ops")),
        (json!(2), json!(["test_tube"]), json!("Open channels"))
    );
    let up_body = json_body(&Ntfy::render(&c, &up("n"), &ctx(None)).unwrap()[0]);
    assert_eq!(up_body["title"], "UP: n");
    assert_eq!(
        up_body["message"],
        "n is up again after 30 min: a ping reported success.\nLast ping: never"
    );
}

#[test]
fn a_token_is_sent_as_a_bearer_header_and_a_self_hosted_server_is_used() {
    let c = config(json!({"url": "https://ntfy.example.com/", "topic": "t", "token": "tk_abc"}));
    let o = &Ntfy::render(&c, &down("n"), &ctx(None)).unwrap()[0];
    assert_eq!(o.url, "https://ntfy.example.com");
    assert_eq!(o.header("Authorization"), Some("Bearer tk_abc"));
    assert!(
        !o.body.as_deref().unwrap().contains("tk_abc"),
        "the token stays out of the body"
    );
}

#[test]
fn without_a_link_there_is_no_click_and_no_action() {
    let o = &Ntfy::render(&config(json!({"topic": "t"})), &unlinked(down("n")), &ctx(None)).unwrap()[0];
    let b = json_body(o);
    assert!(b.get("click").is_none() && b.get("actions").is_none(), "{b}");
}

#[test]
fn a_hostile_name_stays_plain_text_in_one_title_line() {
    let o = &Ntfy::render(&config(json!({"topic": "t"})), &down(HOSTILE), &ctx(None)).unwrap()[0];
    let b = json_body(o);
    assert_eq!(b["title"], "DOWN: <b>x</b> & \"q\" 'y'   Bcc: evil@x");
    assert!(b["message"].as_str().unwrap().starts_with(HOSTILE));
    assert!(b.get("markdown").is_none(), "shown as text, so nothing in it formats");
    assert_eq!(o.headers.len(), 1, "nothing in a name becomes a header");
}

#[test]
fn a_long_message_is_cut_within_ntfy_s_limit_on_a_character() {
    let mut alert = down("n");
    alert.reason = "é".repeat(3_000);
    let b = json_body(&Ntfy::render(&config(json!({"topic": "t"})), &alert, &ctx(None)).unwrap()[0]);
    let message = b["message"].as_str().unwrap();
    assert!(message.len() <= 4_096 && message.len() > 4_090, "{}", message.len());
    assert!(message.ends_with('…'));
    assert_eq!(clip_bytes("abcdef", 6), "abcdef");
    assert_eq!(clip_bytes("abcdefg", 6), "abc…");
    assert_eq!(clip_bytes("éééé", 7), "éé…");
    assert_eq!(clip_bytes("éééé", 6), "é…");
}

#[test]
fn configure_fills_the_defaults() {
    assert_eq!(
        config(json!({"topic": "backups"})),
        body(json!({"url": "https://ntfy.sh", "topic": "backups", "priority_down": 5, "priority_up": 3}))
    );
    assert_eq!(Ntfy::SECRET_FIELDS, &["token"]);
}

#[test]
fn bad_fields_are_refused_by_name() {
    let refuse = |v: serde_json::Value| Ntfy::configure(&body(v), &open()).unwrap_err().field;
    assert_eq!(refuse(json!({})), "topic");
    assert_eq!(refuse(json!({"topic": 7})), "topic");
    assert_eq!(refuse(json!({"topic": "a b"})), "topic");
    assert_eq!(refuse(json!({"topic": "a/b"})), "topic");
    assert_eq!(refuse(json!({"topic": "a".repeat(65)})), "topic");
    assert_eq!(refuse(json!({"topic": "t", "url": "http://127.0.0.1:8080"})), "url");
    assert_eq!(refuse(json!({"topic": "t", "url": 5})), "url");
    assert_eq!(refuse(json!({"topic": "t", "token": "a b"})), "token");
    assert_eq!(refuse(json!({"topic": "t", "token": true})), "token");
    assert_eq!(refuse(json!({"topic": "t", "priority_down": 0})), "priority_down");
    assert_eq!(refuse(json!({"topic": "t", "priority_down": 6})), "priority_down");
    assert_eq!(refuse(json!({"topic": "t", "priority_up": "3"})), "priority_up");
    assert!(Ntfy::configure(&body(json!({"topic": "a".repeat(64)})), &open()).is_ok());
    assert!(Ntfy::configure(
        &body(json!({"topic": "A-z_9", "priority_down": 1, "priority_up": 5})),
        &open()
    )
    .is_ok());
}

#[test]
fn an_internal_server_is_accepted_only_when_webhook_hosts_lists_it() {
    let v = body(json!({"topic": "t", "url": "http://127.0.0.1:8080"}));
    assert!(Ntfy::configure(&v, &open()).is_err());
    assert_eq!(
        Ntfy::configure(&v, &loopback_listed()).unwrap()["url"],
        "http://127.0.0.1:8080"
    );
}

#[test]
fn answers_are_read_by_the_common_rule() {
    assert_eq!(Ntfy::judge(&answer(200, None, "{}")), Verdict::Delivered);
    assert!(matches!(Ntfy::judge(&answer(403, None, "")), Verdict::Permanent { .. }));
    assert_eq!(
        Ntfy::judge(&answer(429, Some("12"), "")),
        Verdict::Retry {
            error: "HTTP 429: rate limited".into(),
            after_ms: Some(12_000)
        }
    );
}
