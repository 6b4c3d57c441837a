use serde_json::json;

use super::*;
use crate::core::alerting::kinds::samples::{answer, body, ctx, digest, down, listed, open, sent, test_alert, HOSTILE};
use crate::core::alerting::outbound::Method;

const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

/// `HOSTILE` as Telegram's HTML must receive it: escaped, and the `@` joined to an
/// invisible U+2060 so that it mentions no user.
const ESCAPED: &str = "&lt;!channel&gt; *b* [x](http://evil) @\u{2060}everyone &lt;script&gt;&amp;&quot;&#39;";

fn configure(v: Value) -> Checked<Map<String, Value>> {
    Telegram::configure(&body(v), &open())
}

fn config() -> Map<String, Value> {
    configure(json!({"bot_token": TOKEN, "chat_id": "-1001234567890"})).unwrap()
}

fn refused(v: Value) -> String {
    configure(v).unwrap_err().field
}

fn render(config: &Map<String, Value>, alert: Alert) -> Value {
    sent(&Telegram::render(config, &alert, &ctx()).unwrap()[0])
}

#[test]
fn the_configuration_is_stored_with_the_default_api_and_the_token_is_secret() {
    assert_eq!(
        config(),
        body(json!({"bot_token": TOKEN, "chat_id": -1001234567890_i64, "api_url": "https://api.telegram.org"}))
    );
    assert_eq!(Telegram::SECRET_FIELDS, ["bot_token"]);
    let full =
        configure(json!({"bot_token": TOKEN, "chat_id": 42, "thread_id": 7, "api_url": "https://tg.example.com/"}))
            .unwrap();
    assert_eq!(
        full,
        body(json!({"bot_token": TOKEN, "chat_id": 42, "thread_id": 7, "api_url": "https://tg.example.com"}))
    );
    let channel = configure(json!({"bot_token": TOKEN, "chat_id": "@edgebeat_alerts"})).unwrap();
    assert_eq!(channel["chat_id"], "@edgebeat_alerts");
}

#[test]
fn a_bot_token_must_have_botfathers_shape() {
    assert_eq!(refused(json!({"chat_id": 1})), "bot_token");
    assert_eq!(refused(json!({"bot_token": 5, "chat_id": 1})), "bot_token");
    for bad in [
        "123456:short",
        "abc:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
        ":AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
        "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDs+w",
        "123456AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    ] {
        assert_eq!(refused(json!({"bot_token": bad, "chat_id": 1})), "bot_token", "{bad}");
    }
    let thirty = format!("1:{}", "a-_".repeat(10));
    assert!(configure(json!({"bot_token": thirty, "chat_id": 1})).is_ok());
    let short = format!("1:{}", "a".repeat(29));
    assert_eq!(refused(json!({"bot_token": short, "chat_id": 1})), "bot_token");
}

#[test]
fn a_chat_is_a_whole_number_or_a_channel_username() {
    let chat = |v: Value| configure(json!({"bot_token": TOKEN, "chat_id": v}));
    assert_eq!(chat(json!("12345")).unwrap()["chat_id"], 12345);
    assert_eq!(chat(json!(-5)).unwrap()["chat_id"], -5);
    assert_eq!(chat(json!("@abcde")).unwrap()["chat_id"], "@abcde");
    let missing = configure(json!({"bot_token": TOKEN})).unwrap_err();
    assert_eq!(
        (missing.field.as_str(), missing.message.as_str()),
        ("chat_id", "is required")
    );
    for bad in [
        json!("@abcd"),
        json!(format!("@{}", "a".repeat(33))),
        json!("@abc-de"),
        json!("12a"),
        json!("+12"),
        json!("-"),
        json!(""),
        json!("123456789012345678901"),
        json!(1.5),
        json!(true),
        json!(["1"]),
    ] {
        assert_eq!(chat(bad.clone()).unwrap_err().field, "chat_id", "{bad}");
    }
    assert!(chat(json!(format!("@{}", "a".repeat(32)))).is_ok());
}

#[test]
fn the_thread_and_the_api_url_are_checked_by_name() {
    let with = |extra: Value| {
        let mut b = json!({"bot_token": TOKEN, "chat_id": 1});
        b.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        b
    };
    assert_eq!(refused(with(json!({"thread_id": 0}))), "thread_id");
    assert_eq!(refused(with(json!({"thread_id": "7"}))), "thread_id");
    assert_eq!(refused(with(json!({"thread_id": 2_147_483_648_i64}))), "thread_id");
    assert_eq!(refused(with(json!({"api_url": "http://10.0.0.1/"}))), "api_url");
    assert_eq!(refused(with(json!({"api_url": 3}))), "api_url");
    let local = Telegram::configure(&body(with(json!({"api_url": "http://127.0.0.1:8081/"}))), &listed()).unwrap();
    assert_eq!(local["api_url"], "http://127.0.0.1:8081");
}

#[test]
fn a_down_alert_is_one_send_message_in_html() {
    let out = Telegram::render(&config(), &down("nightly backup"), &ctx()).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].method, out[0].url.as_str()),
        (
            Method::Post,
            "https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage"
        )
    );
    assert_eq!(out[0].header("content-type"), Some("application/json"));
    assert_eq!(
        sent(&out[0]),
        json!({
            "chat_id": -1001234567890_i64,
            "text": "<b>DOWN: nightly backup</b>\n\
                nightly backup is down: no ping by the due time plus grace.\n\
                Last ping: success at 2025-12-03T09:00:00.000Z (exit status 0, ran 3 s): ok\n\
                Tags: prod db\n\
                <a href=\"https://eb.example/monitor?id=uk_0123456789abcdef01234567\">Open in edgebeat</a>",
            "parse_mode": "HTML",
            "disable_web_page_preview": true,
        })
    );
}

#[test]
fn every_user_text_is_html_escaped_and_mentions_no_one() {
    let mut alert = digest(HOSTILE);
    alert.digest.as_mut().unwrap().message = Some(HOSTILE.into());
    assert_eq!(
        render(&config(), alert)["text"],
        format!(
            "<b>ERRORS: {ESCAPED}</b>\n3 error events named {ESCAPED} in the last 10 min.\nLast message: {ESCAPED}\n\
             <a href=\"https://eb.example/events?type=error&amp;name=checkout\">Open in edgebeat</a>"
        )
    );
}

#[test]
fn a_topic_gets_its_thread_id_and_a_self_hosted_api_its_url() {
    let config = configure(
        json!({"bot_token": TOKEN, "chat_id": "@abcde", "thread_id": 99, "api_url": "https://tg.example.com"}),
    )
    .unwrap();
    let out = Telegram::render(&config, &test_alert(), &ctx()).unwrap();
    assert_eq!(out[0].url, format!("https://tg.example.com/bot{TOKEN}/sendMessage"));
    let sent = sent(&out[0]);
    assert_eq!(
        (sent["chat_id"].clone(), sent["message_thread_id"].clone()),
        (json!("@abcde"), json!(99))
    );
    assert_eq!(
        sent["text"],
        "<b>TEST: ops</b>\nThis is a test alert, sent from edgebeat to check this channel."
    );
}

#[test]
fn the_text_keeps_within_telegrams_4096_characters() {
    let long_name = render(&config(), down(&"x".repeat(9_000)))["text"].clone();
    let title = long_name.as_str().unwrap().split_once('\n').unwrap().0;
    assert_eq!(title.chars().count(), "<b></b>".len() + 256);
    let mut alert = down("n");
    alert.reason = "<".repeat(9_000);
    let text = render(&config(), alert)["text"].as_str().unwrap().to_string();
    let lines = text.split_once('\n').unwrap().1.rsplit_once('\n').unwrap().0;
    assert!(lines.chars().count() <= 3_500);
    assert!(lines.ends_with("&lt;…"), "cut between escapes");
}

#[test]
fn a_gone_chat_or_token_is_permanent_and_a_flood_wait_is_obeyed() {
    let said = |status: u16, description: &str| {
        let body = json!({"ok": false, "error_code": status, "description": description}).to_string();
        Telegram::judge(&answer(status, None, &body))
    };
    assert_eq!(
        Telegram::judge(&answer(200, None, r#"{"ok": true, "result": {}}"#)),
        Verdict::Delivered
    );
    for (status, description) in [
        (400, "Bad Request: chat not found"),
        (400, "Bad Request: CHAT NOT FOUND"),
        (400, "Bad Request: message thread not found"),
        (400, "Bad Request: not enough rights to send text messages to the chat"),
        (400, "Bad Request: need administrator rights in the channel chat"),
        (400, "Bad Request: group chat was upgraded to a supergroup chat"),
        (403, "Forbidden: bot was blocked by the user"),
        (403, "Forbidden: bot was kicked from the group chat"),
        (401, "Unauthorized"),
    ] {
        assert_eq!(
            said(status, description),
            Verdict::Permanent {
                reason: description.to_string()
            }
        );
    }
    assert_eq!(
        said(400, "Bad Request: can't parse entities"),
        Verdict::Retry {
            error: "Bad Request: can't parse entities".into(),
            after_ms: None
        }
    );
    assert_eq!(
        Telegram::judge(&answer(400, None, "<html>")),
        Verdict::Retry {
            error: "HTTP 400".into(),
            after_ms: None
        }
    );
    assert_eq!(
        Telegram::judge(&answer(401, None, "")),
        Verdict::Permanent {
            reason: "HTTP 401: the credential was refused".into()
        }
    );
    assert_eq!(
        said(404, "Not Found"),
        Verdict::Permanent {
            reason: "HTTP 404: the target does not exist".into()
        }
    );
    let flood = |body: &str, header: Option<&str>| Telegram::judge(&answer(429, header, body));
    let waits = |ms: Option<i64>| Verdict::Retry {
        error: "HTTP 429: rate limited".into(),
        after_ms: ms,
    };
    assert_eq!(
        flood(
            r#"{"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 35", "parameters": {"retry_after": 35}}"#,
            Some("3")
        ),
        waits(Some(35_000))
    );
    assert_eq!(
        flood(r#"{"parameters": {"retry_after": 86400}}"#, None),
        waits(Some(3_600_000))
    );
    assert_eq!(flood(r#"{"ok": false}"#, Some("3")), waits(Some(3_000)));
    assert_eq!(flood("", None), waits(None));
}
