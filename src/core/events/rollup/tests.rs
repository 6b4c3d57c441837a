use super::*;
use serde_json::Map;

fn at(s: &str) -> i64 {
    parse_rfc3339(s).unwrap()
}

fn event(name: &str, kind: EventKind, ts: &str, value: Option<f64>) -> Event {
    Event {
        id: None,
        kind,
        name: name.to_string(),
        message: None,
        value,
        ts_ms: at(ts),
        client_ts_ms: None,
        received_at_ms: at(ts),
        document: Map::new(),
    }
}

fn rollup(values: &[Option<f64>]) -> Rollup {
    let mut r = Rollup::default();
    values.iter().for_each(|&v| r.add(v));
    r
}

#[test]
fn an_hour_bucket_starts_on_the_utc_hour() {
    assert_eq!(
        bucket_start(at("2026-07-02T10:59:59.999Z"), Bucket::Hour),
        at("2026-07-02T10:00:00Z")
    );
    assert_eq!(
        bucket_start(at("2026-07-02T11:00:00Z"), Bucket::Hour),
        at("2026-07-02T11:00:00Z")
    );
}

#[test]
fn a_day_bucket_starts_at_utc_midnight() {
    assert_eq!(
        bucket_start(at("2026-07-02T23:59:59.999Z"), Bucket::Day),
        at("2026-07-02T00:00:00Z")
    );
    assert_eq!(
        bucket_start(at("2026-07-03T00:30:00+02:00"), Bucket::Day),
        at("2026-07-02T00:00:00Z")
    );
}

#[test]
fn buckets_before_1970_are_floored() {
    assert_eq!(bucket_start(-1, Bucket::Hour), -3_600_000);
    assert_eq!(bucket_start(-1, Bucket::Day), -86_400_000);
    assert_eq!(bucket_start(-86_400_000, Bucket::Day), -86_400_000);
}

#[test]
fn the_first_bucket_of_time_saturates() {
    assert_eq!(bucket_start(i64::MIN, Bucket::Day), i64::MIN);
    assert_eq!(bucket_start(i64::MAX, Bucket::Hour) % 3_600_000, 0);
}

#[test]
fn buckets_are_spelt_as_the_query_spells_them() {
    assert_eq!(Bucket::Hour.as_str(), "hour");
    assert_eq!(Bucket::Day.as_str(), "day");
    assert_eq!(serde_json::to_string(&Bucket::Day).unwrap(), r#""day""#);
}

#[test]
fn a_rollup_counts_every_event_and_aggregates_the_values() {
    let r = rollup(&[Some(3.0), None, Some(-1.5), Some(10.0)]);
    assert_eq!(
        r,
        Rollup {
            count: 4,
            sum: 11.5,
            min: Some(-1.5),
            max: Some(10.0)
        }
    );
}

#[test]
fn a_rollup_without_values_has_no_min_or_max() {
    assert_eq!(
        rollup(&[None, None]),
        Rollup {
            count: 2,
            sum: 0.0,
            min: None,
            max: None
        }
    );
}

#[test]
fn a_single_value_is_both_min_and_max() {
    assert_eq!(
        rollup(&[Some(-4.0)]),
        Rollup {
            count: 1,
            sum: -4.0,
            min: Some(-4.0),
            max: Some(-4.0)
        }
    );
}

#[test]
fn a_non_finite_value_is_counted_but_not_aggregated() {
    assert_eq!(
        rollup(&[Some(f64::NAN), Some(f64::INFINITY)]),
        Rollup {
            count: 2,
            ..Rollup::default()
        }
    );
}

#[test]
fn the_sum_saturates_instead_of_becoming_infinite() {
    assert_eq!(rollup(&[Some(f64::MAX), Some(f64::MAX)]).sum, f64::MAX);
    assert_eq!(rollup(&[Some(-f64::MAX), Some(-f64::MAX)]).sum, -f64::MAX);
}

#[test]
fn merging_equals_adding_the_same_events() {
    let mut merged = rollup(&[Some(1.0), None]);
    merged.merge(&rollup(&[Some(-2.0), Some(7.0)]));
    assert_eq!(merged, rollup(&[Some(1.0), None, Some(-2.0), Some(7.0)]));
}

#[test]
fn merging_into_an_empty_rollup_copies_it() {
    let mut merged = Rollup::default();
    merged.merge(&rollup(&[Some(2.0), Some(5.0)]));
    assert_eq!(merged, rollup(&[Some(2.0), Some(5.0)]));
}

#[test]
fn merging_a_rollup_without_values_only_counts() {
    let mut merged = rollup(&[Some(2.0)]);
    merged.merge(&rollup(&[None, None]));
    assert_eq!(
        merged,
        Rollup {
            count: 3,
            sum: 2.0,
            min: Some(2.0),
            max: Some(2.0)
        }
    );
}

#[test]
fn a_rollup_survives_a_serde_round_trip() {
    let r = rollup(&[Some(1.25), None]);
    assert_eq!(
        serde_json::from_str::<Rollup>(&serde_json::to_string(&r).unwrap()).unwrap(),
        r
    );
}

#[test]
fn a_batch_rolls_up_per_name_hour_and_day() {
    let rows = rollup_rows(&[
        event("signup", EventKind::Event, "2026-07-02T10:05:00Z", None),
        event("signup", EventKind::Event, "2026-07-02T10:55:00Z", None),
        event("signup", EventKind::Event, "2026-07-02T11:00:00Z", None),
        event("payment", EventKind::Event, "2026-07-02T10:30:00Z", Some(29.0)),
    ]);
    let summary: Vec<(Bucket, &str, i64, u64)> = rows
        .iter()
        .map(|r| (r.bucket, r.name.as_str(), r.start_ms, r.rollup.count))
        .collect();
    assert_eq!(
        summary,
        vec![
            (Bucket::Hour, "payment", at("2026-07-02T10:00:00Z"), 1),
            (Bucket::Hour, "signup", at("2026-07-02T10:00:00Z"), 2),
            (Bucket::Hour, "signup", at("2026-07-02T11:00:00Z"), 1),
            (Bucket::Day, "payment", at("2026-07-02T00:00:00Z"), 1),
            (Bucket::Day, "signup", at("2026-07-02T00:00:00Z"), 3),
        ]
    );
    assert_eq!(
        rows[0].rollup,
        Rollup {
            count: 1,
            sum: 29.0,
            min: Some(29.0),
            max: Some(29.0)
        }
    );
}

#[test]
fn events_and_errors_of_one_name_roll_up_apart() {
    let rows = rollup_rows(&[
        event("webhook", EventKind::Event, "2026-07-02T10:05:00Z", None),
        event("webhook", EventKind::Error, "2026-07-02T10:06:00Z", None),
    ]);
    let kinds: Vec<(Bucket, EventKind, u64)> = rows.iter().map(|r| (r.bucket, r.kind, r.rollup.count)).collect();
    assert_eq!(
        kinds,
        vec![
            (Bucket::Hour, EventKind::Event, 1),
            (Bucket::Hour, EventKind::Error, 1),
            (Bucket::Day, EventKind::Event, 1),
            (Bucket::Day, EventKind::Error, 1),
        ]
    );
}

#[test]
fn a_batch_across_midnight_makes_two_day_rows() {
    let rows = rollup_rows(&[
        event("a", EventKind::Event, "2026-07-02T23:59:59.999Z", Some(1.0)),
        event("a", EventKind::Event, "2026-07-03T00:00:00Z", Some(2.0)),
    ]);
    let days: Vec<(i64, f64)> = rows
        .iter()
        .filter(|r| r.bucket == Bucket::Day)
        .map(|r| (r.start_ms, r.rollup.sum))
        .collect();
    assert_eq!(
        days,
        vec![(at("2026-07-02T00:00:00Z"), 1.0), (at("2026-07-03T00:00:00Z"), 2.0)]
    );
}

#[test]
fn no_events_make_no_rows() {
    assert!(rollup_rows(&[]).is_empty());
}

#[test]
fn bucket_is_hour_or_day() {
    assert_eq!(parse_bucket("hour"), Ok(Bucket::Hour));
    assert_eq!(parse_bucket("day"), Ok(Bucket::Day));
    for bad in ["Hour", "week", "", "1h"] {
        assert_eq!(
            parse_bucket(bad).unwrap_err(),
            FieldError::new("bucket", "must be hour or day")
        );
    }
}

#[test]
fn a_range_defaults_to_the_last_24_hours() {
    let now = at("2026-07-02T10:30:00Z");
    let range = parse_rollup_range(None, None, None, now).unwrap();
    assert_eq!(
        range,
        RollupRange {
            bucket: Bucket::Hour,
            from_ms: at("2026-07-01T10:00:00Z"),
            to_ms: now
        }
    );
    assert_eq!(range.bucket_count(), 25);
}

#[test]
fn a_day_range_defaults_to_the_last_30_days() {
    let now = at("2026-07-31T00:00:00Z");
    let range = parse_rollup_range(Some("day"), None, None, now).unwrap();
    assert_eq!((range.from_ms, range.to_ms), (at("2026-07-01T00:00:00Z"), now));
    assert_eq!(range.bucket_count(), 30);
}

#[test]
fn from_is_moved_back_to_the_start_of_its_bucket() {
    let range = parse_rollup_range(
        Some("day"),
        Some("2026-07-02T15:00:00Z"),
        Some("2026-07-04T00:00:00Z"),
        0,
    );
    assert_eq!(range.unwrap().from_ms, at("2026-07-02T00:00:00Z"));
}

#[test]
fn a_range_that_does_not_end_after_it_starts_has_no_bucket() {
    let empty = parse_rollup_range(None, Some("2026-07-02T10:00:00Z"), Some("2026-07-02T10:00:00Z"), 0).unwrap();
    assert_eq!(empty.bucket_count(), 0);
    let backwards = parse_rollup_range(None, Some("2026-07-02T11:00:00Z"), Some("2026-07-02T10:00:00Z"), 0).unwrap();
    assert_eq!(backwards.bucket_count(), 0);
    let one = parse_rollup_range(None, Some("2026-07-02T10:00:00Z"), Some("2026-07-02T10:00:00.001Z"), 0).unwrap();
    assert_eq!(one.bucket_count(), 1);
}

#[test]
fn a_range_of_1000_buckets_is_accepted() {
    let from = at("2026-01-01T00:00:00Z");
    let to = crate::core::time::format_rfc3339(from + 1_000 * 3_600_000);
    let range = parse_rollup_range(Some("hour"), Some("2026-01-01T00:00:00Z"), Some(&to), 0).unwrap();
    assert_eq!(range.bucket_count(), 1_000);
}

#[test]
fn a_longer_range_is_cut_to_the_1000_buckets_that_end_at_to() {
    let from = at("2026-01-01T00:00:00Z");
    let to_ms = from + 1_000 * 86_400_000 + 1;
    let to = crate::core::time::format_rfc3339(to_ms);
    let range = parse_rollup_range(Some("day"), Some("2026-01-01T00:00:00Z"), Some(&to), 0).unwrap();
    assert_eq!(range.bucket_count(), 1_000);
    assert_eq!(range.to_ms, to_ms);
    assert_eq!(range.from_ms, from + 86_400_000, "the first day is cut");
}

#[test]
fn a_partial_last_bucket_counts_as_a_bucket() {
    let range = RollupRange {
        bucket: Bucket::Hour,
        from_ms: 0,
        to_ms: 3_600_001,
    };
    assert_eq!(range.bucket_count(), 2);
    let range = RollupRange {
        bucket: Bucket::Hour,
        from_ms: 0,
        to_ms: 3_600_000,
    };
    assert_eq!(range.bucket_count(), 1);
}

#[test]
fn an_inverted_range_has_no_buckets() {
    assert_eq!(
        RollupRange {
            bucket: Bucket::Day,
            from_ms: 10,
            to_ms: 0
        }
        .bucket_count(),
        0
    );
}

#[test]
fn range_times_must_be_rfc_3339() {
    let err = parse_rollup_range(None, Some("yesterday"), None, 0).unwrap_err();
    assert_eq!(err.field, "from");
    let err = parse_rollup_range(None, None, Some("2026-07-02"), 0).unwrap_err();
    assert_eq!(
        err,
        FieldError::new("to", "must be an RFC 3339 time with a timezone offset")
    );
}

#[test]
fn an_unknown_bucket_refuses_the_range() {
    assert_eq!(
        parse_rollup_range(Some("week"), None, None, 0).unwrap_err().field,
        "bucket"
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_bucket_start_is_on_a_boundary_at_or_before_the_time(ts in -10i64.pow(15)..10i64.pow(15)) {
            for bucket in [Bucket::Hour, Bucket::Day] {
                let start = bucket_start(ts, bucket);
                prop_assert!(start <= ts && ts - start < bucket.len_ms());
                prop_assert_eq!(start.rem_euclid(bucket.len_ms()), 0);
            }
        }

        #[test]
        fn rows_count_every_event_once_per_bucket_size(
            events in proptest::collection::vec(("[ab]", any::<bool>(), 0i64..10_000_000_000, proptest::option::of(-1e6f64..1e6)), 0..40)
        ) {
            let events: Vec<Event> = events.into_iter().map(|(name, error, ts, value)| Event {
                id: None,
                kind: if error { EventKind::Error } else { EventKind::Event },
                name,
                message: None,
                value,
                ts_ms: ts,
                client_ts_ms: None,
                received_at_ms: ts,
                document: Map::new(),
            }).collect();
            let rows = rollup_rows(&events);
            for bucket in [Bucket::Hour, Bucket::Day] {
                let count: u64 = rows.iter().filter(|r| r.bucket == bucket).map(|r| r.rollup.count).sum();
                prop_assert_eq!(count, events.len() as u64);
            }
        }

        #[test]
        fn any_query_is_parsed_or_refused_without_panicking(
            bucket in proptest::option::of(any::<String>()), from in proptest::option::of(any::<String>()),
            to in proptest::option::of(any::<String>()), now in any::<i64>()
        ) {
            if let Ok(range) = parse_rollup_range(bucket.as_deref(), from.as_deref(), to.as_deref(), now) {
                prop_assert!((1..=MAX_BUCKETS).contains(&range.bucket_count()));
            }
        }

        #[test]
        fn rollups_never_panic(values in proptest::collection::vec(proptest::option::of(any::<f64>()), 0..20)) {
            let r = rollup(&values);
            prop_assert!(r.sum.is_finite());
            prop_assert!(r.min.is_none_or(|min| r.max.is_some_and(|max| min <= max)));
        }
    }
}
