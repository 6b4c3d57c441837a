use serde_json::{json, Map, Value};

use super::*;
use crate::core::alerting::alert::MonitorFacts;
use crate::core::alerting::outbound::{Answer, Verdict};
use crate::core::alerting::signature::verify;

fn body(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

fn alert(event: AlertEvent, name: &str) -> Alert {
    Alert {
        event,
        delivery_id: 42,
        at: 1_764_756_000_000,
        reason: "no ping by the due time plus grace".into(),
        monitor: Some(MonitorFacts {
            unique_key: "uk_0123456789abcdef01234567".into(),
            name: name.into(),
            tags: vec!["prod".into(), "db".into()],
            last_ping: None,
            down_since: None,
        }),
        digest: None,
        link: Some("https://eb.example/monitor?id=uk_0123456789abcdef01234567".into()),
        channel_name: "ops".into(),
        reminder: None,
        escalation: None,
        ack_link: None,
    }
}

fn ctx(payload: &str) -> RenderContext<'_> {
    RenderContext {
        now_s: 1_764_756_001,
        signing_secret: "whsec_test",
        mail: None,
        public_url: "",
        payload,
    }
}

fn open() -> WebhookHosts {
    WebhookHosts::default()
}

#[test]
fn without_templates_it_posts_the_signed_payload_as_before() {
    let config = Webhook::configure(&body(json!({"url": "https://example.com/hook"})), &open()).unwrap();
    assert_eq!(config["method"], "POST");
    let payload = r#"{"event":"down","monitor":{"name":"x"}}"#;
    let out = Webhook::render(&config, &alert(AlertEvent::Down, "x"), &ctx(payload)).unwrap();
    assert_eq!(out.len(), 1);
    let o = &out[0];
    assert_eq!(
        (o.method, o.url.as_str(), o.body.as_deref()),
        (Method::Post, "https://example.com/hook", Some(payload))
    );
    assert_eq!(o.header("content-type"), Some("application/json"));
    assert_eq!(o.header("X-Edgebeat-Event"), Some("down"));
    assert_eq!(o.header("X-Edgebeat-Delivery"), Some("42"));
    let ts: i64 = o.header(TIMESTAMP_HEADER).unwrap().parse().unwrap();
    assert!(verify(
        "whsec_test",
        ts,
        payload,
        o.header(SIGNATURE_HEADER).unwrap(),
        ts,
        300
    ));
}

#[test]
fn a_json_template_escapes_every_variable_and_inserts_the_payload_as_json() {
    let config = Webhook::configure(
        &body(json!({"url": "https://example.com/hook", "body_down": r#"{"text": "$NAME is $STATUS ($TAGS) $REASON at $NOW", "raw": $JSON}"#})),
        &open(),
    )
    .unwrap();
    let hostile = "a\"b\\c\n</x>";
    let out = Webhook::render(&config, &alert(AlertEvent::Down, hostile), &ctx(r#"{"k":1}"#)).unwrap();
    let sent: Value = serde_json::from_str(out[0].body.as_deref().unwrap()).expect("the body stays valid JSON");
    assert_eq!(
        sent["text"],
        format!("{hostile} is down (prod db) no ping by the due time plus grace at 2025-12-03T10:00:00.000Z")
    );
    assert_eq!(sent["raw"], json!({"k": 1}));
    assert_eq!(out[0].header("content-type"), Some("application/json"));
}

#[test]
fn the_up_template_is_used_on_recovery_and_a_text_template_is_not_escaped() {
    let config = Webhook::configure(
        &body(json!({"url": "https://example.com/hook", "body_down": "D $NAME", "body_up": "U $NAME $NAMES $$"})),
        &open(),
    )
    .unwrap();
    let out = Webhook::render(&config, &alert(AlertEvent::Up, "a\"b"), &ctx("{}")).unwrap();
    assert_eq!(out[0].body.as_deref(), Some("U a\"b a\"bS $$"));
    assert_eq!(out[0].header("content-type"), Some("text/plain; charset=utf-8"));
    let down = Webhook::render(&config, &alert(AlertEvent::Down, "n"), &ctx("{}")).unwrap();
    assert_eq!(down[0].body.as_deref(), Some("D n"));
}

#[test]
fn get_puts_variables_in_the_url_percent_encoded_and_signs_an_empty_body() {
    let config = Webhook::configure(
        &body(json!({"url": "https://example.com/hook?m=$NAME&s=$STATUS", "method": "GET"})),
        &open(),
    )
    .unwrap();
    let out = Webhook::render(&config, &alert(AlertEvent::Down, "a b&c"), &ctx("{}")).unwrap();
    assert_eq!(out[0].url, "https://example.com/hook?m=a%20b%26c&s=down");
    assert_eq!((out[0].method, out[0].body.as_deref()), (Method::Get, None));
    let ts: i64 = out[0].header(TIMESTAMP_HEADER).unwrap().parse().unwrap();
    assert!(verify(
        "whsec_test",
        ts,
        "",
        out[0].header(SIGNATURE_HEADER).unwrap(),
        ts,
        300
    ));
}

#[test]
fn user_headers_are_sent_and_their_content_type_wins() {
    let config = Webhook::configure(
        &body(json!({"url": "https://example.com/h", "method": "PUT", "headers": {"Authorization": "Bearer t", "Content-Type": "application/vnd.x+json"}, "body_down": "{\"n\": \"$NAME\"}"})),
        &open(),
    )
    .unwrap();
    let out = Webhook::render(&config, &alert(AlertEvent::Down, "q\""), &ctx("{}")).unwrap();
    assert_eq!(out[0].method, Method::Put);
    assert_eq!(out[0].header("authorization"), Some("Bearer t"));
    assert_eq!(out[0].header("content-type"), Some("application/vnd.x+json"));
    assert_eq!(
        out[0]
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .count(),
        1
    );
    assert_eq!(out[0].body.as_deref(), Some("{\"n\": \"q\\\"\"}"));
}

#[test]
fn bad_fields_are_refused_by_name() {
    let refuse = |v: Value| Webhook::configure(&body(v), &open()).unwrap_err().field;
    assert_eq!(refuse(json!({})), "url");
    assert_eq!(refuse(json!({"url": "http://10.0.0.1/x"})), "url");
    assert_eq!(refuse(json!({"url": "https://e.com", "method": "DELETE"})), "method");
    assert_eq!(
        refuse(json!({"url": "https://e.com", "headers": {"X-Edgebeat-Signature": "forged"}})),
        "headers.X-Edgebeat-Signature"
    );
    assert_eq!(
        refuse(json!({"url": "https://e.com", "headers": {"bad name": "v"}})),
        "headers"
    );
    assert_eq!(
        refuse(json!({"url": "https://e.com", "headers": {"X-A": "line\nbreak"}})),
        "headers.X-A"
    );
    assert_eq!(refuse(json!({"url": "https://e.com", "headers": []})), "headers");
    assert_eq!(
        refuse(json!({"url": "https://e.com", "body_down": "a\u{0}"})),
        "body_down"
    );
    assert_eq!(
        refuse(json!({"url": "https://e.com", "body_up": "x".repeat(5_001)})),
        "body_up"
    );
    let longest = Webhook::configure(
        &body(json!({"url": "https://e.com", "method": "POST", "body_up": "x".repeat(5_000)})),
        &open(),
    );
    assert_eq!(
        longest.map(|c| c["method"].clone()),
        Ok(Value::from("POST")),
        "5,000 characters and an explicit POST are fine"
    );
    assert_eq!(
        refuse(json!({"url": "https://e.com", "method": "GET", "body_down": "x"})),
        "method"
    );
    let many: Map<String, Value> = (0..11).map(|i| (format!("X-{i}"), Value::from("v"))).collect();
    assert_eq!(refuse(json!({"url": "https://e.com", "headers": many})), "headers");
}

#[test]
fn only_a_refused_credential_is_permanent_for_a_webhook() {
    let answer = |status: u16| Answer {
        status,
        retry_after: Some("9".into()),
        body: String::new(),
    };
    assert_eq!(Webhook::judge(&answer(204)), Verdict::Delivered);
    assert!(matches!(Webhook::judge(&answer(401)), Verdict::Permanent { .. }));
    assert!(matches!(Webhook::judge(&answer(403)), Verdict::Permanent { .. }));
    assert_eq!(
        Webhook::judge(&answer(404)),
        Verdict::Retry {
            error: "HTTP 404".into(),
            after_ms: None
        }
    );
    assert_eq!(
        Webhook::judge(&answer(410)),
        Verdict::Retry {
            error: "HTTP 410".into(),
            after_ms: None
        }
    );
    assert_eq!(
        Webhook::judge(&answer(429)),
        Verdict::Retry {
            error: "HTTP 429: rate limited".into(),
            after_ms: Some(9_000)
        }
    );
    assert_eq!(
        Webhook::judge(&answer(500)),
        Verdict::Retry {
            error: "HTTP 500".into(),
            after_ms: None
        }
    );
}
