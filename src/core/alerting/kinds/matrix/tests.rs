use serde_json::json;

use super::*;
use crate::core::alerting::kinds::samples::{
    answer, body, ctx, digest, down, open, sent, test_alert, url_field_is_checked, HOSTILE,
};

const ROOM: &str = "!abc:example.org";

fn configure(v: Value) -> Checked<Map<String, Value>> {
    Matrix::configure(&body(v), &open())
}

fn config() -> Map<String, Value> {
    configure(json!({"homeserver": "https://matrix.example.org/", "access_token": "syt_abc_123", "room_id": ROOM}))
        .unwrap()
}

fn refused(v: Value) -> String {
    configure(v).unwrap_err().field
}

fn render(alert: Alert) -> Value {
    sent(&Matrix::render(&config(), &alert, &ctx()).unwrap()[0])
}

#[test]
fn the_configuration_is_stored_and_the_token_is_secret() {
    assert_eq!(
        config(),
        body(json!({"homeserver": "https://matrix.example.org", "access_token": "syt_abc_123", "room_id": ROOM}))
    );
    assert_eq!(Matrix::SECRET_FIELDS, ["access_token"]);
    url_field_is_checked(
        Matrix::configure,
        "homeserver",
        json!({"access_token": "t", "room_id": ROOM}),
    );
}

#[test]
fn the_token_and_the_room_are_checked_by_name() {
    let with =
        |token: Value, room: Value| json!({"homeserver": "https://m.example", "access_token": token, "room_id": room});
    assert_eq!(
        refused(json!({"homeserver": "https://m.example", "room_id": ROOM})),
        "access_token"
    );
    assert_eq!(refused(with(json!(5), json!(ROOM))), "access_token");
    assert_eq!(refused(with(json!("syt a"), json!(ROOM))), "access_token");
    assert_eq!(
        refused(json!({"homeserver": "https://m.example", "access_token": "t"})),
        "room_id"
    );
    for room in [
        json!("#room:example.org"),
        json!("!"),
        json!("! a:b"),
        json!("abc:example.org"),
        json!(7),
    ] {
        assert_eq!(refused(with(json!("t"), room.clone())), "room_id", "{room}");
    }
    let v12 = "!31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM";
    assert_eq!(configure(with(json!("t"), json!(v12))).unwrap()["room_id"], v12);
}

#[test]
fn a_down_alert_is_a_put_of_one_message_with_the_delivery_as_transaction() {
    let out = Matrix::render(&config(), &down("nightly backup"), &ctx()).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].method, out[0].url.as_str()),
        (
            Method::Put,
            // 44136fa355b3678a: the first 16 hex of SHA-256 of the sample payload, `{}`.
            "https://matrix.example.org/_matrix/client/v3/rooms/%21abc%3Aexample.org/send/m.room.message/edgebeat-42-44136fa355b3678a"
        )
    );
    assert_eq!(out[0].header("content-type"), Some("application/json"));
    assert_eq!(out[0].header("authorization"), Some("Bearer syt_abc_123"));
    assert_eq!(
        sent(&out[0]),
        json!({
            "msgtype": "m.text",
            "body": "DOWN: nightly backup\n\
                nightly backup is down: no ping by the due time plus grace.\n\
                Last ping: success at 2025-12-03T09:00:00.000Z (exit status 0, ran 3 s): ok\n\
                Tags: prod db\n\
                https://eb.example/monitor?id=uk_0123456789abcdef01234567",
            "format": "org.matrix.custom.html",
            "formatted_body": "<strong>DOWN: nightly backup</strong><br>\
                nightly backup is down: no ping by the due time plus grace.<br>\
                Last ping: success at 2025-12-03T09:00:00.000Z (exit status 0, ran 3 s): ok<br>\
                Tags: prod db<br>\
                <a href=\"https://eb.example/monitor?id=uk_0123456789abcdef01234567\">Open in edgebeat</a>",
            "m.mentions": {},
        })
    );
    let test = Matrix::render(&config(), &test_alert(), &ctx()).unwrap();
    assert!(test[0]
        .url
        .ends_with("/send/m.room.message/edgebeat-44-44136fa355b3678a"));
    assert_eq!(
        sent(&test[0])["formatted_body"],
        "<strong>TEST: ops</strong><br>This is a test alert, sent from edgebeat to check this channel."
    );
}

/// A delivery id is a D1 rowid, which comes back once the newest delivery is deleted (its
/// monitor or channel deleted) and is the same number on every deploy; a homeserver keeps a
/// transaction id for a day and answers a repeated one with the old event, posting nothing.
/// So the transaction id also carries the frozen payload's digest: a retry (same delivery,
/// same payload) is the same transaction, another alert under a reused id is not.
#[test]
fn a_reused_delivery_id_is_another_transaction_and_a_retry_the_same() {
    let path = |alert: &Alert, payload: &str| {
        let ctx = RenderContext { payload, ..ctx() };
        Matrix::render(&config(), alert, &ctx).unwrap()[0].url.clone()
    };
    let x = r#"{"event":"down","monitor":{"id":"m-x","name":"monitor X"},"flip":{"at":"2025-12-03T10:00:00.000Z"}}"#;
    let y = r#"{"event":"down","monitor":{"id":"m-y","name":"monitor Y"},"flip":{"at":"2025-12-03T11:00:00.000Z"}}"#;
    let (first, retry) = (path(&down("monitor X"), x), path(&down("monitor X"), x));
    assert_eq!(first, retry, "a retry is the same transaction");
    let reused = path(&down("monitor Y"), y);
    assert_ne!(
        first, reused,
        "the same delivery id for another alert is another transaction"
    );
    let prefix =
        "https://matrix.example.org/_matrix/client/v3/rooms/%21abc%3Aexample.org/send/m.room.message/edgebeat-42-";
    for url in [&first, &reused] {
        let digest = url.strip_prefix(prefix).unwrap_or_else(|| panic!("{url}"));
        assert_eq!(digest.len(), 16, "{url}");
        assert!(
            digest.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
            "{url}"
        );
    }
}

#[test]
fn every_user_text_is_html_escaped_in_the_formatted_body_and_plain_in_the_body() {
    let mut alert = digest(HOSTILE);
    alert.digest.as_mut().unwrap().message = Some(format!("{HOSTILE}\nsecond line"));
    let sent = render(alert);
    let escaped = "&lt;!channel&gt; *b* [x](http://evil) @everyone &lt;script&gt;&amp;&quot;&#39;";
    assert_eq!(
        sent["formatted_body"],
        format!(
            "<strong>ERRORS: {escaped}</strong><br>3 error events named {escaped} in the last 10 min.<br>\
             Last message: {escaped}<br>second line<br>\
             <a href=\"https://eb.example/events?type=error&amp;name=checkout\">Open in edgebeat</a>"
        )
    );
    assert_eq!(
        sent["body"],
        format!(
            "ERRORS: {HOSTILE}\n3 error events named {HOSTILE} in the last 10 min.\nLast message: {HOSTILE}\nsecond line\n\
             https://eb.example/events?type=error&name=checkout"
        )
    );
    assert_eq!(sent["m.mentions"], json!({}), "the body's names notify no one");
}

#[test]
fn long_texts_are_cut() {
    let mut alert = down(&"x".repeat(9_000));
    alert.link = None;
    alert.reason = "<".repeat(9_000);
    let sent = render(alert);
    let body = sent["body"].as_str().unwrap();
    let (title, lines) = body.split_once('\n').unwrap();
    assert_eq!((title.chars().count(), lines.chars().count()), (256, 6_000));
    let formatted = sent["formatted_body"].as_str().unwrap();
    assert!(formatted.chars().count() <= "<strong></strong><br>".len() + 256 + 6_000);
}

#[test]
fn a_refused_token_is_permanent_and_a_rate_limit_waits_as_told() {
    assert_eq!(
        Matrix::judge(&answer(200, None, r#"{"event_id": "$x"}"#)),
        Verdict::Delivered
    );
    for (status, code) in [(403, "M_FORBIDDEN"), (401, "M_UNKNOWN_TOKEN"), (401, "M_MISSING_TOKEN")] {
        let body = json!({"errcode": code, "error": "User @bot:x not in room"}).to_string();
        assert_eq!(
            Matrix::judge(&answer(status, None, &body)),
            Verdict::Permanent {
                reason: format!("matrix: {code}")
            }
        );
    }
    for unsafe_code in [json!("<b>x</b>"), json!(""), json!("M".repeat(65)), json!(3)] {
        let body = json!({ "errcode": unsafe_code }).to_string();
        assert_eq!(
            Matrix::judge(&answer(403, None, &body)),
            Verdict::Permanent {
                reason: "HTTP 403: the credential may not post here".into()
            },
            "{unsafe_code}"
        );
    }
    let longest = json!({ "errcode": "M".repeat(64) }).to_string();
    assert_eq!(
        Matrix::judge(&answer(403, None, &longest)),
        Verdict::Permanent {
            reason: format!("matrix: {}", "M".repeat(64))
        }
    );
    assert_eq!(
        Matrix::judge(&answer(401, None, r#"{"errcode": "com.example.custom_1"}"#)),
        Verdict::Permanent {
            reason: "matrix: com.example.custom_1".into()
        }
    );
    let limited = |body: &str, header: Option<&str>| Matrix::judge(&answer(429, header, body));
    let waits = |ms: Option<i64>| Verdict::Retry {
        error: "HTTP 429: rate limited".into(),
        after_ms: ms,
    };
    assert_eq!(
        limited(
            r#"{"errcode": "M_LIMIT_EXCEEDED", "error": "Too many requests", "retry_after_ms": 2000}"#,
            Some("9")
        ),
        waits(Some(2_000))
    );
    assert_eq!(
        limited(r#"{"errcode": "M_LIMIT_EXCEEDED"}"#, Some("9")),
        waits(Some(9_000))
    );
    assert_eq!(limited(r#"{"retry_after_ms": 99999999}"#, None), waits(Some(3_600_000)));
    assert_eq!(limited(r#"{"retry_after_ms": 0}"#, Some("9")), waits(Some(0)));
    assert_eq!(limited(r#"{"retry_after_ms": -1}"#, Some("9")), waits(Some(9_000)));
    assert_eq!(limited("", None), waits(None));
    assert_eq!(
        Matrix::judge(&answer(404, None, r#"{"errcode": "M_NOT_FOUND"}"#)),
        Verdict::Permanent {
            reason: "HTTP 404: the target does not exist".into()
        }
    );
    assert_eq!(
        Matrix::judge(&answer(502, None, "")),
        Verdict::Retry {
            error: "HTTP 502".into(),
            after_ms: None
        }
    );
}
