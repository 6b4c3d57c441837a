use serde_json::json;

use super::*;
use crate::core::alerting::kinds::sample_alerts::{
    answer, body, ctx, digest, down, json_body, loopback_listed, open, test_alert, unlinked, up, HOSTILE,
};
use crate::core::alerting::outbound::Method;

fn mail(api: &str, api_url: Option<&str>) -> MailSettings {
    MailSettings {
        api: api.into(),
        api_key: "re_123".into(),
        from: "edgebeat <alerts@eb.example>".into(),
        api_url: api_url.map(str::to_string),
    }
}

fn config() -> Map<String, Value> {
    Email::configure(&body(json!({"to": ["ops@example.com", "oncall@example.org"]})), &open()).unwrap()
}

const TEXT: &str = "nightly backup is down: no ping by the due time plus grace.\nLast ping: success at 2026-12-03T08:59:00.000Z (exit status 0, ran 3 s)\nTags: prod db\n\nOpen in edgebeat: https://eb.example/monitor?id=uk_0123456789abcdef01234567\n\n-- \nSent by edgebeat to the channel ops.\n";

#[test]
fn resend_gets_its_documented_json_with_a_bearer_key() {
    let settings = mail("resend", None);
    let out = Email::render(&config(), &down("nightly backup"), &ctx(Some(&settings))).unwrap();
    assert_eq!(out.len(), 1);
    let o = &out[0];
    assert_eq!(
        (o.method, o.url.as_str()),
        (Method::Post, "https://api.resend.com/emails")
    );
    assert_eq!(o.header("Authorization"), Some("Bearer re_123"));
    assert_eq!(o.header("content-type"), Some("application/json"));
    assert_eq!(
        json_body(o),
        json!({
            "from": "edgebeat <alerts@eb.example>",
            "to": ["ops@example.com", "oncall@example.org"],
            "subject": "DOWN: nightly backup",
            "text": TEXT,
            "html": body::html(&down("nightly backup")),
            "headers": {"List-Unsubscribe": "<https://eb.example/channels>"}
        })
    );
}

#[test]
fn postmark_gets_its_documented_json_with_a_server_token() {
    let settings = mail("postmark", Some("https://pm.example.com/"));
    let o = &Email::render(&config(), &down("nightly backup"), &ctx(Some(&settings))).unwrap()[0];
    assert_eq!(
        (o.method, o.url.as_str()),
        (Method::Post, "https://pm.example.com/email")
    );
    assert_eq!(o.header("X-Postmark-Server-Token"), Some("re_123"));
    assert_eq!(o.header("Accept"), Some("application/json"));
    assert_eq!(o.header("Authorization"), None);
    assert_eq!(
        json_body(o),
        json!({
            "From": "edgebeat <alerts@eb.example>",
            "To": "ops@example.com,oncall@example.org",
            "Subject": "DOWN: nightly backup",
            "TextBody": TEXT,
            "HtmlBody": body::html(&down("nightly backup")),
            "Headers": [{"Name": "List-Unsubscribe", "Value": "<https://eb.example/channels>"}],
            "MessageStream": "outbound"
        })
    );
    let default = mail("postmark", None);
    assert_eq!(
        Email::render(&config(), &up("n"), &ctx(Some(&default))).unwrap()[0].url,
        "https://api.postmarkapp.com/email"
    );
}

#[test]
fn without_a_public_url_there_is_no_unsubscribe_header() {
    let (resend, postmark) = (mail("resend", Some("https://rs.example.com")), mail("postmark", None));
    let mut c = ctx(Some(&resend));
    c.public_url = "";
    let o = &Email::render(&config(), &test_alert("ops"), &c).unwrap()[0];
    assert_eq!(o.url, "https://rs.example.com/emails");
    assert!(json_body(o).get("headers").is_none());
    c.mail = Some(&postmark);
    assert!(json_body(&Email::render(&config(), &test_alert("ops"), &c).unwrap()[0])
        .get("Headers")
        .is_none());
}

#[test]
fn a_deploy_without_mail_is_a_permanent_reason() {
    assert_eq!(
        Email::render(&config(), &down("n"), &ctx(None)),
        Err("email is not configured on this deploy: set MAIL_API, MAIL_API_KEY and MAIL_FROM".to_string())
    );
    let odd = mail("sendgrid", None);
    assert_eq!(
        Email::render(&config(), &down("n"), &ctx(Some(&odd))),
        Err("MAIL_API must be resend or postmark, not sendgrid".to_string())
    );
}

#[test]
fn every_event_has_its_subject_and_body() {
    let settings = mail("resend", None);
    let sent = |alert: &Alert| json_body(&Email::render(&config(), alert, &ctx(Some(&settings))).unwrap()[0]);
    assert_eq!(sent(&up("n"))["subject"], "UP: n");
    assert_eq!(sent(&digest("checkout failed"))["subject"], "ERRORS: checkout failed");
    assert_eq!(sent(&test_alert("ops"))["subject"], "TEST: ops");
    assert_eq!(
        sent(&unlinked(test_alert("ops")))["text"],
        "This is a test alert, sent from edgebeat to check this channel.\n\n-- \nSent by edgebeat to the channel ops.\n"
    );
}

#[test]
fn the_html_body_escapes_every_text_and_colours_its_button() {
    let html = body::html(&down(HOSTILE));
    assert!(!html.contains("<b>x"), "{html}");
    assert!(html.contains(
        "<h1 style=\"font-size:18px\">DOWN: &lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot; &#39;y&#39; \n Bcc: evil@x</h1>"
    ));
    assert!(html.contains("<title>DOWN: &lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot; &#39;y&#39;   Bcc: evil@x</title>"));
    assert!(html.contains("background:#c0392b"));
    assert!(body::html(&digest("n")).contains("background:#c0392b"));
    assert!(body::html(&up("n")).contains("background:#27ae60"));
    assert!(body::html(&test_alert("<i>ops</i>")).contains("background:#7f8c8d"));
    assert!(body::html(&test_alert("<i>ops</i>")).contains("to the channel &lt;i&gt;ops&lt;/i&gt;.</p>"));
    assert!(body::html(&down("n")).contains(
        "<a href=\"https://eb.example/monitor?id=uk_0123456789abcdef01234567\" style=\"display:inline-block;padding:10px 16px;background:#c0392b;"
    ));
    assert!(!body::html(&unlinked(down("n"))).contains("<a "));
    assert!(body::html(&down("n")).contains("<p>Tags: prod db</p>"));
}

#[test]
fn a_hostile_name_stays_on_one_subject_line() {
    let settings = mail("resend", None);
    let b = json_body(&Email::render(&config(), &down(HOSTILE), &ctx(Some(&settings))).unwrap()[0]);
    assert_eq!(b["subject"], "DOWN: <b>x</b> & \"q\" 'y'   Bcc: evil@x");
    assert_eq!(b["to"], json!(["ops@example.com", "oncall@example.org"]));
    assert_eq!(body::subject(&down(&"n".repeat(300))).chars().count(), 200);
}

#[test]
fn addresses_are_plain_addr_specs() {
    for ok in [
        "a@b.co",
        "first.last+tag@mail.example.com",
        "o'neil@x.org",
        "ü@bücher.de",
    ] {
        assert!(is_mail_address(ok), "{ok}");
    }
    let long_local = format!("{}@x.io", "a".repeat(65));
    let long = format!("a@{}.io", "b".repeat(250));
    for bad in [
        "",
        "a",
        "@b.co",
        "a@",
        "a@b",
        "a@b.",
        "a@.b",
        "a@b..c",
        "a b@c.io",
        "a@b c.io",
        "<a@b.co>",
        "A <a@b.co>",
        "a,b@c.io",
        "a;b@c.io",
        "\"a\"@b.co",
        "a@b@c.io",
        "a\r\nBcc: x@y.io",
        "a@[1.2.3.4]",
        "a(c)@b.io",
        "a\\b@c.io",
        "a:b@c.io",
        "a@b_c.io",
        long_local.as_str(),
        long.as_str(),
    ] {
        assert!(!is_mail_address(bad), "{bad:?}");
    }
    assert!(is_mail_address(&format!("{}@x.io", "a".repeat(64))));
    assert!(is_mail_address(&format!("a@{}.io", "b".repeat(249))));
}

#[test]
fn configure_takes_one_address_or_a_list() {
    assert_eq!(
        Email::configure(&body(json!({"to": " ops@example.com "})), &open()).unwrap(),
        body(json!({"to": ["ops@example.com"]}))
    );
    let ten: Vec<String> = (0..10).map(|i| format!("u{i}@example.com")).collect();
    assert_eq!(
        Email::configure(&body(json!({"to": ten})), &open()).unwrap()["to"],
        json!(ten)
    );
    assert_eq!(Email::SECRET_FIELDS, &[] as &[&str]);
    // No URL field: the hosts list changes nothing.
    assert!(Email::configure(&body(json!({"to": "a@b.co"})), &loopback_listed()).is_ok());
}

#[test]
fn bad_recipients_are_refused_by_name() {
    let refuse = |v: Value| Email::configure(&body(v), &open()).unwrap_err().field;
    let eleven: Vec<String> = (0..11).map(|i| format!("u{i}@example.com")).collect();
    for v in [
        json!({}),
        json!({"to": null}),
        json!({"to": []}),
        json!({"to": eleven}),
        json!({"to": 5}),
        json!({"to": {"a": "b@c.io"}}),
        json!({"to": ["a@b.co", 5]}),
        json!({"to": "Ops <ops@example.com>"}),
        json!({"to": ["a@b.co", "a@b.co\r\nBcc: evil@x.io"]}),
    ] {
        assert_eq!(refuse(v.clone()), "to", "{v}");
    }
}

#[test]
fn refusals_that_stay_refused_are_permanent() {
    assert_eq!(
        Email::judge(&answer(
            401,
            None,
            r#"{"statusCode":401,"message":"API key is invalid","name":"validation_error"}"#
        )),
        Verdict::Permanent {
            reason: "HTTP 401: the mail API refused its key: API key is invalid".into()
        }
    );
    assert_eq!(
        Email::judge(&answer(403, None, r#"{"statusCode":403,"message":"The eb.example domain is not verified."}"#)),
        Verdict::Permanent {
            reason: "HTTP 403: the mail API will not send from this sender (is its domain verified?): The eb.example domain is not verified."
                .into()
        }
    );
    assert_eq!(
        Email::judge(&answer(422, None, r#"{"ErrorCode":406,"Message":"You tried to send to recipient(s) that have been marked as inactive."}"#)),
        Verdict::Permanent {
            reason: "HTTP 422: the mail API refused the message: You tried to send to recipient(s) that have been marked as inactive."
                .into()
        }
    );
    assert_eq!(
        Email::judge(&answer(422, None, "not json")),
        Verdict::Permanent {
            reason: "HTTP 422: the mail API refused the message".into()
        }
    );
}

#[test]
fn other_answers_follow_the_common_rule() {
    assert_eq!(Email::judge(&answer(200, None, r#"{"id":"x"}"#)), Verdict::Delivered);
    assert_eq!(
        Email::judge(&answer(429, Some("2"), r#"{"message":"Too many requests"}"#)),
        Verdict::Retry {
            error: "HTTP 429: rate limited".into(),
            after_ms: Some(2_000)
        }
    );
    assert_eq!(
        Email::judge(&answer(500, None, r#"{"message":"oops"}"#)),
        Verdict::Retry {
            error: "HTTP 500".into(),
            after_ms: None
        }
    );
}
