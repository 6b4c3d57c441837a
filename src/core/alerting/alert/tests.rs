use serde_json::json;

use super::*;

#[test]
fn a_down_payload_becomes_an_alert_with_its_facts_and_link() {
    let payload = json!({
        "event": "down",
        "monitor": {"id": "secret-id", "unique_key": "uk_abc", "name": "nightly backup", "tags": ["prod", "db"]},
        "flip": {"at": "2026-12-03T10:00:00.000Z", "from": "up", "to": "down", "reason": "no ping by the due time plus grace"},
        "last_ping": {"received_at": "2026-12-03T08:59:00.000Z", "result": "success", "exit_status": 0, "duration_ms": 3000, "message": "ok"}
    });
    let a = Alert::from_payload(AlertEvent::Down, &payload, 7, "ops", "https://eb.example/", 0);
    assert_eq!(a.title(), "DOWN: nightly backup");
    assert_eq!(a.at, parse_rfc3339("2026-12-03T10:00:00.000Z").unwrap());
    assert_eq!(a.link.as_deref(), Some("https://eb.example/monitor?id=uk_abc"));
    let m = a.monitor.as_ref().unwrap();
    assert_eq!(
        (m.unique_key.as_str(), m.tags.clone()),
        ("uk_abc", vec!["prod".to_string(), "db".to_string()])
    );
    assert_eq!(
        a.lines(),
        vec![
            "nightly backup is down: no ping by the due time plus grace.".to_string(),
            "Last ping: success at 2026-12-03T08:59:00.000Z (exit status 0, ran 3 s): ok".to_string(),
            "Tags: prod db".to_string(),
        ]
    );
    assert!(a.is_problem());
    assert!(
        !format!("{a:?}").contains("secret-id"),
        "the monitor id never reaches a renderer"
    );
}

#[test]
fn a_recovery_says_how_long_it_was_down() {
    let payload = json!({
        "monitor": {"unique_key": "uk_abc", "name": "n", "tags": []},
        "flip": {"at": "2026-12-03T12:10:00.000Z", "reason": "a ping reported success", "down_since": "2026-12-03T10:00:00.000Z"},
        "last_ping": null
    });
    let a = Alert::from_payload(AlertEvent::Up, &payload, 1, "c", "", 0);
    assert_eq!(
        a.lines(),
        vec![
            "n is up again after 2 h 10 min: a ping reported success.".to_string(),
            "Last ping: never".to_string()
        ]
    );
    assert_eq!(a.link, None, "no PUBLIC_URL, no link");
    assert!(!a.is_problem());
}

#[test]
fn a_digest_and_a_test_read_their_own_payloads() {
    let payload = json!({"event": "error_digest", "error": {"name": "checkout failed", "count": 3, "message": "card declined", "last_at": "2026-12-03T10:00:00.000Z"}, "window_minutes": 10});
    let a = Alert::from_payload(AlertEvent::ErrorDigest, &payload, 2, "c", "https://eb.example", 0);
    assert_eq!(a.title(), "ERRORS: checkout failed");
    assert_eq!(
        a.lines(),
        vec![
            "3 error events named checkout failed in the last 10 min.".to_string(),
            "Last message: card declined".to_string()
        ]
    );
    assert_eq!(
        a.link.as_deref(),
        Some("https://eb.example/events?type=error&name=checkout%20failed")
    );
    let t = Alert::from_payload(AlertEvent::Test, &json!({}), 3, "ops room", "", 99);
    assert_eq!((t.title().as_str(), t.at), ("TEST: ops room", 99));
    assert!(t.monitor.is_none());
}

#[test]
fn a_malformed_payload_still_gives_an_alert() {
    let a = Alert::from_payload(AlertEvent::Down, &json!("garbage"), 1, "c", "https://x", 5);
    assert_eq!(a.title(), "DOWN: unnamed monitor");
    assert_eq!((a.at, a.link.clone()), (5, None));
}

#[test]
fn durations_read_in_their_two_largest_units() {
    assert_eq!(duration_words(3_000), "3 s");
    assert_eq!(duration_words(125_000), "2 min 5 s");
    assert_eq!(duration_words(120_000), "2 min");
    assert_eq!(duration_words(3_600_000), "1 h");
    assert_eq!(duration_words(7_800_000), "2 h 10 min");
    assert_eq!(duration_words(86_400_000), "1 d");
    assert_eq!(duration_words(100_800_000), "1 d 4 h");
    assert_eq!(duration_words(-5), "0 s");
}

#[test]
fn events_round_trip_and_percent_encoding_keeps_only_unreserved() {
    for e in [
        AlertEvent::Down,
        AlertEvent::Up,
        AlertEvent::Test,
        AlertEvent::ErrorDigest,
    ] {
        assert_eq!(AlertEvent::parse(e.as_str()), Some(e));
    }
    assert_eq!(AlertEvent::parse("flip"), None);
    assert_eq!(percent_encode("!room:ex.org/é"), "%21room%3Aex.org%2F%C3%A9");
}

#[test]
fn facts_are_the_labelled_lines_after_the_summary() {
    let payload = json!({
        "monitor": {"unique_key": "uk_abc", "name": "n", "tags": ["a", "b"]},
        "flip": {"at": "2026-12-03T10:00:00.000Z", "reason": "r"},
        "last_ping": null
    });
    let a = Alert::from_payload(AlertEvent::Down, &payload, 1, "c", "", 0);
    assert_eq!(a.summary(), "n is down: r.");
    assert_eq!(
        a.facts(),
        vec![("Last ping", "never".to_string()), ("Tags", "a b".to_string())]
    );
    let t = Alert::from_payload(AlertEvent::Test, &json!({}), 3, "ops", "", 99);
    assert_eq!(t.facts(), vec![]);
}

#[test]
fn an_immediate_alert_reads_its_one_event() {
    let payload = json!({"event": "error_alert", "matched": {"id": "e1", "type": "error", "name": "checkout failed", "message": "card declined", "value": 29, "at": "2026-12-03T10:00:00.000Z"}});
    let a = Alert::from_payload(AlertEvent::ErrorAlert, &payload, 5, "c", "https://eb.example", 0);
    assert_eq!(a.title(), "ERROR: checkout failed");
    assert_eq!(a.at, parse_rfc3339("2026-12-03T10:00:00.000Z").unwrap());
    assert_eq!(
        a.lines(),
        vec![
            "An error event named checkout failed with value 29 at 2026-12-03T10:00:00.000Z.".to_string(),
            "Last message: card declined".to_string()
        ]
    );
    assert_eq!(
        a.link.as_deref(),
        Some("https://eb.example/events?type=error&name=checkout%20failed")
    );
    assert!(a.is_problem());
    let sale = json!({"matched": {"type": "event", "name": "sale", "at": "2026-12-03T10:00:00.000Z"}});
    let e = Alert::from_payload(AlertEvent::EventAlert, &sale, 6, "c", "https://eb.example", 0);
    assert_eq!(e.title(), "EVENT: sale");
    assert_eq!(e.summary(), "An event named sale at 2026-12-03T10:00:00.000Z.");
    assert_eq!(
        e.link.as_deref(),
        Some("https://eb.example/events?type=event&name=sale")
    );
    assert!(!e.is_problem());
    assert_eq!(e.digest.as_ref().map(|d| (d.count, d.window_minutes)), Some((1, 0)));
    let unknown = Alert::from_payload(AlertEvent::EventAlert, &json!({}), 6, "c", "", 42);
    assert_eq!(
        (unknown.at, unknown.summary()),
        (42, "An event named  at 1970-01-01T00:00:00.042Z.".to_string())
    );
}

fn down_payload() -> serde_json::Value {
    json!({
        "event": "down",
        "monitor": {"id": "secret-id", "unique_key": "uk_abc", "name": "nightly backup", "tags": []},
        "flip": {"at": "2026-12-03T10:00:00.000Z", "reason": "no ping by the due time plus grace"},
    })
}

#[test]
fn a_reminder_payload_says_still_down_with_its_number_and_how_long() {
    let mut payload = down_payload();
    payload["reminder"] = json!({"number": 3, "max": 10, "at": "2026-12-03T12:10:00.000Z"});
    let a = Alert::from_payload(AlertEvent::Down, &payload, 7, "ops", "", 0);
    assert_eq!(a.title(), "STILL DOWN: nightly backup");
    assert_eq!(
        a.at,
        parse_rfc3339("2026-12-03T12:10:00.000Z").unwrap(),
        "sent when reminded"
    );
    assert_eq!(
        a.summary(),
        "nightly backup is still down, reminder 3 of 10, down for 2 h 10 min: no ping by the due time plus grace."
    );
    assert!(a.repeats_down() && a.is_problem());
    let up = Alert::from_payload(AlertEvent::Up, &payload, 7, "ops", "", 0);
    assert_eq!(up.reminder, None, "only a down alert reminds");
}

#[test]
fn an_escalation_payload_says_which_step_and_why() {
    let mut payload = down_payload();
    payload["escalation"] = json!({"step": 2, "of": 3, "after_s": 900});
    let a = Alert::from_payload(AlertEvent::Down, &payload, 7, "ops", "", 0);
    assert_eq!(a.title(), "DOWN: nightly backup");
    assert!(a.repeats_down());
    assert!(a
        .lines()
        .contains(&"Escalation: step 2 of 3, not acknowledged after 15 min".to_string()));
    payload["escalation"] = json!({"step": 1, "of": 3, "after_s": 0});
    let first = Alert::from_payload(AlertEvent::Down, &payload, 7, "ops", "", 0);
    assert!(!first.repeats_down());
    assert!(
        first.lines().iter().all(|l| !l.starts_with("Escalation")),
        "the first step is the alert itself"
    );
}

#[test]
fn an_event_digest_and_a_daily_rollup_read_their_own_payloads() {
    let payload = json!({"event": "event_digest", "events": {"name": "signup", "count": 1, "last_at": "2026-12-03T10:00:00.000Z"}, "window_minutes": 10});
    let d = Alert::from_payload(AlertEvent::EventDigest, &payload, 7, "c", "https://eb.example", 0);
    assert_eq!(d.title(), "EVENTS: signup");
    assert_eq!(d.summary(), "1 event named signup in the last 10 min.");
    assert_eq!(
        d.link.as_deref(),
        Some("https://eb.example/events?type=event&name=signup")
    );
    assert!(!d.is_problem());
    let rollup = json!({"event": "daily_rollup", "day": "2026-12-02", "previous_day": "2026-12-01",
        "names": [{"name": "signup", "type": "event", "count": 3, "sum": 0, "previous": {"count": 1, "sum": 0}}], "more": 0});
    let r = Alert::from_payload(AlertEvent::DailyRollup, &rollup, 8, "c", "https://eb.example", 99);
    assert_eq!(r.title(), "DAILY: events of 2026-12-02");
    assert_eq!(r.at, 99);
    assert_eq!(
        r.lines(),
        vec!["Events of 2026-12-02 (UTC), against 2026-12-01:\nsignup: 3 events (+2)".to_string()]
    );
    assert_eq!(r.digest.as_ref().map(|d| (d.count, d.window_minutes)), Some((3, 1_440)));
    assert_eq!(r.link.as_deref(), Some("https://eb.example/events"));
    assert!(!r.is_problem());
}

#[test]
fn the_routed_events_round_trip_by_name() {
    for e in [
        AlertEvent::ErrorAlert,
        AlertEvent::EventAlert,
        AlertEvent::EventDigest,
        AlertEvent::DailyRollup,
    ] {
        assert_eq!(AlertEvent::parse(e.as_str()), Some(e));
    }
    let heads: Vec<&str> = [
        AlertEvent::ErrorAlert,
        AlertEvent::EventAlert,
        AlertEvent::EventDigest,
        AlertEvent::DailyRollup,
    ]
    .iter()
    .map(|e| e.headline())
    .collect();
    assert_eq!(heads, ["ERROR", "EVENT", "EVENTS", "DAILY"]);
}

#[test]
fn an_acknowledge_link_is_one_of_the_facts() {
    let a = Alert {
        ack_link: Some("https://eb.example/ack/t".into()),
        ..Alert::from_payload(AlertEvent::Down, &down_payload(), 7, "ops", "", 0)
    };
    assert_eq!(
        a.facts().last(),
        Some(&("Acknowledge", "https://eb.example/ack/t".to_string()))
    );
}

#[test]
fn the_down_flip_of_a_payload_is_its_monitor_key_and_moment() {
    assert_eq!(
        down_flip_of(&down_payload()),
        None,
        "nothing follows a plain down alert"
    );
    let flip = Some(("uk_abc".to_string(), parse_rfc3339("2026-12-03T10:00:00.000Z").unwrap()));
    for (key, value) in [
        ("acknowledge", json!(true)),
        ("reminder", json!({"number": 1, "max": 3})),
        ("escalation", json!({"step": 1, "of": 2, "after_s": 0})),
    ] {
        let mut followed = down_payload();
        followed[key] = value;
        assert_eq!(down_flip_of(&followed), flip, "{key}");
    }
    let mut not_quite = down_payload();
    not_quite["acknowledge"] = json!("yes");
    assert_eq!(down_flip_of(&not_quite), None);
    let mut up = down_payload();
    up["acknowledge"] = json!(true);
    up["event"] = json!("up");
    assert_eq!(down_flip_of(&up), None);
    assert_eq!(
        down_flip_of(&json!({"event": "down", "acknowledge": true, "flip": {"at": "2026-12-03T10:00:00.000Z"}})),
        None
    );
    assert_eq!(
        down_flip_of(&json!({"event": "down", "acknowledge": true, "monitor": {"unique_key": "uk_abc"}})),
        None
    );
}

#[test]
fn a_parents_down_alert_names_its_dependents_after_its_reason() {
    let payload = json!({
        "monitor": {"unique_key": "uk_db", "name": "database", "tags": []},
        "flip": {"at": "2026-12-03T10:00:00.000Z", "reason": "no ping by the due time plus grace"},
        "dependents": {"count": 2, "names": ["api", "worker"]}
    });
    let a = Alert::from_payload(AlertEvent::Down, &payload, 1, "c", "", 0);
    assert_eq!(
        a.reason,
        "no ping by the due time plus grace; and 2 dependent monitors down: api, worker"
    );
    let bare = json!({"flip": {}, "dependents": {"count": 1, "names": ["api"]}});
    assert_eq!(
        Alert::from_payload(AlertEvent::Down, &bare, 1, "c", "", 0).reason,
        "and 1 dependent monitor down: api"
    );
    let none = json!({"flip": {"reason": "r"}, "dependents": {"count": 0, "names": []}});
    assert_eq!(Alert::from_payload(AlertEvent::Down, &none, 1, "c", "", 0).reason, "r");
    let unreadable = json!({"flip": {"reason": "r"}, "dependents": "many"});
    assert_eq!(
        Alert::from_payload(AlertEvent::Down, &unreadable, 1, "c", "", 0).reason,
        "r"
    );
}
