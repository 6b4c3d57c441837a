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
