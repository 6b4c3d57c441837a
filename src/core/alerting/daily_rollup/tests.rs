use serde_json::json;

use super::*;
use crate::core::alerting::event_routes::RouteMatch;
use crate::core::time::parse_rfc3339;

const A: &str = "6766163a-568d-47b4-a1fa-91a0957e06d4";
const B: &str = "0b6f3a52-4e0c-4a57-9a43-3c1f0f7c2f11";

fn at(s: &str) -> i64 {
    parse_rfc3339(s).unwrap()
}

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

fn row(name: &str, kind: EventKind, day: &str, count: u64, sum: f64) -> DayRow {
    DayRow {
        name: name.into(),
        kind,
        start_ms: at(&format!("{day}T00:00:00Z")),
        count,
        sum,
    }
}

/// The first cron run of 2026-12-03 (UTC).
fn sent_at() -> i64 {
    at("2026-12-03T00:01:00Z")
}

#[test]
fn a_run_covers_the_previous_utc_day_against_the_day_before() {
    let (day, previous) = days_covered(sent_at());
    assert_eq!(
        (day_label(day), day_label(previous)),
        ("2026-12-02".into(), "2026-12-01".into())
    );
    assert_eq!(
        days_covered(at("2026-12-03T23:59:59.999Z")),
        days_covered(at("2026-12-03T00:00:00Z"))
    );
    assert_eq!(previous, day - 86_400_000);
}

#[test]
fn each_daily_channel_is_told_count_sum_and_change_per_name() {
    let routes = [route(EventKind::Event, "*", &[A], RouteMode::Daily)];
    let rows = [
        row("payment", EventKind::Event, "2026-12-02", 12, 348.0),
        row("payment", EventKind::Event, "2026-12-01", 10, 290.5),
        row("signup", EventKind::Event, "2026-12-01", 4, 0.0),
        row("signup", EventKind::Event, "2026-11-30", 99, 0.0),
        row("backup", EventKind::Event, "2026-12-03", 1, 0.0),
    ];
    let messages = rollup_messages("proj", &routes, &rows, sent_at());
    assert_eq!(
        messages,
        vec![RollupMessage {
            channel_id: A.into(),
            payload: json!({
                "event": "daily_rollup",
                "project": {"id": "proj"},
                "day": "2026-12-02",
                "previous_day": "2026-12-01",
                "names": [
                    {"name": "payment", "type": "event", "count": 12, "sum": 348.0,
                     "previous": {"count": 10, "sum": 290.5}, "change": {"count": 2, "sum": 57.5}},
                    {"name": "signup", "type": "event", "count": 0, "sum": 0.0,
                     "previous": {"count": 4, "sum": 0.0}, "change": {"count": -4, "sum": 0.0}},
                ],
                "more": 0,
            }),
        }]
    );
}

#[test]
fn only_names_whose_first_matching_rule_is_daily_are_told_and_only_to_its_channels() {
    let routes = [
        route(EventKind::Event, "checkout*", &[B], RouteMode::Digest),
        route(EventKind::Event, "*", &[A], RouteMode::Daily),
        route(EventKind::Error, "*", &[A, B], RouteMode::Daily),
    ];
    let rows = [
        row("checkout done", EventKind::Event, "2026-12-02", 3, 0.0),
        row("signup", EventKind::Event, "2026-12-02", 2, 0.0),
        row("db down", EventKind::Error, "2026-12-02", 1, 0.0),
    ];
    let messages = rollup_messages("p", &routes, &rows, sent_at());
    let told: Vec<(&str, Vec<&str>)> = messages
        .iter()
        .map(|m| {
            let names = m.payload["names"].as_array().unwrap();
            (
                m.channel_id.as_str(),
                names.iter().map(|n| n["name"].as_str().unwrap()).collect(),
            )
        })
        .collect();
    assert_eq!(told, vec![(B, vec!["db down"]), (A, vec!["signup", "db down"])]);
}

#[test]
fn no_daily_rule_or_nothing_counted_sends_nothing() {
    let rows = [row("signup", EventKind::Event, "2026-12-02", 2, 0.0)];
    let digest = [route(EventKind::Event, "*", &[A], RouteMode::Digest)];
    assert!(rollup_messages("p", &digest, &rows, sent_at()).is_empty());
    let daily = [route(EventKind::Event, "*", &[A], RouteMode::Daily)];
    assert!(rollup_messages("p", &daily, &[], sent_at()).is_empty());
    let old = [row("signup", EventKind::Event, "2026-11-02", 2, 0.0)];
    assert!(rollup_messages("p", &daily, &old, sent_at()).is_empty());
}

#[test]
fn the_busiest_fifty_names_are_listed_and_the_rest_counted() {
    let routes = [route(EventKind::Event, "*", &[A], RouteMode::Daily)];
    let rows: Vec<DayRow> = (0..MAX_ROLLUP_NAMES as u64 + 2)
        .map(|i| row(&format!("n{i:03}"), EventKind::Event, "2026-12-02", 1 + i % 3, 0.0))
        .collect();
    let message = &rollup_messages("p", &routes, &rows, sent_at())[0];
    let names: Vec<&str> = message.payload["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), MAX_ROLLUP_NAMES);
    assert_eq!(&names[..3], ["n002", "n005", "n008"], "the busiest first, then by name");
    assert_eq!(message.payload["more"], 2);
}

#[test]
fn rows_of_one_name_and_day_add_up() {
    let routes = [route(EventKind::Event, "*", &[A], RouteMode::Daily)];
    let rows = [
        row("x", EventKind::Event, "2026-12-02", 2, 1.5),
        row("x", EventKind::Event, "2026-12-02", 3, 2.0),
    ];
    let names = &rollup_messages("p", &routes, &rows, sent_at())[0].payload["names"];
    assert_eq!(
        (names[0]["count"].clone(), names[0]["sum"].clone()),
        (json!(5), json!(3.5))
    );
}

#[test]
fn numbers_read_whole_when_whole_and_changes_carry_their_sign() {
    assert_eq!(number_words(12.0), "12");
    assert_eq!(number_words(-3.0), "-3");
    assert_eq!(number_words(2.5), "2.5");
    assert_eq!(number_words(1e20), "100000000000000000000");
    assert_eq!(change_words(5.0), "+5");
    assert_eq!(change_words(0.0), "+0");
    assert_eq!(change_words(-2.5), "-2.5");
    assert_eq!(number_words(-0.0), "0");
    assert_eq!(change_words(-0.0), "+0");
}

#[test]
fn a_rollup_reads_as_a_heading_and_a_line_per_name() {
    let payload = json!({
        "day": "2026-12-02", "previous_day": "2026-12-01",
        "names": [
            {"name": "payment", "type": "event", "count": 12, "sum": 348.0, "previous": {"count": 10, "sum": 290.5}},
            {"name": "db down", "type": "error", "count": 1, "sum": 0.0, "previous": {"count": 3, "sum": 0.0}},
        ],
        "more": 1,
    });
    let (subject, total, lines) = rollup_words(&payload);
    assert_eq!((subject.as_str(), total), ("events of 2026-12-02", 13));
    assert_eq!(
        lines,
        vec![
            "Events of 2026-12-02 (UTC), against 2026-12-01:",
            "payment: 12 events (+2), sum 348 (+57.5)",
            "db down: 1 errors (-2)",
            "and 1 more name",
        ]
    );
    let (_, _, two_more) = rollup_words(&json!({"more": 2}));
    assert_eq!(two_more.last().map(String::as_str), Some("and 2 more names"));
    let (_, _, no_sum_today) =
        rollup_words(&json!({"names": [{"name": "x", "count": 0, "sum": 0, "previous": {"count": 1, "sum": 4}}]}));
    assert_eq!(no_sum_today[1], "x: 0 events (-1), sum 0 (-4)");
}
