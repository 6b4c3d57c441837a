use super::*;
use serde_json::json;

/// 2026-09-21T14:13:20Z, after every time the tests send.
const ARRIVAL: i64 = 1_790_000_000_000;
const UUID: &str = "6766163a-568d-47b4-a1fa-91a0957e06d4";

fn events_batch(events: Value) -> Result<Vec<Event>, BatchError> {
    parse_events_batch(json!({ "events": events }).to_string().as_bytes(), ARRIVAL, false)
}

/// The batch error of one the events API event.
fn reported_error(event: Value) -> String {
    events_batch(json!([event])).unwrap_err().to_string()
}

fn reported(event: Value) -> Event {
    events_batch(json!([event])).unwrap().remove(0)
}

fn ingest_batch(events: Value) -> Result<IngestBatch, BatchError> {
    parse_ingest_batch(json!({ "events": events }).to_string().as_bytes(), ARRIVAL, false)
}

/// The rejection reason of one the ingest API event, sent beside a valid one.
fn ingest_rejection(event: Value) -> String {
    let batch = ingest_batch(json!([{"event_type": "ok"}, event])).unwrap();
    assert_eq!(batch.accepted.len(), 1, "{batch:?}");
    batch.rejected[0].1.clone()
}

fn ingested(event: Value) -> Event {
    let mut batch = ingest_batch(json!([event])).unwrap();
    assert!(batch.rejected.is_empty(), "{batch:?}");
    batch.accepted.remove(0).1
}

/// `{"pad": "xxx…"}` plus `extra` fields, padded to exactly `bytes` of compact JSON.
fn padded(extra: Value, bytes: usize) -> Value {
    let mut obj = extra.as_object().unwrap().clone();
    obj.insert("pad".into(), json!(""));
    let short = json_len(&obj);
    obj.insert("pad".into(), json!("x".repeat(bytes - short)));
    assert_eq!(json_len(&obj), bytes);
    Value::Object(obj)
}

// The batch shape, shared by both formats.

#[test]
fn malformed_json_refuses_the_batch() {
    let err = parse_events_batch(b"{\"events\": [", ARRIVAL, false).unwrap_err();
    assert_eq!(err.to_string(), "body: must be valid JSON");
}

#[test]
fn invalid_utf8_is_malformed_json() {
    let err = parse_ingest_batch(b"{\"events\": [\"\xff\"]}", ARRIVAL, false).unwrap_err();
    assert_eq!(err.to_string(), "body: must be valid JSON");
}

#[test]
fn a_body_that_is_not_an_object_is_refused() {
    let err = parse_events_batch(b"[]", ARRIVAL, false).unwrap_err();
    assert_eq!(err.to_string(), "body: must be a JSON object");
}

#[test]
fn a_missing_events_array_is_refused() {
    let err = parse_events_batch(b"{}", ARRIVAL, false).unwrap_err();
    assert_eq!(err.to_string(), "events: is required");
    let err = parse_ingest_batch(b"{\"events\": null}", ARRIVAL, false).unwrap_err();
    assert_eq!(err.to_string(), "events: is required");
}

#[test]
fn events_that_are_not_an_array_are_refused() {
    assert_eq!(
        events_batch(json!({})).unwrap_err().to_string(),
        "events: must be an array"
    );
}

#[test]
fn an_empty_batch_is_refused() {
    assert_eq!(
        events_batch(json!([])).unwrap_err().to_string(),
        "events: must contain at least 1 event"
    );
    assert_eq!(
        ingest_batch(json!([])).unwrap_err().to_string(),
        "events: must contain at least 1 event"
    );
}

#[test]
fn a_batch_of_100_reported_events_is_accepted() {
    let events = vec![json!({"type": "event", "name": "signup"}); 100];
    assert_eq!(events_batch(json!(events)).unwrap().len(), 100);
}

#[test]
fn a_batch_of_101_reported_events_is_refused() {
    let events = vec![json!({"type": "event", "name": "signup"}); 101];
    assert_eq!(
        events_batch(json!(events)).unwrap_err().to_string(),
        "events: must contain at most 100 events"
    );
}

#[test]
fn a_batch_of_500_ingested_events_is_accepted() {
    let events = vec![json!({"event_type": "play_start"}); 500];
    assert_eq!(ingest_batch(json!(events)).unwrap().accepted.len(), 500);
}

#[test]
fn a_batch_of_501_ingested_events_is_refused() {
    let events = vec![json!({"event_type": "play_start"}); 501];
    assert_eq!(
        ingest_batch(json!(events)).unwrap_err().to_string(),
        "events: must contain at most 500 events"
    );
}

#[test]
fn sent_at_corrects_a_skewed_client_clock() {
    let body = json!({
        "sent_at": "2026-07-02T10:00:00Z",
        "events": [{"type": "event", "name": "a", "ts": "2026-07-02T09:59:00Z"}],
    });
    let arrival = parse_rfc3339("2026-07-02T10:05:00Z").unwrap();
    let events = parse_events_batch(body.to_string().as_bytes(), arrival, false).unwrap();
    assert_eq!(events[0].ts_ms, parse_rfc3339("2026-07-02T10:04:00Z").unwrap());
    assert_eq!(events[0].client_ts_ms, parse_rfc3339("2026-07-02T09:59:00Z"));
}

#[test]
fn an_invalid_sent_at_refuses_the_batch() {
    for sent_at in [
        json!("yesterday"),
        json!(1_780_000_000_000i64),
        json!("2026-07-02T10:00:00"),
    ] {
        let body = json!({"sent_at": sent_at, "events": [{"event_type": "a"}]});
        let err = parse_ingest_batch(body.to_string().as_bytes(), ARRIVAL, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "sent_at: must be an RFC 3339 time with a timezone offset"
        );
    }
}

#[test]
fn a_null_sent_at_is_absent() {
    let body = json!({"sent_at": null, "events": [{"event_type": "a"}]});
    assert!(parse_ingest_batch(body.to_string().as_bytes(), ARRIVAL, false).is_ok());
}

#[test]
fn server_ts_stores_events_at_arrival() {
    let body = json!({"events": [{"type": "event", "name": "a", "ts": "2026-07-02T09:59:00Z"}]});
    let events = parse_events_batch(body.to_string().as_bytes(), ARRIVAL, true).unwrap();
    assert_eq!(events[0].ts_ms, ARRIVAL);
    assert_eq!(events[0].client_ts_ms, parse_rfc3339("2026-07-02T09:59:00Z"));
    let batch = parse_ingest_batch(
        br#"{"events":[{"event_type":"a","ts":"2026-07-02T09:59:00Z"}]}"#,
        ARRIVAL,
        true,
    );
    assert_eq!(batch.unwrap().accepted[0].1.ts_ms, ARRIVAL);
}

// The events API: the events API.

#[test]
fn the_events_api_example_is_accepted() {
    let events = events_batch(json!([
        { "type": "event", "name": "signup" },
        { "type": "event", "name": "payment", "value": 29, "meta": { "plan": "pro" } },
        { "type": "error", "name": "webhook failed", "message": "timeout after 3 retries" }
    ]))
    .unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!((events[0].kind, events[0].name.as_str()), (EventKind::Event, "signup"));
    assert_eq!(events[1].value, Some(29.0));
    assert_eq!(events[1].document["meta"], json!({"plan": "pro"}));
    assert_eq!(events[2].kind, EventKind::Error);
    assert_eq!(events[2].message.as_deref(), Some("timeout after 3 retries"));
}

#[test]
fn a_reported_event_without_ts_happened_at_arrival() {
    let event = reported(json!({"type": "event", "name": "a"}));
    assert_eq!(
        (event.ts_ms, event.client_ts_ms, event.received_at_ms),
        (ARRIVAL, None, ARRIVAL)
    );
}

#[test]
fn a_reported_event_keeps_its_past_ts() {
    let event = reported(json!({"type": "event", "name": "a", "ts": "2026-07-02T12:00:00+02:00"}));
    let ts = parse_rfc3339("2026-07-02T10:00:00Z").unwrap();
    assert_eq!((event.ts_ms, event.client_ts_ms), (ts, Some(ts)));
}

#[test]
fn a_ts_without_an_offset_is_refused() {
    assert_eq!(
        reported_error(json!({"type": "event", "name": "a", "ts": "2026-07-02T10:00:00"})),
        "events[0].ts: must be an RFC 3339 time with a timezone offset"
    );
}

#[test]
fn a_numeric_ts_is_refused() {
    assert_eq!(
        reported_error(json!({"type": "event", "name": "a", "ts": 1_780_000_000})),
        "events[0].ts: must be an RFC 3339 time with a timezone offset"
    );
}

#[test]
fn an_event_that_is_not_an_object_is_refused() {
    assert_eq!(reported_error(json!("signup")), "events[0]: must be an object");
}

#[test]
fn type_is_required() {
    assert_eq!(reported_error(json!({"name": "a"})), "events[0].type: is required");
    assert_eq!(
        reported_error(json!({"type": null, "name": "a"})),
        "events[0].type: is required"
    );
}

#[test]
fn type_must_be_event_or_error_exactly() {
    for bad in [json!("Event"), json!("warning"), json!(""), json!(1)] {
        assert_eq!(
            reported_error(json!({"type": bad, "name": "a"})),
            r#"events[0].type: must be "event" or "error""#
        );
    }
}

#[test]
fn the_first_problem_is_named_with_its_event_index() {
    let err = events_batch(json!([
        {"type": "event", "name": "ok"},
        {"type": "event", "name": "ok"},
        {"type": "event", "name": "ok"},
        {"type": "event", "name": ""},
        {"type": "nope", "name": "ok"},
    ]))
    .unwrap_err();
    assert_eq!(err.to_string(), "events[3].name: must be 1..200 characters");
    assert_eq!(err.field, "events[3].name");
}

#[test]
fn within_an_event_type_is_checked_before_name() {
    assert_eq!(
        reported_error(json!({"type": "x"})),
        r#"events[0].type: must be "event" or "error""#
    );
}

#[test]
fn name_is_required() {
    assert_eq!(reported_error(json!({"type": "event"})), "events[0].name: is required");
}

#[test]
fn name_must_be_a_string() {
    assert_eq!(
        reported_error(json!({"type": "event", "name": 7})),
        "events[0].name: must be a string"
    );
}

#[test]
fn an_empty_name_is_refused() {
    assert_eq!(
        reported_error(json!({"type": "event", "name": ""})),
        "events[0].name: must be 1..200 characters"
    );
}

#[test]
fn a_name_of_200_characters_is_accepted() {
    assert_eq!(
        reported(json!({"type": "event", "name": "n".repeat(200)})).name.len(),
        200
    );
}

#[test]
fn a_name_of_201_characters_is_refused() {
    assert_eq!(
        reported_error(json!({"type": "event", "name": "n".repeat(201)})),
        "events[0].name: must be 1..200 characters"
    );
}

#[test]
fn name_length_counts_characters_not_bytes() {
    assert_eq!(
        reported(json!({"type": "event", "name": "é".repeat(200)}))
            .name
            .chars()
            .count(),
        200
    );
}

#[test]
fn a_blank_name_is_refused() {
    assert_eq!(
        reported_error(json!({"type": "event", "name": "   "})),
        "events[0].name: must not be blank"
    );
}

#[test]
fn a_name_is_stored_trimmed_and_the_document_keeps_it_as_sent() {
    let event = reported(json!({"type": "event", "name": " signup "}));
    assert_eq!(event.name, "signup");
    assert_eq!(event.document["name"], " signup ");
}

#[test]
fn a_name_with_a_control_character_is_refused() {
    for bad in ["sign\nup", "sign\tup", "a\u{0}", "a\u{7f}", "a\u{85}"] {
        assert_eq!(
            reported_error(json!({"type": "event", "name": bad})),
            "events[0].name: must not contain control characters",
            "{bad:?}"
        );
    }
}

#[test]
fn a_name_with_a_bidi_control_is_refused() {
    for c in [
        '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
    ] {
        assert_eq!(
            reported_error(json!({"type": "event", "name": format!("a{c}b")})),
            "events[0].name: must not contain bidirectional control characters",
            "{c:?}"
        );
    }
}

#[test]
fn characters_beside_the_bidi_ranges_are_allowed_in_names() {
    for c in ['\u{2029}', '\u{202F}', '\u{2065}', '\u{206A}', '\u{200D}', '\u{061B}'] {
        let name = format!("a{c}b");
        assert_eq!(reported(json!({"type": "event", "name": name})).name, name, "{c:?}");
    }
}

#[test]
fn a_message_of_2000_characters_is_accepted() {
    let event = reported(json!({"type": "error", "name": "a", "message": "m".repeat(2_000)}));
    assert_eq!(event.message.map(|m| m.len()), Some(2_000));
}

#[test]
fn a_message_of_2001_characters_is_refused() {
    assert_eq!(
        reported_error(json!({"type": "error", "name": "a", "message": "m".repeat(2_001)})),
        "events[0].message: must be at most 2000 characters"
    );
}

#[test]
fn a_message_keeps_newlines_tabs_and_bidi_text() {
    let message = "line 1\n\tline 2 \u{2067}עברית\u{2069}";
    let event = reported(json!({"type": "error", "name": "a", "message": message}));
    assert_eq!(event.message.as_deref(), Some(message));
}

#[test]
fn a_message_with_other_control_characters_is_refused() {
    for bad in [
        "a\u{0}",
        "a\r\n",
        "\u{1b}[31m",
        "a\u{1f}",
        "a\u{7f}",
        "a\u{80}",
        "a\u{9f}",
    ] {
        assert_eq!(
            reported_error(json!({"type": "error", "name": "a", "message": bad})),
            "events[0].message: must not contain control characters other than newline and tab",
            "{bad:?}"
        );
    }
}

#[test]
fn characters_beside_the_control_ranges_are_allowed_in_messages() {
    let message = "\u{20}\u{7e}\u{a0}";
    assert_eq!(
        reported(json!({"type": "error", "name": "a", "message": message}))
            .message
            .as_deref(),
        Some(message)
    );
}

#[test]
fn a_message_must_be_a_string() {
    assert_eq!(
        reported_error(json!({"type": "error", "name": "a", "message": ["x"]})),
        "events[0].message: must be a string"
    );
}

#[test]
fn a_null_message_is_absent() {
    assert_eq!(
        reported(json!({"type": "error", "name": "a", "message": null})).message,
        None
    );
}

#[test]
fn a_value_is_any_json_number() {
    assert_eq!(
        reported(json!({"type": "event", "name": "a", "value": -2.5})).value,
        Some(-2.5)
    );
    assert_eq!(
        reported(json!({"type": "event", "name": "a", "value": u64::MAX})).value,
        Some(u64::MAX as f64)
    );
    assert_eq!(
        reported(json!({"type": "event", "name": "a", "value": null})).value,
        None
    );
}

#[test]
fn a_value_that_is_not_a_number_is_refused() {
    assert_eq!(
        reported_error(json!({"type": "event", "name": "a", "value": "29"})),
        "events[0].value: must be a number"
    );
}

#[test]
fn a_number_too_large_for_a_double_is_malformed_json() {
    let body = br#"{"events":[{"type":"event","name":"a","value":1e400}]}"#;
    assert_eq!(
        parse_events_batch(body, ARRIVAL, false).unwrap_err().to_string(),
        "body: must be valid JSON"
    );
}

#[test]
fn meta_of_4096_bytes_is_accepted() {
    let meta = padded(json!({"plan": "pro"}), 4_096);
    assert_eq!(
        reported(json!({"type": "event", "name": "a", "meta": meta})).document["meta"],
        meta
    );
}

#[test]
fn meta_of_4097_bytes_is_refused() {
    let meta = padded(json!({}), 4_097);
    assert_eq!(
        reported_error(json!({"type": "event", "name": "a", "meta": meta})),
        "events[0].meta: must be at most 4096 bytes of JSON"
    );
}

#[test]
fn meta_must_be_an_object() {
    assert_eq!(
        reported_error(json!({"type": "event", "name": "a", "meta": [1]})),
        "events[0].meta: must be an object"
    );
}

#[test]
fn an_event_id_is_stored_lower_case() {
    let event = reported(json!({"type": "event", "name": "a", "event_id": UUID.to_uppercase()}));
    assert_eq!(event.id.as_deref(), Some(UUID));
}

#[test]
fn an_event_id_that_is_not_a_uuid_is_refused() {
    for bad in [json!("not-a-uuid"), json!(UUID.replace('-', "")), json!(42)] {
        assert_eq!(
            reported_error(json!({"type": "event", "name": "a", "event_id": bad})),
            "events[0].event_id: must be a UUID"
        );
    }
}

#[test]
fn the_document_keeps_unknown_fields() {
    let event = reported(json!({"type": "event", "name": "a", "release": "4.12.0"}));
    assert_eq!(event.document["release"], "4.12.0");
    assert_eq!(event.document["type"], "event");
}

#[test]
fn an_event_of_32768_bytes_is_accepted() {
    let event = padded(json!({"type": "event", "name": "a"}), MAX_EVENT_BYTES);
    assert!(events_batch(json!([event])).is_ok());
}

#[test]
fn an_event_of_32769_bytes_is_refused() {
    let event = padded(json!({"type": "event", "name": "a"}), MAX_EVENT_BYTES + 1);
    assert_eq!(reported_error(event), "events[0]: must be at most 32768 bytes of JSON");
}

#[test]
fn an_event_survives_a_serde_round_trip() {
    let event = reported(json!({"type": "error", "name": "a", "value": 1.5, "event_id": UUID, "x": [1]}));
    let back: Event = serde_json::from_str(&serde_json::to_string(&event).unwrap()).unwrap();
    assert_eq!(back, event);
}

#[test]
fn kinds_are_spelt_as_the_api_spells_them() {
    assert_eq!(EventKind::Event.as_str(), "event");
    assert_eq!(EventKind::Error.as_str(), "error");
    assert_eq!(serde_json::to_string(&EventKind::Error).unwrap(), r#""error""#);
}

// The ingest API: the ingest API.

#[test]
fn the_ingest_api_example_is_accepted_whole() {
    let event = ingested(json!({
        "event_type": "play_start",
        "ts": "2026-04-23T18:30:12.456Z",
        "anonymous_id": "a8f3c2d0-1e5b-4a9c-8d4e-7f2a1b3c4d5e",
        "session_id": "sess_a1b2c3d4",
        "content_id": "aashiqana_s04e12",
        "content_type": "series",
        "content_title": "Aashiqana S4 E12",
        "position_sec": 0,
        "bitrate_kbps": 4500,
        "context": { "device_type": "tv", "app_version": "4.12.0" }
    }));
    assert_eq!((event.kind, event.name.as_str()), (EventKind::Event, "play_start"));
    assert_eq!(event.ts_ms, parse_rfc3339("2026-04-23T18:30:12.456Z").unwrap());
    assert_eq!((event.message, event.value), (None, None));
    assert_eq!(event.document["content_title"], "Aashiqana S4 E12");
    assert_eq!(event.document["context"]["device_type"], "tv");
}

#[test]
fn the_ingest_api_idempotency_example_has_an_id() {
    let event = ingested(json!({
        "event_id": "a1b2c3d4-e5f6-7890-a1b2-c3d4e5f67890",
        "event_type": "play_start",
        "ts": "2026-04-23T18:30:12Z",
        "anonymous_id": "...",
        "session_id": "..."
    }));
    assert_eq!(event.id.as_deref(), Some("a1b2c3d4-e5f6-7890-a1b2-c3d4e5f67890"));
}

#[test]
fn an_ingested_event_keeps_unknown_fields() {
    let event = ingested(json!({"event_type": "a", "custom": {"deep": [1, 2]}, "type": "error"}));
    assert_eq!(event.document["custom"], json!({"deep": [1, 2]}));
    assert_eq!(event.kind, EventKind::Event);
}

#[test]
fn invalid_ingested_events_are_rejected_one_by_one() {
    let batch = ingest_batch(json!([
        {"event_type": "a"},
        {"event_type": ""},
        {"event_type": "c"},
        7,
    ]))
    .unwrap();
    let accepted: Vec<(usize, &str)> = batch.accepted.iter().map(|(i, e)| (*i, e.name.as_str())).collect();
    assert_eq!(accepted, vec![(0, "a"), (2, "c")]);
    assert_eq!(
        batch.rejected,
        vec![
            (1, "events[1].event_type: must be 1..200 characters".to_string()),
            (3, "events[3]: must be an object".to_string()),
        ]
    );
}

#[test]
fn a_batch_with_no_valid_event_is_refused_with_its_first_problem() {
    let err = ingest_batch(json!([{"event_type": 1}, {}])).unwrap_err();
    assert_eq!(err.to_string(), "events[0].event_type: must be a string");
}

#[test]
fn event_type_is_required() {
    assert_eq!(ingest_rejection(json!({})), "events[1].event_type: is required");
}

#[test]
fn an_event_type_of_200_characters_is_accepted() {
    assert_eq!(ingested(json!({"event_type": "t".repeat(200)})).name.len(), 200);
}

#[test]
fn an_event_type_of_201_characters_is_rejected() {
    assert_eq!(
        ingest_rejection(json!({"event_type": "t".repeat(201)})),
        "events[1].event_type: must be 1..200 characters"
    );
}

#[test]
fn an_event_type_with_a_bidi_override_is_rejected() {
    assert_eq!(
        ingest_rejection(json!({"event_type": "play\u{202E}trats"})),
        "events[1].event_type: must not contain bidirectional control characters"
    );
}

#[test]
fn a_blank_event_type_is_rejected() {
    assert_eq!(
        ingest_rejection(json!({"event_type": " \t "})),
        "events[1].event_type: must not contain control characters"
    );
    assert_eq!(
        ingest_rejection(json!({"event_type": "  "})),
        "events[1].event_type: must not be blank"
    );
}

#[test]
fn an_invalid_ingest_ts_is_rejected() {
    assert_eq!(
        ingest_rejection(json!({"event_type": "a", "ts": "2026-02-30T00:00:00Z"})),
        "events[1].ts: must be an RFC 3339 time with a timezone offset"
    );
}

#[test]
fn an_invalid_ingest_event_id_is_rejected() {
    assert_eq!(
        ingest_rejection(json!({"event_type": "a", "event_id": "42"})),
        "events[1].event_id: must be a UUID"
    );
}

#[test]
fn ids_of_256_characters_are_accepted() {
    for field in ["anonymous_id", "user_id", "session_id", "content_id", "content_type"] {
        let event = ingested(json!({"event_type": "a", field: "i".repeat(256)}));
        assert_eq!(event.document[field].as_str().map(str::len), Some(256), "{field}");
    }
}

#[test]
fn ids_of_257_characters_are_rejected() {
    for field in ["anonymous_id", "user_id", "session_id", "content_id", "content_type"] {
        assert_eq!(
            ingest_rejection(json!({"event_type": "a", field: "i".repeat(257)})),
            format!("events[1].{field}: must be at most 256 characters")
        );
    }
}

#[test]
fn a_content_title_of_1000_characters_is_accepted() {
    ingested(json!({"event_type": "a", "content_title": "t".repeat(1_000)}));
}

#[test]
fn a_content_title_of_1001_characters_is_rejected() {
    assert_eq!(
        ingest_rejection(json!({"event_type": "a", "content_title": "t".repeat(1_001)})),
        "events[1].content_title: must be at most 1000 characters"
    );
}

#[test]
fn ids_must_be_one_line_strings() {
    assert_eq!(
        ingest_rejection(json!({"event_type": "a", "user_id": "u\n1"})),
        "events[1].user_id: must not contain control characters"
    );
    assert_eq!(
        ingest_rejection(json!({"event_type": "a", "session_id": 12})),
        "events[1].session_id: must be a string"
    );
}

#[test]
fn empty_and_null_ids_are_accepted() {
    ingested(json!({"event_type": "a", "user_id": "", "anonymous_id": null}));
}

#[test]
fn position_and_bitrate_may_be_zero_or_fractional() {
    let event = ingested(json!({"event_type": "a", "position_sec": 0, "bitrate_kbps": 0.5}));
    assert_eq!(event.document["bitrate_kbps"], 0.5);
}

#[test]
fn a_negative_position_or_bitrate_is_rejected() {
    for field in ["position_sec", "bitrate_kbps"] {
        assert_eq!(
            ingest_rejection(json!({"event_type": "a", field: -0.001})),
            format!("events[1].{field}: must not be negative")
        );
    }
}

#[test]
fn a_position_or_bitrate_that_is_not_a_number_is_rejected() {
    for field in ["position_sec", "bitrate_kbps"] {
        assert_eq!(
            ingest_rejection(json!({"event_type": "a", field: "12"})),
            format!("events[1].{field}: must be a number")
        );
    }
}

#[test]
fn properties_and_context_of_8192_bytes_are_accepted() {
    for field in ["properties", "context"] {
        ingested(json!({"event_type": "a", field: padded(json!({}), 8_192)}));
    }
}

#[test]
fn properties_and_context_of_8193_bytes_are_rejected() {
    for field in ["properties", "context"] {
        assert_eq!(
            ingest_rejection(json!({"event_type": "a", field: padded(json!({}), 8_193)})),
            format!("events[1].{field}: must be at most 8192 bytes of JSON")
        );
    }
}

#[test]
fn properties_and_context_must_be_objects() {
    for field in ["properties", "context"] {
        assert_eq!(
            ingest_rejection(json!({"event_type": "a", field: "x"})),
            format!("events[1].{field}: must be an object")
        );
    }
}

#[test]
fn an_ingested_event_of_32769_bytes_is_rejected() {
    let event = padded(json!({"event_type": "a"}), MAX_EVENT_BYTES + 1);
    assert_eq!(
        ingest_rejection(event),
        "events[1]: must be at most 32768 bytes of JSON"
    );
}

#[test]
fn an_ingested_event_of_32768_bytes_is_accepted() {
    ingested(padded(json!({"event_type": "a"}), MAX_EVENT_BYTES));
}

#[test]
fn a_future_ingest_ts_is_stored_at_arrival() {
    let ts = crate::core::time::format_rfc3339(ARRIVAL + 30_001);
    let event = ingested(json!({"event_type": "a", "ts": ts}));
    assert_eq!((event.ts_ms, event.client_ts_ms), (ARRIVAL, Some(ARRIVAL + 30_001)));
}

mod properties {
    use super::*;
    use crate::core::http_contract::validation::text_fault;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            Just("event".to_string()),
            Just("error".to_string()),
            Just("2026-07-02T10:00:00Z".to_string()),
            Just("2026-07-02T10:00:00.123456+05:30".to_string()),
            Just(UUID.to_string()),
            "[a-z \\n\\t\\u{202e}\\u{0}]{0,300}",
        ]
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::sample::select(vec![
                "type",
                "name",
                "message",
                "value",
                "meta",
                "ts",
                "event_id",
                "event_type",
                "anonymous_id",
                "user_id",
                "session_id",
                "content_id",
                "content_type",
                "content_title",
                "position_sec",
                "bitrate_kbps",
                "properties",
                "context",
            ])
            .prop_map(str::to_string),
            any::<String>(),
        ]
    }

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            text().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map(key(), inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// An event with the known fields, each valid or not, present or not.
    fn plausible_event() -> impl Strategy<Value = Value> {
        let field = |name: &'static str, value: BoxedStrategy<Value>| {
            proptest::option::of(value).prop_map(move |v| v.map(|v| (name.to_string(), v)))
        };
        let some_text = || text().prop_map(Value::String).boxed();
        let number = || prop_oneof![any::<f64>().prop_map(Value::from), any::<i64>().prop_map(Value::from)].boxed();
        (
            field(
                "type",
                prop_oneof![Just(json!("event")), Just(json!("error")), json()].boxed(),
            ),
            field("name", some_text()),
            field("event_type", some_text()),
            field("message", some_text()),
            field("value", number()),
            field("position_sec", number()),
            field("user_id", some_text()),
            (
                field("ts", some_text()),
                field("event_id", some_text()),
                field("meta", json().boxed()),
                field("context", json().boxed()),
            ),
        )
            .prop_map(|(a, b, c, d, e, f, g, (h, i, j, k))| {
                Value::Object([a, b, c, d, e, f, g, h, i, j, k].into_iter().flatten().collect())
            })
    }

    fn body() -> impl Strategy<Value = Vec<u8>> {
        let events = proptest::collection::vec(prop_oneof![json(), plausible_event(), plausible_event()], 0..12);
        (events, proptest::option::of(text())).prop_map(|(events, sent_at)| {
            let mut body = json!({ "events": events });
            if let Some(sent_at) = sent_at {
                body["sent_at"] = Value::String(sent_at);
            }
            body.to_string().into_bytes()
        })
    }

    fn assert_stored_event_is_valid(event: &Event) -> Result<(), TestCaseError> {
        prop_assert!(!event.name.is_empty() && event.name.chars().count() <= MAX_NAME_CHARS);
        prop_assert!(text_fault(TextRule::Line, &event.name).is_none());
        prop_assert!(event
            .message
            .as_ref()
            .is_none_or(|m| m.chars().count() <= MAX_MESSAGE_CHARS));
        prop_assert!(event.value.is_none_or(f64::is_finite));
        prop_assert!(event
            .id
            .as_deref()
            .is_none_or(|id| crate::core::http_contract::validation::parse_uuid(id).as_deref() == Some(id)));
        prop_assert!(json_len(&event.document) <= MAX_EVENT_BYTES);
        Ok(())
    }

    proptest! {
        #[test]
        fn any_bytes_are_parsed_or_refused_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_events_batch(&bytes, ARRIVAL, false);
            let _ = parse_ingest_batch(&bytes, ARRIVAL, true);
        }

        #[test]
        fn any_json_body_is_parsed_or_refused_without_panicking(value in json()) {
            let bytes = value.to_string().into_bytes();
            let _ = parse_events_batch(&bytes, ARRIVAL, false);
            let _ = parse_ingest_batch(&bytes, ARRIVAL, false);
        }

        #[test]
        fn reported_events_are_all_valid_or_the_batch_names_one_problem(body in body(), arrival in any::<i64>()) {
            match parse_events_batch(&body, arrival, false) {
                Ok(events) => {
                    prop_assert!((1..=MAX_EVENTS_PER_BATCH).contains(&events.len()));
                    for event in &events {
                        assert_stored_event_is_valid(event)?;
                    }
                }
                Err(err) => prop_assert!(!err.field.is_empty() && !err.message.is_empty()),
            }
        }

        #[test]
        fn every_ingested_event_is_accepted_or_rejected_once(body in body(), arrival in any::<i64>()) {
            if let Ok(batch) = parse_ingest_batch(&body, arrival, false) {
                prop_assert!(!batch.accepted.is_empty());
                let mut indexes: Vec<usize> = batch.accepted.iter().map(|(i, _)| *i).chain(batch.rejected.iter().map(|(i, _)| *i)).collect();
                indexes.sort_unstable();
                prop_assert_eq!(indexes, (0..batch.accepted.len() + batch.rejected.len()).collect::<Vec<_>>());
                for (_, event) in &batch.accepted {
                    assert_stored_event_is_valid(event)?;
                    prop_assert_eq!(event.kind, EventKind::Event);
                }
                for (i, reason) in &batch.rejected {
                    let prefix = format!("events[{i}]");
                    prop_assert!(reason.starts_with(&prefix));
                }
            }
        }
    }
}
