use serde_json::json;

use super::*;
use crate::core::alerting::kinds::sample_alerts::{
    answer, body, ctx, digest, down, json_body, loopback_listed, open, test_alert, unlinked, up, HOSTILE,
};
use crate::core::alerting::outbound::Method;

const KEY: &str = "R0ABCDEFGHIJKLMNOPQRSTUVWXYZ0123";
const LINK: &str = "https://eb.example/monitor?id=uk_0123456789abcdef01234567";

fn config() -> Map<String, Value> {
    PagerDuty::configure(&body(json!({"routing_key": KEY})), &open()).unwrap()
}

fn event(alert: &Alert) -> Value {
    let out = PagerDuty::render(&config(), alert, &ctx(None)).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].method, out[0].url.as_str()),
        (Method::Post, "https://events.pagerduty.com/v2/enqueue")
    );
    assert_eq!(out[0].header("content-type"), Some("application/json"));
    json_body(&out[0])
}

#[test]
fn an_outage_triggers_a_critical_incident_keyed_by_the_monitor() {
    assert_eq!(
        event(&down("nightly backup")),
        json!({
            "routing_key": KEY,
            "event_action": "trigger",
            "dedup_key": "edgebeat-uk_0123456789abcdef01234567",
            "payload": {
                "summary": "DOWN: nightly backup (no ping by the due time plus grace)",
                "source": "edgebeat",
                "severity": "critical",
                "timestamp": "2026-12-03T10:00:00.000Z",
                "custom_details": {
                    "reason": "no ping by the due time plus grace",
                    "last_ping": "success at 2026-12-03T08:59:00.000Z (exit status 0, ran 3 s)",
                    "tags": ["prod", "db"]
                }
            },
            "links": [{"href": LINK, "text": "Open in edgebeat"}],
            "client": "edgebeat",
            "client_url": LINK
        })
    );
}

#[test]
fn a_recovery_resolves_the_same_incident() {
    assert_eq!(
        event(&up("nightly backup")),
        json!({
            "routing_key": KEY,
            "event_action": "resolve",
            "dedup_key": "edgebeat-uk_0123456789abcdef01234567"
        })
    );
}

#[test]
fn a_digest_triggers_an_error_incident_per_event_name() {
    let e = event(&digest("checkout failed"));
    assert_eq!(e["event_action"], "trigger");
    assert_eq!(e["dedup_key"], "edgebeat-errors-checkout%20failed");
    assert_eq!(e["payload"]["severity"], "error");
    assert_eq!(
        e["payload"]["summary"],
        "ERRORS: checkout failed (3 error events named checkout failed in the last 10 min)"
    );
    assert_eq!(
        e["payload"]["custom_details"],
        json!({
            "reason": "3 error events named checkout failed in the last 10 min",
            "count": 3,
            "window_minutes": 10,
            "last_message": "card declined"
        })
    );
    assert_eq!(
        e["client_url"],
        "https://eb.example/events?type=error&name=checkout%20failed"
    );
}

#[test]
fn a_test_triggers_an_info_incident_of_its_own() {
    let e = event(&test_alert("ops"));
    assert_eq!(e["dedup_key"], "edgebeat-test-42");
    assert_eq!(e["payload"]["severity"], "info");
    assert_eq!(
        e["payload"]["summary"],
        "TEST: ops (a test alert, sent from edgebeat to check this channel)"
    );
    assert_eq!(
        e["payload"]["custom_details"],
        json!({"reason": "a test alert, sent from edgebeat to check this channel"})
    );
    assert_eq!(e["payload"]["timestamp"], "2026-12-03T10:00:00.000Z");
}

#[test]
fn without_a_link_there_are_no_links_and_no_client_url() {
    let e = event(&unlinked(down("n")));
    assert!(e.get("links").is_none() && e.get("client_url").is_none(), "{e}");
    assert_eq!(e["client"], "edgebeat");
}

#[test]
fn a_monitor_never_pinged_says_so_and_a_reasonless_alert_is_its_title() {
    let mut alert = down("n");
    alert.monitor.as_mut().unwrap().last_ping = None;
    alert.reason = String::new();
    let e = event(&alert);
    assert_eq!(e["payload"]["custom_details"]["last_ping"], "never");
    assert_eq!(e["payload"]["summary"], "DOWN: n");
}

#[test]
fn a_hostile_name_is_one_plain_line_in_the_summary() {
    let e = event(&down(HOSTILE));
    assert_eq!(
        e["payload"]["summary"],
        "DOWN: <b>x</b> & \"q\" 'y'   Bcc: evil@x (no ping by the due time plus grace)"
    );
    let mut long = down(&"n".repeat(2_000));
    long.reason = "r".into();
    assert_eq!(
        event(&long)["payload"]["summary"].as_str().unwrap().chars().count(),
        1_024
    );
}

#[test]
fn configure_keeps_the_key_and_an_eu_events_url() {
    assert_eq!(
        config(),
        body(json!({"routing_key": KEY, "events_url": "https://events.pagerduty.com/v2/enqueue"}))
    );
    let eu = PagerDuty::configure(
        &body(json!({"routing_key": KEY, "events_url": "https://events.eu.pagerduty.com/v2/enqueue"})),
        &open(),
    )
    .unwrap();
    assert_eq!(
        PagerDuty::render(&eu, &up("n"), &ctx(None)).unwrap()[0].url,
        "https://events.eu.pagerduty.com/v2/enqueue"
    );
    assert_eq!(PagerDuty::SECRET_FIELDS, &["routing_key"]);
}

#[test]
fn bad_fields_are_refused_by_name() {
    let refuse = |v: Value| PagerDuty::configure(&body(v), &open()).unwrap_err().field;
    assert_eq!(refuse(json!({})), "routing_key");
    assert_eq!(refuse(json!({"routing_key": 1})), "routing_key");
    assert_eq!(refuse(json!({"routing_key": &KEY[1..]})), "routing_key");
    assert_eq!(refuse(json!({"routing_key": format!("{}-", &KEY[1..])})), "routing_key");
    assert_eq!(
        refuse(json!({"routing_key": KEY, "events_url": "http://[::1]/v2/enqueue"})),
        "events_url"
    );
    assert_eq!(refuse(json!({"routing_key": KEY, "events_url": {}})), "events_url");
}

#[test]
fn an_internal_events_url_is_accepted_only_when_webhook_hosts_lists_it() {
    let v = body(json!({"routing_key": KEY, "events_url": "http://127.0.0.1:9/v2/enqueue"}));
    assert_eq!(PagerDuty::configure(&v, &open()).unwrap_err().field, "events_url");
    assert!(PagerDuty::configure(&v, &loopback_listed()).is_ok());
}

#[test]
fn a_400_blaming_the_routing_key_is_permanent() {
    assert_eq!(
        PagerDuty::judge(&answer(
            400,
            None,
            r#"{"status":"invalid event","message":"Event object is invalid","errors":["Length of 'routing_key' is incorrect (should be 32 characters)"]}"#
        )),
        Verdict::Permanent {
            reason: "PagerDuty refused the routing key: Length of 'routing_key' is incorrect (should be 32 characters)"
                .into()
        }
    );
    assert_eq!(
        PagerDuty::judge(&answer(
            400,
            None,
            r#"{"status":"invalid event","message":"Invalid Routing Key"}"#
        )),
        Verdict::Permanent {
            reason: "PagerDuty refused the routing key: Invalid Routing Key".into()
        }
    );
}

#[test]
fn another_invalid_event_is_retried_with_what_pagerduty_said() {
    assert_eq!(
        PagerDuty::judge(&answer(
            400,
            None,
            r#"{"status":"invalid event","message":"Event object is invalid","errors":["'payload.summary' is missing", "x"]}"#
        )),
        Verdict::Retry {
            error: "HTTP 400: 'payload.summary' is missing; x".into(),
            after_ms: None
        }
    );
    assert_eq!(
        PagerDuty::judge(&answer(
            400,
            None,
            r#"{"message":"Event object is invalid","errors":[]}"#
        )),
        Verdict::Retry {
            error: "HTTP 400: Event object is invalid".into(),
            after_ms: None
        }
    );
    assert_eq!(
        PagerDuty::judge(&answer(400, None, "bad")),
        Verdict::Retry {
            error: "HTTP 400".into(),
            after_ms: None
        }
    );
}

#[test]
fn accepted_rate_limited_and_server_errors_follow_the_common_rule() {
    assert_eq!(
        PagerDuty::judge(&answer(
            202,
            None,
            r#"{"status":"success","message":"Event processed","dedup_key":"k"}"#
        )),
        Verdict::Delivered
    );
    assert_eq!(
        PagerDuty::judge(&answer(429, Some("30"), "")),
        Verdict::Retry {
            error: "HTTP 429: rate limited".into(),
            after_ms: Some(30_000)
        }
    );
    assert_eq!(
        PagerDuty::judge(&answer(503, None, r#"{"message":"routing key"}"#)),
        Verdict::Retry {
            error: "HTTP 503".into(),
            after_ms: None
        }
    );
}
