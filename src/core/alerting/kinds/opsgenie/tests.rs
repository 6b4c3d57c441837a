use serde_json::json;

use super::*;
use crate::core::alerting::kinds::sample_alerts::{
    answer, body, ctx, digest, down, json_body, loopback_listed, open, test_alert, unlinked, up, HOSTILE,
};
use crate::core::alerting::outbound::Method;

const KEY: &str = "eb24d7e3-8c5a-4a2f-9d1e-0123456789ab";
const LINK: &str = "https://eb.example/monitor?id=uk_0123456789abcdef01234567";

fn config() -> Map<String, Value> {
    Opsgenie::configure(&body(json!({"api_key": KEY})), &open()).unwrap()
}

fn request(alert: &Alert) -> Outbound {
    let mut out = Opsgenie::render(&config(), alert, &ctx(None)).unwrap();
    assert_eq!(out.len(), 1);
    let o = out.remove(0);
    assert_eq!(o.method, Method::Post);
    assert_eq!(o.header("Authorization"), Some(format!("GenieKey {KEY}").as_str()));
    assert_eq!(o.header("content-type"), Some("application/json"));
    o
}

#[test]
fn an_outage_creates_a_p1_alert_aliased_by_the_monitor() {
    let o = request(&down("nightly backup"));
    assert_eq!(o.url, "https://api.opsgenie.com/v2/alerts");
    assert_eq!(
        json_body(&o),
        json!({
            "message": "DOWN: nightly backup",
            "alias": "edgebeat-uk_0123456789abcdef01234567",
            "description": concat!(
                "<p>nightly backup is down: no ping by the due time plus grace.</p>",
                "<p>Last ping: success at 2026-12-03T08:59:00.000Z (exit status 0, ran 3 s)</p>",
                "<p>Tags: prod db</p>",
                "<p><a href=\"https://eb.example/monitor?id=uk_0123456789abcdef01234567\">Open in edgebeat</a></p>"
            ),
            "priority": "P1",
            "source": "edgebeat",
            "tags": ["edgebeat", "prod", "db"],
            "details": {
                "reason": "no ping by the due time plus grace",
                "last_ping": "success at 2026-12-03T08:59:00.000Z (exit status 0, ran 3 s)",
                "link": LINK
            }
        })
    );
}

#[test]
fn a_recovery_closes_the_alert_by_its_alias() {
    let o = request(&up("nightly backup"));
    assert_eq!(
        o.url,
        "https://api.opsgenie.com/v2/alerts/edgebeat-uk_0123456789abcdef01234567/close?identifierType=alias"
    );
    assert_eq!(
        json_body(&o),
        json!({
            "source": "edgebeat",
            "note": "nightly backup is up again after 30 min: a ping reported success.\nLast ping: never"
        })
    );
}

#[test]
fn a_digest_is_p3_per_event_name_and_a_test_p5_of_its_own() {
    let d = json_body(&request(&digest("checkout failed")));
    assert_eq!(
        (d["priority"].clone(), d["alias"].clone(), d["message"].clone()),
        (
            json!("P3"),
            json!("edgebeat-errors-checkout%20failed"),
            json!("ERRORS: checkout failed")
        )
    );
    assert_eq!(d["tags"], json!(["edgebeat"]));
    assert_eq!(
        d["details"],
        json!({
            "reason": "3 error events named checkout failed in the last 10 min",
            "count": "3",
            "window_minutes": "10",
            "last_message": "card declined",
            "link": "https://eb.example/events?type=error&name=checkout%20failed"
        })
    );
    let t = json_body(&request(&test_alert("ops")));
    assert_eq!(
        (t["priority"].clone(), t["alias"].clone(), t["message"].clone()),
        (json!("P5"), json!("edgebeat-test-42"), json!("TEST: ops"))
    );
    assert_eq!(
        t["description"],
        "<p>This is a test alert, sent from edgebeat to check this channel.</p><p><a href=\"https://eb.example/channels\">Open in edgebeat</a></p>"
    );
}

#[test]
fn without_a_link_the_description_and_details_have_none() {
    let b = json_body(&request(&unlinked(down("n"))));
    assert!(!b["description"].as_str().unwrap().contains("<a "));
    assert!(b["details"].get("link").is_none());
}

#[test]
fn a_hostile_name_is_escaped_in_the_description_and_one_line_in_the_message() {
    let b = json_body(&request(&down(HOSTILE)));
    assert_eq!(b["message"], "DOWN: <b>x</b> & \"q\" 'y'   Bcc: evil@x");
    assert!(b["description"]
        .as_str()
        .unwrap()
        .starts_with("<p>&lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot; &#39;y&#39; \n Bcc: evil@x is down"));
}

#[test]
fn long_texts_are_cut_to_opsgenie_s_limits() {
    let mut alert = down(&"n".repeat(200));
    alert.reason = "<".repeat(20_000);
    alert.monitor.as_mut().unwrap().tags = (0..30).map(|i| format!("{i}{}", "t".repeat(60))).collect();
    let b = json_body(&request(&alert));
    assert_eq!(b["message"].as_str().unwrap().chars().count(), 130);
    assert!(b["description"].as_str().unwrap().chars().count() <= 15_000);
    let tags = b["tags"].as_array().unwrap();
    assert_eq!(tags.len(), 20);
    assert!(tags.iter().all(|t| t.as_str().unwrap().chars().count() <= 50));
    assert_eq!(b["details"]["reason"].as_str().unwrap().chars().count(), 1_000);
    let mut up_alert = up("n");
    up_alert.reason = "r".repeat(30_000);
    let note = json_body(&request(&up_alert))["note"].as_str().unwrap().chars().count();
    assert_eq!(note, 25_000);
}

#[test]
fn the_region_picks_the_api_and_api_url_overrides_it() {
    let api = |v: Value| Opsgenie::configure(&body(v), &open()).unwrap()["api_url"].clone();
    assert_eq!(api(json!({"api_key": KEY})), "https://api.opsgenie.com");
    assert_eq!(api(json!({"api_key": KEY, "region": "us"})), "https://api.opsgenie.com");
    assert_eq!(
        api(json!({"api_key": KEY, "region": "eu"})),
        "https://api.eu.opsgenie.com"
    );
    assert_eq!(
        api(json!({"api_key": KEY, "region": "eu", "api_url": "https://og.example.com/"})),
        "https://og.example.com"
    );
    let eu = Opsgenie::configure(&body(json!({"api_key": KEY, "region": "eu"})), &open()).unwrap();
    assert_eq!(
        eu,
        body(json!({"api_key": KEY, "api_url": "https://api.eu.opsgenie.com"}))
    );
    assert_eq!(
        Opsgenie::render(&eu, &down("n"), &ctx(None)).unwrap()[0].url,
        "https://api.eu.opsgenie.com/v2/alerts"
    );
    assert_eq!(Opsgenie::SECRET_FIELDS, &["api_key"]);
}

#[test]
fn bad_fields_are_refused_by_name() {
    let refuse = |v: Value| Opsgenie::configure(&body(v), &open()).unwrap_err().field;
    assert_eq!(refuse(json!({})), "api_key");
    assert_eq!(refuse(json!({"api_key": 12})), "api_key");
    assert_eq!(refuse(json!({"api_key": "two words"})), "api_key");
    assert_eq!(refuse(json!({"api_key": KEY, "region": "asia"})), "region");
    assert_eq!(refuse(json!({"api_key": KEY, "region": "EU"})), "region");
    assert_eq!(refuse(json!({"api_key": KEY, "region": 1})), "region");
    assert_eq!(
        refuse(json!({"api_key": KEY, "api_url": "http://localhost"})),
        "api_url"
    );
    assert_eq!(refuse(json!({"api_key": KEY, "api_url": ["x"]})), "api_url");
}

#[test]
fn an_internal_api_url_is_accepted_only_when_webhook_hosts_lists_it() {
    let v = body(json!({"api_key": KEY, "api_url": "http://127.0.0.1:8000"}));
    assert_eq!(Opsgenie::configure(&v, &open()).unwrap_err().field, "api_url");
    assert!(Opsgenie::configure(&v, &loopback_listed()).is_ok());
}

#[test]
fn a_422_is_permanent_with_opsgenie_s_words() {
    assert_eq!(
        Opsgenie::judge(&answer(
            422,
            None,
            r#"{"message":"Request body is not processable. Please check the errors.","errors":{"message":"Message can not be empty."},"took":0.0,"requestId":"r"}"#
        )),
        Verdict::Permanent {
            reason: "HTTP 422: Opsgenie refused the alert: Message can not be empty.".into()
        }
    );
    assert_eq!(
        Opsgenie::judge(&answer(422, None, r#"{"message":"Request body is not processable."}"#)),
        Verdict::Permanent {
            reason: "HTTP 422: Opsgenie refused the alert: Request body is not processable.".into()
        }
    );
    assert_eq!(
        Opsgenie::judge(&answer(422, None, "")),
        Verdict::Permanent {
            reason: "HTTP 422: Opsgenie refused the alert: ".into()
        }
    );
}

#[test]
fn other_answers_follow_the_common_rule() {
    assert_eq!(
        Opsgenie::judge(&answer(
            202,
            None,
            r#"{"result":"Request will be processed","requestId":"r"}"#
        )),
        Verdict::Delivered
    );
    assert!(matches!(
        Opsgenie::judge(&answer(401, None, "")),
        Verdict::Permanent { .. }
    ));
    assert!(matches!(
        Opsgenie::judge(&answer(403, None, "")),
        Verdict::Permanent { .. }
    ));
    assert_eq!(
        Opsgenie::judge(&answer(429, Some("5"), "")),
        Verdict::Retry {
            error: "HTTP 429: rate limited".into(),
            after_ms: Some(5_000)
        }
    );
}
