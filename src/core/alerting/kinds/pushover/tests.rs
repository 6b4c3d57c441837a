use serde_json::json;

use super::*;
use crate::core::alerting::kinds::sample_alerts::{
    answer, body, ctx, digest, down, form_fields, loopback_listed, open, test_alert, unlinked, up, HOSTILE,
};
use crate::core::alerting::outbound::Method;

const APP: &str = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";
const USER: &str = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG";
const LINK: &str = "https://eb.example/monitor?id=uk_0123456789abcdef01234567";

fn config(priority: i64) -> Map<String, Value> {
    Pushover::configure(
        &body(json!({"app_token": APP, "user_key": USER, "priority": priority})),
        &open(),
    )
    .unwrap()
}

fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn field(o: &Outbound, name: &str) -> Option<String> {
    form_fields(o).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

#[test]
fn a_down_alert_is_one_html_form_post_to_the_messages_endpoint() {
    let out = Pushover::render(&config(0), &down("nightly backup"), &ctx(None)).unwrap();
    assert_eq!(out.len(), 1);
    let o = &out[0];
    assert_eq!(
        (o.method, o.url.as_str()),
        (Method::Post, "https://api.pushover.net/1/messages.json")
    );
    assert_eq!(o.header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(
        form_fields(o),
        pairs(&[
            ("token", APP),
            ("user", USER),
            ("title", "DOWN: nightly backup"),
            (
                "message",
                "nightly backup is down: no ping by the due time plus grace.\nLast ping: success at 2026-12-03T08:59:00.000Z (exit status 0, ran 3 s)\nTags: prod db"
            ),
            ("html", "1"),
            ("priority", "0"),
            ("timestamp", "1796292000"),
            ("url", LINK),
            ("url_title", "Open in edgebeat"),
        ])
    );
}

#[test]
fn an_emergency_outage_repeats_under_the_monitor_s_tag() {
    let o = &Pushover::render(&config(2), &down("n"), &ctx(None)).unwrap()[0];
    let fields = form_fields(o);
    assert_eq!(field(o, "priority").as_deref(), Some("2"));
    assert_eq!(
        fields[fields.len() - 3..].to_vec(),
        pairs(&[
            ("retry", "60"),
            ("expire", "3600"),
            ("tags", "edgebeat-uk_0123456789abcdef01234567")
        ])
    );
}

#[test]
fn an_emergency_recovery_cancels_the_repeats_then_says_so_at_normal_priority() {
    let out = Pushover::render(&config(2), &up("n"), &ctx(None)).unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(
        out[0].url,
        "https://api.pushover.net/1/receipts/cancel_by_tag/edgebeat-uk_0123456789abcdef01234567.json"
    );
    assert_eq!(out[0].method, Method::Post);
    assert_eq!(form_fields(&out[0]), pairs(&[("token", APP)]));
    assert_eq!(out[1].url, "https://api.pushover.net/1/messages.json");
    assert_eq!(field(&out[1], "priority").as_deref(), Some("0"));
    assert_eq!(field(&out[1], "title").as_deref(), Some("UP: n"));
    assert_eq!(field(&out[1], "retry"), None);
    assert_eq!(field(&out[1], "tags"), None);
}

#[test]
fn priorities_follow_the_event() {
    let sent = |configured: i64, alert: &Alert| {
        let out = Pushover::render(&config(configured), alert, &ctx(None)).unwrap();
        assert_eq!(out.len(), 1, "only an emergency recovery cancels");
        field(&out[0], "priority").unwrap()
    };
    assert_eq!(sent(1, &down("n")), "1");
    assert_eq!(sent(-2, &down("n")), "-2");
    assert_eq!(sent(1, &up("n")), "0");
    assert_eq!(sent(-1, &up("n")), "-1");
    assert_eq!(sent(2, &digest("n")), "1");
    assert_eq!(sent(2, &test_alert("ops")), "1");
    assert_eq!(sent(0, &digest("n")), "0");
    let o = &Pushover::render(&config(2), &test_alert("ops"), &ctx(None)).unwrap()[0];
    assert_eq!(
        (field(o, "retry"), field(o, "expire"), field(o, "tags")),
        (None, None, None)
    );
    assert_eq!(field(o, "title").as_deref(), Some("TEST: ops"));
}

#[test]
fn a_hostile_name_is_html_escaped_in_the_message_and_flat_in_the_title() {
    let o = &Pushover::render(&config(0), &down(HOSTILE), &ctx(None)).unwrap()[0];
    assert_eq!(
        field(o, "title").as_deref(),
        Some("DOWN: <b>x</b> & \"q\" 'y'   Bcc: evil@x")
    );
    assert!(field(o, "message")
        .unwrap()
        .starts_with("&lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot; &#39;y&#39; \n Bcc: evil@x is down"));
    assert_eq!(form_fields(o).len(), 9, "nothing in a name adds a field");
    assert!(!o.body.as_deref().unwrap().contains('\n'));
}

#[test]
fn a_long_message_is_cut_to_pushover_s_limit_and_a_long_link_left_out() {
    let mut alert = down("n");
    alert.reason = "<".repeat(2_000);
    alert.link = Some(format!("https://eb.example/{}", "a".repeat(500)));
    let o = &Pushover::render(&config(0), &alert, &ctx(None)).unwrap()[0];
    let message = field(o, "message").unwrap();
    assert!(
        message.chars().count() <= 1_024 && message.ends_with("&lt;…"),
        "{message}"
    );
    assert_eq!(field(o, "url"), None);
    assert_eq!(field(o, "url_title"), None);
    alert.link = Some(format!("https://eb.example/{}", "a".repeat(493)));
    let o = &Pushover::render(&config(0), &alert, &ctx(None)).unwrap()[0];
    assert_eq!(field(o, "url").map(|u| u.len()), Some(512));
    let o = &Pushover::render(&config(0), &unlinked(down("n")), &ctx(None)).unwrap()[0];
    assert_eq!((field(o, "url"), field(o, "url_title")), (None, None));
}

#[test]
fn configure_fills_the_defaults_and_keeps_a_custom_api() {
    assert_eq!(
        Pushover::configure(&body(json!({"app_token": APP, "user_key": USER})), &open()).unwrap(),
        body(json!({"app_token": APP, "user_key": USER, "priority": 0, "api_url": "https://api.pushover.net"}))
    );
    let c = Pushover::configure(
        &body(json!({"app_token": APP, "user_key": USER, "api_url": "https://po.example.com/"})),
        &open(),
    )
    .unwrap();
    assert_eq!(
        Pushover::render(&c, &down("n"), &ctx(None)).unwrap()[0].url,
        "https://po.example.com/1/messages.json"
    );
    assert_eq!(Pushover::SECRET_FIELDS, &["app_token", "user_key"]);
}

#[test]
fn bad_fields_are_refused_by_name() {
    let refuse = |v: serde_json::Value| Pushover::configure(&body(v), &open()).unwrap_err().field;
    assert_eq!(refuse(json!({"user_key": USER})), "app_token");
    assert_eq!(refuse(json!({"app_token": &APP[1..], "user_key": USER})), "app_token");
    assert_eq!(refuse(json!({"app_token": 30, "user_key": USER})), "app_token");
    assert_eq!(refuse(json!({"app_token": APP})), "user_key");
    assert_eq!(
        refuse(json!({"app_token": APP, "user_key": format!("{}!", &USER[1..])})),
        "user_key"
    );
    assert_eq!(
        refuse(json!({"app_token": APP, "user_key": USER, "priority": 3})),
        "priority"
    );
    assert_eq!(
        refuse(json!({"app_token": APP, "user_key": USER, "priority": -3})),
        "priority"
    );
    assert_eq!(
        refuse(json!({"app_token": APP, "user_key": USER, "priority": "high"})),
        "priority"
    );
    assert_eq!(
        refuse(json!({"app_token": APP, "user_key": USER, "api_url": "http://10.1.2.3"})),
        "api_url"
    );
    assert_eq!(
        refuse(json!({"app_token": APP, "user_key": USER, "api_url": false})),
        "api_url"
    );
}

#[test]
fn an_internal_api_is_accepted_only_when_webhook_hosts_lists_it() {
    let v = body(json!({"app_token": APP, "user_key": USER, "api_url": "http://127.0.0.1:9000"}));
    assert_eq!(Pushover::configure(&v, &open()).unwrap_err().field, "api_url");
    assert_eq!(
        Pushover::configure(&v, &loopback_listed()).unwrap()["api_url"],
        "http://127.0.0.1:9000"
    );
}

#[test]
fn a_refused_token_or_user_key_is_permanent() {
    assert_eq!(
        Pushover::judge(&answer(
            400,
            None,
            r#"{"token":"invalid","errors":["application token is invalid"],"status":0,"request":"r"}"#
        )),
        Verdict::Permanent {
            reason: "Pushover refused the application token: application token is invalid".into()
        }
    );
    assert_eq!(
        Pushover::judge(&answer(
            400,
            None,
            r#"{"user":"invalid","errors":["user identifier is not a valid user, group, or subscribed user key"],"status":0}"#
        )),
        Verdict::Permanent {
            reason: "Pushover refused the user key: user identifier is not a valid user, group, or subscribed user key"
                .into()
        }
    );
    assert_eq!(
        Pushover::judge(&answer(400, None, r#"{"errors":["user key is invalid"],"status":0}"#)),
        Verdict::Permanent {
            reason: "Pushover refused the user key: user key is invalid".into()
        }
    );
    assert_eq!(
        Pushover::judge(&answer(
            400,
            None,
            r#"{"errors":["Application Token is invalid"],"status":0}"#
        )),
        Verdict::Permanent {
            reason: "Pushover refused the application token: Application Token is invalid".into()
        }
    );
}

#[test]
fn other_answers_are_read_by_the_common_rule() {
    assert_eq!(
        Pushover::judge(&answer(200, None, r#"{"status":1,"request":"r"}"#)),
        Verdict::Delivered
    );
    let retry_400 = Verdict::Retry {
        error: "HTTP 400".into(),
        after_ms: None,
    };
    assert_eq!(
        Pushover::judge(&answer(
            400,
            None,
            r#"{"message":"cannot be blank","errors":["message cannot be blank"],"status":0}"#
        )),
        retry_400
    );
    assert_eq!(
        Pushover::judge(&answer(400, None, r#"{"errors":["token missing"],"status":0}"#)),
        retry_400
    );
    assert_eq!(Pushover::judge(&answer(400, None, "<html>")), retry_400);
    assert_eq!(
        Pushover::judge(&answer(500, None, r#"{"token":"invalid"}"#)),
        Verdict::Retry {
            error: "HTTP 500".into(),
            after_ms: None
        }
    );
    assert_eq!(
        Pushover::judge(&answer(429, Some("60"), "")),
        Verdict::Retry {
            error: "HTTP 429: rate limited".into(),
            after_ms: Some(60_000)
        }
    );
}
