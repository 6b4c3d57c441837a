use serde_json::json;

use super::*;
use crate::core::events::event_store::{plan_flush, EventSource};

const A: &str = "6766163a-568d-47b4-a1fa-91a0957e06d4";
const B: &str = "0b6f3a52-4e0c-4a57-9a43-3c1f0f7c2f11";

fn route(kind: EventKind, glob: &str, channels: &[&str], mode: RouteMode) -> EventRoute {
    EventRoute {
        matcher: RouteMatch {
            kind,
            name_glob: glob.into(),
        },
        channels: channels.iter().map(|c| c.to_string()).collect(),
        mode,
    }
}

fn event(kind: EventKind, name: &str, ts: i64, message: Option<&str>, feeds: Option<bool>) -> FlushedEvent {
    FlushedEvent {
        id: format!("e-{name}-{ts}"),
        event_id: None,
        kind,
        name: name.into(),
        message: message.map(String::from),
        value: Some(2.5),
        ts,
        client_ts: None,
        received_at: ts,
        source: EventSource::Events,
        document: serde::de::IgnoredAny,
        key_id: Some("k".into()),
        feeds_monitors: feeds,
    }
}

fn error(name: &str, ts: i64) -> FlushedEvent {
    event(EventKind::Error, name, ts, None, Some(true))
}

#[test]
fn a_glob_matches_its_name_with_star_and_question_mark_wildcards() {
    assert!(glob_matches("checkout failed", "checkout failed"));
    assert!(!glob_matches("checkout failed", "checkout failed!"));
    assert!(!glob_matches("checkout failed!", "checkout failed"));
    assert!(glob_matches("checkout*", "checkout"));
    assert!(glob_matches("checkout*", "checkout failed"));
    assert!(!glob_matches("checkout*", "a checkout"));
    assert!(glob_matches("*failed", "payment failed"));
    assert!(glob_matches("*", "anything at all"));
    assert!(glob_matches("pay?ent", "payment"));
    assert!(!glob_matches("pay?ent", "payent"));
    assert!(glob_matches("??", "éa"), "a character, not a byte");
    assert!(glob_matches("a*b*c", "axxbyybzzc"));
    assert!(glob_matches("a*b*c", "abbbc"));
    assert!(!glob_matches("a*b*c", "abxc b"));
    assert!(glob_matches("*a", "aaa"));
    assert!(!glob_matches("*a", "aab"));
    assert!(glob_matches("a**", "a"));
    assert!(!glob_matches("?", ""));
}

#[test]
fn the_first_matching_rule_decides_and_type_must_match() {
    let routes = [
        route(EventKind::Error, "checkout*", &[A], RouteMode::Immediate),
        route(EventKind::Error, "*", &[B], RouteMode::Daily),
        route(EventKind::Event, "checkout*", &[B], RouteMode::Digest),
    ];
    assert_eq!(
        route_for(&routes, EventKind::Error, "checkout failed"),
        Some(&routes[0])
    );
    assert_eq!(route_for(&routes, EventKind::Error, "db down"), Some(&routes[1]));
    assert_eq!(route_for(&routes, EventKind::Event, "checkout done"), Some(&routes[2]));
    assert_eq!(route_for(&routes, EventKind::Event, "signup"), None);
    assert_eq!(route_for(&[], EventKind::Error, "x"), None);
}

#[test]
fn an_immediate_rule_pages_only_for_keys_that_may_page_and_is_a_digest_for_others() {
    let routes = [route(EventKind::Error, "*", &[A], RouteMode::Immediate)];
    let channels = [A.to_string()];
    assert_eq!(
        handling(&routes, EventKind::Error, "x", true),
        Handling::Immediate(&channels)
    );
    assert_eq!(
        handling(&routes, EventKind::Error, "x", false),
        Handling::Digest(&channels)
    );
    assert_eq!(handling(&routes, EventKind::Event, "x", true), Handling::Default);
    let daily = [route(EventKind::Event, "*", &[A], RouteMode::Daily)];
    assert_eq!(handling(&daily, EventKind::Event, "x", true), Handling::Daily);
    let digest = [route(EventKind::Event, "*", &[A], RouteMode::Digest)];
    assert_eq!(
        handling(&digest, EventKind::Event, "x", true),
        Handling::Digest(&channels)
    );
}

#[test]
fn only_a_sender_recorded_as_feeding_monitors_may_page() {
    assert!(may_page(&event(EventKind::Error, "x", 1, None, Some(true))));
    assert!(
        !may_page(&event(EventKind::Error, "x", 1, None, Some(false))),
        "a browser key"
    );
    assert!(
        !may_page(&event(EventKind::Error, "x", 1, None, None)),
        "a sender not recorded"
    );
}

#[test]
fn with_no_routes_every_error_is_a_default_error_as_before() {
    let events = [
        event(EventKind::Error, "webhook failed", 3_000, Some("third"), Some(true)),
        event(EventKind::Error, "webhook failed", 1_000, Some("first"), Some(false)),
        event(EventKind::Error, "webhook failed", 4_000, None, None),
        event(EventKind::Event, "signup", 9_000, Some("not an error"), Some(true)),
    ];
    let routed = route_flush("p", &[], &events);
    assert_eq!(routed.default_errors, plan_flush(&events).errors);
    assert_eq!(routed.default_errors[0].count, 3);
    assert!(routed.digests.is_empty() && routed.immediate.is_empty());
    assert!(routed.tells_anyone());
    assert!(
        !route_flush("p", &[], &events[3..]).tells_anyone(),
        "a business event is silent"
    );
}

#[test]
fn an_immediate_rule_queues_one_alert_per_event_and_channel_with_its_payload() {
    let routes = [route(EventKind::Error, "checkout*", &[A, B], RouteMode::Immediate)];
    let events = [
        event(
            EventKind::Error,
            "checkout failed",
            1_764_756_000_000,
            Some("card declined"),
            Some(true),
        ),
        error("checkout failed", 1_764_756_001_000),
        error("db down", 1_764_756_002_000),
    ];
    let routed = route_flush("proj", &routes, &events);
    let to: Vec<&str> = routed.immediate.iter().map(|a| a.channel_id.as_str()).collect();
    assert_eq!(to, [A, B, A, B]);
    assert!(routed.immediate.iter().all(|a| a.event == "error_alert"));
    let payload: Value = serde_json::from_str(&routed.immediate[0].payload).unwrap();
    assert_eq!(
        payload,
        json!({
            "event": "error_alert",
            "project": {"id": "proj"},
            "matched": {"id": "e-checkout failed-1764756000000", "type": "error", "name": "checkout failed",
              "message": "card declined", "value": 2.5, "at": "2025-12-03T10:00:00.000Z"},
        })
    );
    // The unmatched error keeps the default digest.
    let names: Vec<&str> = routed.default_errors.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["db down"]);
    assert!(routed.digests.is_empty());
    let business = [route(EventKind::Event, "*", &[A], RouteMode::Immediate)];
    let sale = route_flush("p", &business, &[event(EventKind::Event, "sale", 1, None, Some(true))]);
    assert_eq!(sale.immediate[0].event, "event_alert");
    assert!(sale.immediate[0].payload.contains("\"event_alert\""));
}

#[test]
fn past_ten_immediate_alerts_a_channel_gets_the_rest_in_its_digest() {
    let routes = [route(EventKind::Error, "*", &[A], RouteMode::Immediate)];
    let events: Vec<FlushedEvent> = (0..IMMEDIATE_PER_FLUSH as i64 + 3).map(|i| error("storm", i)).collect();
    let routed = route_flush("p", &routes, &events);
    assert_eq!(routed.immediate.len(), IMMEDIATE_PER_FLUSH);
    assert_eq!(routed.digests.len(), 1);
    assert_eq!((routed.digests[0].count, routed.digests[0].last_at), (3, 12));
}

#[test]
fn a_browser_keys_errors_under_an_immediate_rule_only_join_its_digest() {
    let routes = [route(EventKind::Error, "*", &[A], RouteMode::Immediate)];
    let events = [
        event(EventKind::Error, "x", 5, Some("from a page"), Some(false)),
        event(EventKind::Error, "x", 6, None, None),
    ];
    let routed = route_flush("p", &routes, &events);
    assert!(routed.immediate.is_empty(), "a browser key never pages");
    assert_eq!(
        routed.digests,
        vec![DigestTally {
            channel_id: A.into(),
            kind: EventKind::Error,
            name: "x".into(),
            count: 2,
            message: Some("from a page".into()),
            last_at: 6,
        }]
    );
    assert!(routed.default_errors.is_empty());
}

#[test]
fn a_digest_rule_tallies_per_channel_type_and_name_keeping_the_latest_message() {
    let routes = [
        route(EventKind::Event, "pay*", &[A], RouteMode::Digest),
        route(EventKind::Error, "*", &[A, B], RouteMode::Digest),
    ];
    let events = [
        event(EventKind::Event, "payment", 10, None, Some(true)),
        event(EventKind::Event, "payment", 20, Some("later"), Some(true)),
        event(EventKind::Event, "payment", 15, Some("earlier"), Some(true)),
        event(
            EventKind::Event,
            "payment",
            20,
            Some("same time, sent last"),
            Some(true),
        ),
        event(EventKind::Error, "payment", 30, Some(""), Some(true)),
        event(EventKind::Event, "signup", 40, None, Some(true)),
    ];
    let routed = route_flush("p", &routes, &events);
    let seen: Vec<(&str, EventKind, &str, u64, Option<&str>, i64)> = routed
        .digests
        .iter()
        .map(|d| {
            (
                d.channel_id.as_str(),
                d.kind,
                d.name.as_str(),
                d.count,
                d.message.as_deref(),
                d.last_at,
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (B, EventKind::Error, "payment", 1, None, 30),
            (A, EventKind::Event, "payment", 4, Some("same time, sent last"), 20),
            (A, EventKind::Error, "payment", 1, None, 30),
        ]
    );
    assert!(routed.immediate.is_empty() && routed.default_errors.is_empty());
}

#[test]
fn a_daily_rule_and_a_rule_without_channels_tell_nothing_at_flush_time() {
    let routes = [
        route(EventKind::Error, "noisy*", &[], RouteMode::Immediate),
        route(EventKind::Error, "*", &[A], RouteMode::Daily),
    ];
    let routed = route_flush("p", &routes, &[error("noisy thing", 1), error("other", 2)]);
    assert_eq!(routed, RoutedFlush::default());
    assert!(!routed.tells_anyone());
}

fn body(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

#[test]
fn rules_parse_in_order_with_canonical_channel_ids_and_write_back_as_sent() {
    let sent = json!({"routes": [
        {"match": {"type": "error", "name_glob": "checkout*"}, "channels": [A.to_uppercase()], "mode": "immediate", "note": "ignored"},
        {"match": {"type": "event", "name_glob": "*"}, "channels": [A, B], "mode": "daily"},
        {"match": {"type": "error", "name_glob": "noisy?"}, "channels": [], "mode": "digest"},
    ]});
    let routes = parse_routes(&body(sent)).unwrap();
    assert_eq!(
        routes,
        vec![
            route(EventKind::Error, "checkout*", &[A], RouteMode::Immediate),
            route(EventKind::Event, "*", &[A, B], RouteMode::Daily),
            route(EventKind::Error, "noisy?", &[], RouteMode::Digest),
        ]
    );
    assert_eq!(
        serde_json::to_value(&routes[0]).unwrap(),
        json!({"match": {"type": "error", "name_glob": "checkout*"}, "channels": [A], "mode": "immediate"})
    );
    let back: Vec<EventRoute> = serde_json::from_value(serde_json::to_value(&routes).unwrap()).unwrap();
    assert_eq!(back, routes);
    assert_eq!(parse_routes(&body(json!({"routes": []}))).unwrap(), vec![]);
}

fn refused(v: Value) -> (String, String) {
    let e = parse_routes(&body(v)).unwrap_err();
    (e.field, e.message)
}

#[test]
fn every_bad_rule_is_refused_naming_its_field() {
    let ok_match = json!({"type": "error", "name_glob": "x"});
    let rule =
        |m: Value, channels: Value, mode: Value| json!({"routes": [{"match": m, "channels": channels, "mode": mode}]});
    let cases = [
        (json!({}), "routes", "is required"),
        (json!({"routes": {}}), "routes", "must be an array of rules"),
        (json!({"routes": [1]}), "routes[0]", "must be an object"),
        (
            json!({"routes": [{"channels": [], "mode": "digest"}]}),
            "routes[0].match",
            "is required",
        ),
        (
            rule(json!("x"), json!([]), json!("digest")),
            "routes[0].match",
            "must be an object",
        ),
        (
            rule(json!({"name_glob": "x"}), json!([]), json!("digest")),
            "routes[0].match.type",
            "must be event or error",
        ),
        (
            rule(json!({"type": "warning", "name_glob": "x"}), json!([]), json!("digest")),
            "routes[0].match.type",
            "must be event or error",
        ),
        (
            rule(json!({"type": "error"}), json!([]), json!("digest")),
            "routes[0].match.name_glob",
            "is required, a string",
        ),
        (
            rule(json!({"type": "error", "name_glob": ""}), json!([]), json!("digest")),
            "routes[0].match.name_glob",
            "must be 1 to 200 characters",
        ),
        (
            rule(ok_match.clone(), json!([]), json!("loud")),
            "routes[0].mode",
            "must be immediate, digest or daily",
        ),
        (
            rule(ok_match.clone(), json!([]), json!(null)),
            "routes[0].mode",
            "must be immediate, digest or daily",
        ),
        (
            rule(ok_match.clone(), json!(A), json!("digest")),
            "routes[0].channels",
            "must be an array of channel ids",
        ),
        (
            rule(ok_match.clone(), json!(["nope"]), json!("digest")),
            "routes[0].channels",
            "must hold channel ids (UUIDs)",
        ),
        (
            rule(ok_match.clone(), json!([7]), json!("digest")),
            "routes[0].channels",
            "must hold channel ids (UUIDs)",
        ),
        (
            rule(ok_match.clone(), json!([A, A.to_uppercase()]), json!("digest")),
            "routes[0].channels",
            "must not name a channel twice",
        ),
    ];
    for (sent, field, message) in cases {
        assert_eq!(
            refused(sent.clone()),
            (field.to_string(), message.to_string()),
            "{sent}"
        );
    }
}

#[test]
fn a_later_rule_is_named_by_its_index() {
    let good = json!({"match": {"type": "error", "name_glob": "x"}, "channels": [], "mode": "digest"});
    let bad = json!({"match": {"type": "error", "name_glob": "x"}, "channels": [], "mode": "never"});
    assert_eq!(refused(json!({"routes": [good, good, bad]})).0, "routes[2].mode");
}

#[test]
fn at_most_fifty_rules_and_twenty_channels_a_rule() {
    let rule = json!({"match": {"type": "error", "name_glob": "x"}, "channels": [], "mode": "digest"});
    assert_eq!(
        parse_routes(&body(json!({"routes": vec![rule.clone(); MAX_ROUTES]})))
            .unwrap()
            .len(),
        50
    );
    assert_eq!(
        refused(json!({"routes": vec![rule; MAX_ROUTES + 1]})),
        ("routes".to_string(), "must hold at most 50 rules".to_string())
    );
    let ids = |n: usize| -> Vec<String> { (0..n).map(|i| format!("6766163a-568d-47b4-a1fa-{i:012}")).collect() };
    let with =
        |n| json!({"routes": [{"match": {"type": "error", "name_glob": "x"}, "channels": ids(n), "mode": "digest"}]});
    assert_eq!(
        parse_routes(&body(with(MAX_ROUTE_CHANNELS))).unwrap()[0].channels.len(),
        20
    );
    assert_eq!(
        refused(with(MAX_ROUTE_CHANNELS + 1)),
        (
            "routes[0].channels".to_string(),
            "must hold at most 20 channel ids".to_string()
        )
    );
}

#[test]
fn a_glob_is_one_line_of_at_most_200_characters_with_only_star_and_question_mark_as_wildcards() {
    assert_eq!(glob_fault("checkout *?"), None);
    assert_eq!(glob_fault(&"é".repeat(200)), None);
    assert_eq!(glob_fault(&"é".repeat(201)), Some("must be 1 to 200 characters"));
    assert_eq!(glob_fault(""), Some("must be 1 to 200 characters"));
    assert_eq!(glob_fault("a\nb"), Some("must be one line without control characters"));
    for c in ["[ab]", "a]", "{a,b}", "a}", "a\\*"] {
        assert!(glob_fault(c).unwrap().starts_with("takes only * and ?"), "{c}");
    }
}

#[test]
fn the_named_channels_are_listed_once_and_daily_needs_a_channel() {
    let routes = [
        route(EventKind::Error, "a", &[A, B], RouteMode::Digest),
        route(EventKind::Event, "b", &[B], RouteMode::Daily),
    ];
    assert_eq!(channels_named(&routes), [A, B]);
    assert!(has_daily(&routes));
    assert!(!has_daily(&routes[..1]));
    assert!(!has_daily(&[route(EventKind::Event, "*", &[], RouteMode::Daily)]));
}

#[test]
fn modes_parse_from_their_names_only() {
    for (s, m) in [
        ("immediate", RouteMode::Immediate),
        ("digest", RouteMode::Digest),
        ("daily", RouteMode::Daily),
    ] {
        assert_eq!(RouteMode::parse(s), Some(m));
    }
    assert_eq!(RouteMode::parse("Daily"), None);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// The rule, as written: a glob matches when its first character matches and the rest
    /// matches the rest, `*` taking any number of characters.
    fn oracle(g: &[char], n: &[char]) -> bool {
        match (g.first(), n.first()) {
            (None, _) => n.is_empty(),
            (Some('*'), _) => oracle(&g[1..], n) || (!n.is_empty() && oracle(g, &n[1..])),
            (Some(_), None) => false,
            (Some(&c), Some(&m)) => (c == '?' || c == m) && oracle(&g[1..], &n[1..]),
        }
    }

    proptest! {
        #[test]
        fn a_glob_matches_as_the_rule_says(glob in "[ab*?]{0,8}", name in "[ab]{0,10}") {
            let (g, n): (Vec<char>, Vec<char>) = (glob.chars().collect(), name.chars().collect());
            prop_assert_eq!(glob_matches(&glob, &name), oracle(&g, &n));
        }

        #[test]
        fn a_name_matches_itself_and_its_wildcarded_forms(name in "[^*?]{1,30}", mask in proptest::collection::vec(any::<bool>(), 30)) {
            prop_assert!(glob_matches(&name, &name));
            prop_assert!(glob_matches("*", &name));
            let marked: String = name.chars().zip(mask.iter().cycle()).map(|(c, q)| if *q { '?' } else { c }).collect();
            prop_assert!(glob_matches(&marked, &name));
            let cut = name.chars().count() / 2;
            let starred: String = name.chars().take(cut).chain(['*']).collect();
            prop_assert!(glob_matches(&starred, &name));
            let longer = format!("{}?", name);
            prop_assert!(!glob_matches(&longer, &name));
        }

        #[test]
        fn without_routes_the_default_digest_is_the_flush_plans(
            events in proptest::collection::vec((any::<bool>(), "[ab]", 0i64..5, proptest::option::of("[xy]"), proptest::option::of(any::<bool>())), 0..20)
        ) {
            let events: Vec<FlushedEvent> = events
                .into_iter()
                .map(|(is_error, name, ts, message, feeds)| {
                    let kind = if is_error { EventKind::Error } else { EventKind::Event };
                    event(kind, &name, ts, message.as_deref(), feeds)
                })
                .collect();
            let routed = route_flush("p", &[], &events);
            prop_assert_eq!(routed.default_errors, plan_flush(&events).errors);
        }

        #[test]
        fn every_matched_error_is_told_once_per_channel(n in 0usize..40, browser in proptest::collection::vec(any::<bool>(), 40)) {
            let routes = [route(EventKind::Error, "*", &[A, B], RouteMode::Immediate)];
            let events: Vec<FlushedEvent> = (0..n)
                .map(|i| event(EventKind::Error, "x", i as i64, None, Some(!browser[i])))
                .collect();
            let routed = route_flush("p", &routes, &events);
            for channel in [A, B] {
                let now = routed.immediate.iter().filter(|a| a.channel_id == channel).count() as u64;
                let later: u64 = routed.digests.iter().filter(|d| d.channel_id == channel).map(|d| d.count).sum();
                prop_assert_eq!(now + later, n as u64);
                prop_assert!(now <= IMMEDIATE_PER_FLUSH as u64);
            }
            let pages = events.iter().filter(|e| may_page(e)).count().min(IMMEDIATE_PER_FLUSH);
            prop_assert_eq!(routed.immediate.len(), 2 * pages);
        }

        #[test]
        fn parsed_rules_write_back_to_the_same_rules(glob in "[a-z*? ]{1,20}", mode in prop_oneof![Just("immediate"), Just("digest"), Just("daily")], error in any::<bool>()) {
            let kind = if error { "error" } else { "event" };
            let sent = json!({"routes": [{"match": {"type": kind, "name_glob": glob}, "channels": [A], "mode": mode}]});
            let routes = parse_routes(&body(sent.clone())).unwrap();
            prop_assert_eq!(serde_json::to_value(&routes).unwrap(), sent["routes"].clone());
        }
    }
}
