//! `GET /v1/events?type=&name=&since=&until=&limit=&cursor=`: the filters of a listing and its
//! cursor.
//!
//! Why: events are listed newest first by (ts, id), and the cursor is that pair of the last
//! event shown, so a page never repeats or skips an event, even while new ones arrive. The
//! cursor is opaque (hex) so clients pass it back instead of building one.

use crate::core::events::event::{parse_event_name, EventKind};
use crate::core::http_contract::validation::{Checked, FieldError};
use crate::core::time::parse_rfc3339;

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1_000;

/// The position after which a page starts: the (ts, id) of the last event of the page before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub ts_ms: i64,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery {
    pub kind: Option<EventKind>,
    pub name: Option<String>,
    /// Events at or after this time.
    pub since_ms: Option<i64>,
    /// Events before this time.
    pub until_ms: Option<i64>,
    pub limit: i64,
    pub after: Option<Cursor>,
}

const HEX: &[u8; 16] = b"0123456789abcdef";

pub fn encode_cursor(ts_ms: i64, id: &str) -> String {
    format!("{ts_ms}:{id}")
        .bytes()
        .flat_map(|b| [HEX[usize::from(b >> 4)] as char, HEX[usize::from(b & 15)] as char])
        .collect()
}

pub fn decode_cursor(text: &str) -> Option<Cursor> {
    if !text.len().is_multiple_of(2) || text.len() > 400 {
        return None;
    }
    let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let bytes: Option<Vec<u8>> = text
        .as_bytes()
        .chunks(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect();
    let plain = String::from_utf8(bytes?).ok()?;
    let (ts, id) = plain.split_once(':')?;
    let id_ok = !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let ts_ms = ts.parse().ok()?;
    id_ok.then(|| Cursor {
        ts_ms,
        id: id.to_string(),
    })
}

/// The listing's query parameters, each as given (`None` when absent).
#[derive(Debug, Clone, Copy, Default)]
pub struct RawEventQuery<'a> {
    pub kind: Option<&'a str>,
    pub name: Option<&'a str>,
    pub since: Option<&'a str>,
    pub until: Option<&'a str>,
    pub limit: Option<&'a str>,
    pub cursor: Option<&'a str>,
}

pub fn parse_event_query(raw: RawEventQuery<'_>) -> Checked<EventQuery> {
    let kind = match raw.kind {
        None | Some("") => None,
        Some("event") => Some(EventKind::Event),
        Some("error") => Some(EventKind::Error),
        Some(_) => return Err(FieldError::new("type", "must be event or error")),
    };
    let name = raw.name.map(|n| parse_event_name("name", n)).transpose()?;
    let time = |field: &str, text: Option<&str>| {
        text.map(|t| {
            parse_rfc3339(t).ok_or_else(|| FieldError::new(field, "must be an RFC 3339 time with a timezone offset"))
        })
        .transpose()
    };
    let since_ms = time("since", raw.since)?;
    let until_ms = time("until", raw.until)?;
    // A range that does not end after it starts holds no event: an empty page, not an error
    // (no document can say "since before until" of two query parameters).
    let limit = match raw.limit {
        None => DEFAULT_LIMIT,
        Some(text) => match text.trim().parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                return Err(FieldError::new(
                    "limit",
                    format!("must be a whole number between 1 and {MAX_LIMIT}"),
                ))
            }
        },
    };
    let after = match raw.cursor {
        None | Some("") => None,
        Some(text) => {
            Some(decode_cursor(text).ok_or_else(|| FieldError::new("cursor", "is not a cursor from a previous page"))?)
        }
    };
    Ok(EventQuery {
        kind,
        name,
        since_ms,
        until_ms,
        limit,
        after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "6766163a-568d-47b4-a1fa-91a0957e06d4";

    #[test]
    fn a_cursor_reads_back_what_it_was_made_of() {
        let text = encode_cursor(1_790_000_000_123, ID);
        assert!(text.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(
            decode_cursor(&text),
            Some(Cursor {
                ts_ms: 1_790_000_000_123,
                id: ID.into()
            })
        );
        assert_eq!(
            decode_cursor(&encode_cursor(-5, "a")),
            Some(Cursor {
                ts_ms: -5,
                id: "a".into()
            })
        );
    }

    #[test]
    fn a_cursor_that_was_not_made_here_is_refused() {
        for bad in ["", "z", "abc", "3a61", &encode_cursor(1, "a'; DROP"), &"00".repeat(300)] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
        }
        let err = parse_event_query(RawEventQuery {
            cursor: Some("nope"),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(err.field, "cursor");
    }

    #[test]
    fn no_parameters_list_the_newest_hundred() {
        let q = parse_event_query(RawEventQuery::default()).unwrap();
        assert_eq!(
            (q.kind, q.name, q.since_ms, q.until_ms, q.limit, q.after),
            (None, None, None, None, 100, None)
        );
    }

    #[test]
    fn every_filter_is_parsed() {
        let cursor = encode_cursor(5, ID);
        let q = parse_event_query(RawEventQuery {
            kind: Some("error"),
            name: Some(" webhook failed "),
            since: Some("2026-07-02T10:00:00Z"),
            until: Some("2026-07-02T12:00:00+01:00"),
            limit: Some("1000"),
            cursor: Some(&cursor),
        })
        .unwrap();
        assert_eq!(q.kind, Some(EventKind::Error));
        assert_eq!(q.name.as_deref(), Some("webhook failed"));
        assert_eq!(q.limit, 1_000);
        assert_eq!(
            q.after,
            Some(Cursor {
                ts_ms: 5,
                id: ID.into()
            })
        );
    }

    #[test]
    fn bad_values_name_their_parameter() {
        let cases = [
            (
                RawEventQuery {
                    kind: Some("warning"),
                    ..Default::default()
                },
                "type",
            ),
            (
                RawEventQuery {
                    name: Some(""),
                    ..Default::default()
                },
                "name",
            ),
            (
                RawEventQuery {
                    since: Some("yesterday"),
                    ..Default::default()
                },
                "since",
            ),
            (
                RawEventQuery {
                    until: Some("2026-07-02"),
                    ..Default::default()
                },
                "until",
            ),
            (
                RawEventQuery {
                    limit: Some("0"),
                    ..Default::default()
                },
                "limit",
            ),
            (
                RawEventQuery {
                    limit: Some("1001"),
                    ..Default::default()
                },
                "limit",
            ),
        ];
        for (raw, field) in cases {
            assert_eq!(parse_event_query(raw).unwrap_err().field, field, "{raw:?}");
        }
    }

    #[test]
    fn a_range_that_does_not_end_after_it_starts_is_no_error() {
        let raw = RawEventQuery {
            since: Some("2026-07-02T10:00:00Z"),
            until: Some("2026-07-02T10:00:00Z"),
            ..Default::default()
        };
        let query = parse_event_query(raw).unwrap();
        assert!(query.since_ms >= query.until_ms);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_cursor_text_decodes_or_is_refused_without_panicking(text in any::<String>()) {
            let _ = decode_cursor(&text);
        }

        #[test]
        fn every_cursor_made_here_decodes_to_itself(ts in any::<i64>(), id in "[a-z0-9-]{1,40}") {
            prop_assert_eq!(decode_cursor(&encode_cursor(ts, &id)), Some(Cursor { ts_ms: ts, id }));
        }
    }
}
