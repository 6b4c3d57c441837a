//! Field-level checks on JSON request bodies. Every failure names its field, so the API can
//! answer `{"error": "...", "field": "..."}`. Unknown fields are ignored.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

pub type Checked<T> = Result<T, FieldError>;

/// The body must be a JSON object.
pub fn object(body: &[u8]) -> Checked<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(FieldError::new("body", "must be a JSON object")),
        Err(_) => Err(FieldError::new("body", "must be valid JSON")),
    }
}

/// What a text field may contain. One rule for every field of every write route, so that
/// nothing stored can hide text (NUL, escape sequences) or disguise it (bidi overrides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextRule {
    /// Names, slugs, tags, URLs, ids: one line with no control characters and no
    /// bidirectional formatting characters, which could make a name read as another.
    Line,
    /// Descriptions and messages: newline and tab are allowed, other controls are not.
    Free,
}

/// Bidirectional formatting characters: the embeddings and overrides U+202A..U+202E, the
/// isolates U+2066..U+2069, and the marks U+200E, U+200F and U+061C.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Whether `c` is allowed by `rule`. Controls are Unicode's Cc: NUL, the C0 set, DEL and C1.
pub fn allows(rule: TextRule, c: char) -> bool {
    match rule {
        TextRule::Line => !c.is_control() && !is_bidi_control(c),
        TextRule::Free => !c.is_control() || c == '\n' || c == '\t',
    }
}

/// What is wrong with `s` under `rule`, if anything.
pub fn text_fault(rule: TextRule, s: &str) -> Option<&'static str> {
    let bad = s.chars().find(|c| !allows(rule, *c))?;
    Some(if bad.is_control() {
        match rule {
            TextRule::Line => "must not contain control characters",
            TextRule::Free => "must not contain control characters other than newline and tab",
        }
    } else {
        "must not contain bidirectional control characters"
    })
}

/// `s` checked against `rule`, as an error naming `field`.
pub fn check_text(field: &str, rule: TextRule, s: &str) -> Checked<()> {
    match text_fault(rule, s) {
        Some(why) => Err(FieldError::new(field, why)),
        None => Ok(()),
    }
}

/// Text that was captured rather than typed (a job's output, a user agent): what `rule`
/// refuses becomes U+FFFD, so a ping is never lost to a colour escape in its log.
pub fn scrub(rule: TextRule, s: &str) -> String {
    s.chars()
        .map(|c| if allows(rule, c) { c } else { '\u{FFFD}' })
        .collect()
}

/// The JSON Schema `pattern` of a non-blank `TextRule::Line` field, as openapi.json spells
/// it: allowed characters only, at least one of them not white space (values are trimmed).
pub const LINE_TEXT_PATTERN: &str = concat!(
    r"^[^\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]*",
    r"[^\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069",
    r" \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
    r"[^\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]*$"
);

/// The JSON Schema `pattern` of a `TextRule::Free` field.
pub const FREE_TEXT_PATTERN: &str = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$";

/// A `TextRule::Line` string of at most `max` characters with something besides white
/// space, trimmed, when present. The length counts the string as sent.
pub fn optional_text(obj: &Map<String, Value>, field: &str, max: usize) -> Checked<Option<String>> {
    match obj.get(field) {
        None => Ok(None),
        Some(Value::String(s)) => line_text(field, s, max).map(Some),
        Some(_) => Err(FieldError::new(field, "must be a string")),
    }
}

/// One `TextRule::Line` value (a field, or an item of a list field), trimmed.
pub fn line_text(field: &str, s: &str, max: usize) -> Checked<String> {
    if s.chars().count() > max {
        return Err(FieldError::new(field, format!("must be at most {max} characters")));
    }
    check_text(field, TextRule::Line, s)?;
    match s.trim() {
        "" => Err(FieldError::new(field, "must not be empty")),
        t => Ok(t.to_string()),
    }
}

/// A `TextRule::Free` string of at most `max` characters, kept as sent; `null` is `None`.
pub fn optional_free_text(obj: &Map<String, Value>, field: &str, max: usize) -> Checked<Option<String>> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() > max => {
            Err(FieldError::new(field, format!("must be at most {max} characters")))
        }
        Some(Value::String(s)) => check_text(field, TextRule::Free, s).map(|()| Some(s.clone())),
        Some(_) => Err(FieldError::new(
            field,
            format!("must be a string of at most {max} characters"),
        )),
    }
}

pub fn required_text(obj: &Map<String, Value>, field: &str, max: usize) -> Checked<String> {
    optional_text(obj, field, max)?.ok_or_else(|| FieldError::new(field, "is required"))
}

/// A whole number within `min..=max`, when present.
pub fn optional_integer(obj: &Map<String, Value>, field: &str, min: i64, max: i64) -> Checked<Option<i64>> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            let whole = n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                    .map(|f| f as i64)
            });
            match whole {
                Some(v) if (min..=max).contains(&v) => Ok(Some(v)),
                Some(_) => Err(FieldError::new(field, format!("must be between {min} and {max}"))),
                None => Err(FieldError::new(field, "must be a whole number")),
            }
        }
        Some(_) => Err(FieldError::new(field, "must be a number")),
    }
}

pub fn optional_bool(obj: &Map<String, Value>, field: &str) -> Checked<Option<bool>> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(FieldError::new(field, "must be true or false")),
    }
}

/// An absolute http(s) URL a webhook can be sent to.
pub fn is_webhook_url(s: &str) -> bool {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    s.chars().count() <= 2_000
        && !s.chars().any(|c| c.is_whitespace() || !allows(TextRule::Line, c))
        && rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/') && !r.starts_with('?'))
}

/// A hyphenated UUID in any case, as its canonical lower-case text (so `ABC...` and `abc...`
/// name the same object); `None` for anything else.
pub fn parse_uuid(s: &str) -> Option<String> {
    (s.len() == 36)
        .then(|| uuid::Uuid::try_parse(s).ok())
        .flatten()
        .map(|u| u.hyphenated().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_uuid_lower_cases_hyphenated_uuids_and_refuses_other_forms() {
        let id = "6766163a-568d-47b4-a1fa-91a0957e06d4";
        assert_eq!(parse_uuid(id).as_deref(), Some(id));
        assert_eq!(parse_uuid(&id.to_ascii_uppercase()).as_deref(), Some(id));
        assert_eq!(parse_uuid("6766163a568d47b4a1fa91a0957e06d4"), None);
        assert_eq!(parse_uuid("{6766163a-568d-47b4-a1fa-91a0957e06d}"), None);
        assert_eq!(parse_uuid("6766163a-568d-47b4-a1fa-91a0957e06dg"), None);
        assert_eq!(parse_uuid(""), None);
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn body_must_be_a_json_object() {
        assert_eq!(object(b"[1]").unwrap_err().message, "must be a JSON object");
        assert_eq!(object(b"{").unwrap_err().message, "must be valid JSON");
        assert!(object(br#"{"a":1}"#).is_ok());
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        let o = obj(json!({"name": "  nightly backup  ", "long": "x".repeat(11), "n": 5, "blank": " "}));
        assert_eq!(required_text(&o, "name", 10).unwrap_err().field, "name");
        assert_eq!(required_text(&o, "name", 20).unwrap(), "nightly backup");
        assert!(required_text(&o, "long", 10).is_err());
        assert_eq!(required_text(&o, "n", 10).unwrap_err().message, "must be a string");
        assert_eq!(required_text(&o, "blank", 10).unwrap_err().message, "must not be empty");
        assert_eq!(required_text(&o, "missing", 10).unwrap_err().message, "is required");
    }

    #[test]
    fn line_text_refuses_every_control_character() {
        for bad in [
            "a\u{0}b",
            "a\u{1b}[31mb",
            "a\nb",
            "a\tb",
            "a\u{7f}",
            "a\u{85}b",
            "a\u{9f}",
        ] {
            assert_eq!(
                text_fault(TextRule::Line, bad),
                Some("must not contain control characters"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn line_text_refuses_bidi_controls() {
        for bad in [
            "\u{202E}gpj.exe",
            "a\u{202A}",
            "a\u{2066}b",
            "a\u{2069}",
            "a\u{200E}",
            "a\u{200F}",
            "a\u{61C}",
        ] {
            assert_eq!(
                text_fault(TextRule::Line, bad),
                Some("must not contain bidirectional control characters"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn line_text_keeps_ordinary_unicode() {
        for ok in [
            "nightly backup",
            "Sauvegarde à 3 h",
            "נתונים",
            "バックアップ",
            "🚀 deploy",
            "a\u{200D}b",
        ] {
            assert_eq!(text_fault(TextRule::Line, ok), None, "{ok:?}");
        }
    }

    #[test]
    fn free_text_allows_newline_and_tab_only() {
        assert_eq!(text_fault(TextRule::Free, "line 1\n\tline 2 \u{202E}"), None);
        for bad in ["a\u{0}", "a\r\nb", "a\u{1b}[0m", "a\u{7f}", "a\u{85}"] {
            assert_eq!(
                text_fault(TextRule::Free, bad),
                Some("must not contain control characters other than newline and tab"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn scrubbing_replaces_what_the_rule_refuses() {
        assert_eq!(
            scrub(TextRule::Free, "ok\n\u{1b}[31mred\u{0}"),
            "ok\n\u{FFFD}[31mred\u{FFFD}"
        );
        assert_eq!(scrub(TextRule::Line, "curl/8\t\u{202E}"), "curl/8\u{FFFD}\u{FFFD}");
    }

    #[test]
    fn text_fields_name_themselves_and_count_as_sent() {
        let o = obj(json!({"name": "a\u{0}", "long": format!(" {} ", "x".repeat(9)), "nul": null}));
        let err = optional_text(&o, "name", 10).unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.message.as_str()),
            ("name", "must not contain control characters")
        );
        assert!(optional_text(&o, "long", 10).is_err(), "11 characters as sent");
        assert_eq!(optional_text(&o, "long", 11).unwrap().as_deref(), Some("xxxxxxxxx"));
        assert_eq!(optional_text(&o, "nul", 10).unwrap_err().message, "must be a string");
    }

    #[test]
    fn free_text_fields_keep_their_lines() {
        let o = obj(json!({"d": "a\n\tb", "bad": "a\u{1b}", "nul": null, "n": 1}));
        assert_eq!(optional_free_text(&o, "d", 10).unwrap().as_deref(), Some("a\n\tb"));
        assert_eq!(optional_free_text(&o, "bad", 10).unwrap_err().field, "bad");
        assert_eq!(optional_free_text(&o, "nul", 10).unwrap(), None);
        assert_eq!(optional_free_text(&o, "d", 3).unwrap_err().field, "d");
        assert_eq!(optional_free_text(&o, "n", 10).unwrap_err().field, "n");
    }

    #[test]
    fn integers_are_whole_and_in_range() {
        let o = obj(json!({"a": 60, "b": 59, "c": 60.5, "d": "60", "e": 120.0}));
        assert_eq!(optional_integer(&o, "a", 60, 100).unwrap(), Some(60));
        assert!(optional_integer(&o, "b", 60, 100).is_err());
        assert_eq!(
            optional_integer(&o, "c", 60, 100).unwrap_err().message,
            "must be a whole number"
        );
        assert_eq!(
            optional_integer(&o, "d", 60, 100).unwrap_err().message,
            "must be a number"
        );
        assert_eq!(optional_integer(&o, "e", 60, 200).unwrap(), Some(120));
        assert_eq!(optional_integer(&o, "zzz", 60, 100).unwrap(), None);
    }

    #[test]
    fn webhook_urls_are_absolute_http() {
        assert!(is_webhook_url("https://hooks.example.com/edgebeat?x=1"));
        assert!(is_webhook_url("http://127.0.0.1:9000/hook"));
        for bad in [
            "",
            "ftp://x",
            "https://",
            "https:///path",
            "https://a b",
            "/relative",
            "javascript:alert(1)",
            "https://example.com/\u{202E}",
            "https://example.com/\u{85}",
        ] {
            assert!(!is_webhook_url(bad), "{bad:?}");
        }
    }

    #[test]
    fn uuids_are_canonical() {
        assert!(parse_uuid("6766163a-568d-47b4-a1fa-91a0957e06d4").is_some());
        assert!(!parse_uuid("6766163a568d47b4a1fa91a0957e06d4").is_some());
        assert!(!parse_uuid("6766163a-568d-47b4-a1fa-91a0957e06dz").is_some());
    }

    #[test]
    fn text_of_exactly_the_limit_is_accepted() {
        let o = obj(json!({"name": "abcde", "wide": "ééééé"}));
        assert_eq!(required_text(&o, "name", 5).unwrap(), "abcde");
        assert_eq!(required_text(&o, "wide", 5).unwrap(), "ééééé", "characters, not bytes");
        assert!(required_text(&o, "name", 4).is_err());
    }

    #[test]
    fn floats_from_9e15_up_are_not_trusted_as_whole_numbers() {
        // Near 2^53 a float no longer holds every whole number; written as an integer it is exact.
        let o = obj(json!({"float": 9e15, "below": 8.9e15, "integer": 9_000_000_000_000_000i64}));
        assert_eq!(
            optional_integer(&o, "float", 0, i64::MAX).unwrap_err().message,
            "must be a whole number"
        );
        assert_eq!(
            optional_integer(&o, "below", 0, i64::MAX).unwrap(),
            Some(8_900_000_000_000_000)
        );
        assert_eq!(
            optional_integer(&o, "integer", 0, i64::MAX).unwrap(),
            Some(9_000_000_000_000_000)
        );
    }
}

#[cfg(test)]
pub(crate) mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Any JSON value, a few levels deep, with numbers of every kind.
    pub(crate) fn json_value() -> impl Strategy<Value = Value> {
        let number = prop_oneof![
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            (-100_000i64..100_000).prop_map(Value::from),
        ];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            number,
            any::<String>().prop_map(Value::String),
            "[ a-z0-9*/,-]{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-z_]{0,8}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_bytes_are_an_object_or_a_body_error(body in prop::collection::vec(any::<u8>(), 0..200)) {
            match object(&body) {
                Ok(_) => prop_assert!(matches!(serde_json::from_slice(&body), Ok(Value::Object(_)))),
                Err(e) => prop_assert_eq!(e.field, "body"),
            }
        }

        #[test]
        fn any_json_value_round_trips_through_object(value in json_value()) {
            let body = serde_json::to_vec(&value).unwrap();
            match (&value, object(&body)) {
                // Keys only: serde_json may read a float back one unit in the last place off.
                (Value::Object(map), Ok(parsed)) => prop_assert!(parsed.keys().eq(map.keys())),
                (Value::Object(_), Err(e)) => prop_assert!(false, "{e:?}"),
                (_, parsed) => prop_assert!(parsed.is_err()),
            }
        }

        #[test]
        fn deep_nesting_is_an_error_not_a_stack_overflow(depth in 1usize..4_000, open in prop::sample::select(vec!['[', '{'])) {
            let body: String = std::iter::repeat_n(if open == '[' { "[" } else { "{\"a\":" }, depth).collect();
            prop_assert!(object(body.as_bytes()).is_err());
        }

        #[test]
        fn checked_fields_stay_within_their_bounds(
            value in json_value(),
            min in -1_000i64..1_000,
            width in 0i64..1_000_000,
            max_chars in 0usize..20,
        ) {
            let obj: Map<String, Value> = [("f".to_string(), value)].into_iter().collect();
            if let Ok(Some(v)) = optional_integer(&obj, "f", min, min + width) {
                prop_assert!((min..=min + width).contains(&v));
            }
            if let Ok(Some(s)) = optional_text(&obj, "f", max_chars) {
                prop_assert!(!s.is_empty() && s.chars().count() <= max_chars && s.trim() == s);
                prop_assert!(!s.chars().any(char::is_control));
            }
            let _ = optional_bool(&obj, "f");
            for result in [optional_integer(&obj, "f", min, min + width).map(|_| ()), optional_text(&obj, "f", max_chars).map(|_| ()), optional_bool(&obj, "f").map(|_| ())] {
                if let Err(e) = result {
                    prop_assert_eq!(e.field, "f");
                }
            }
        }

        #[test]
        fn any_text_is_or_is_not_a_uuid_or_webhook_url(text in any::<String>()) {
            if parse_uuid(&text).is_some() {
                prop_assert_eq!(text.len(), 36);
            }
            if is_webhook_url(&text) {
                prop_assert!(text.starts_with("http://") || text.starts_with("https://"));
            }
        }

        #[test]
        fn formatted_uuids_are_uuids(bytes in any::<[u8; 16]>()) {
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let uuid = format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]);
            prop_assert!(parse_uuid(&uuid).is_some());
            prop_assert!(!parse_uuid(&uuid.replace('-', "")).is_some());
        }

        #[test]
        fn webhook_urls_need_a_host(host in "[a-z0-9.-]{1,20}", path in "(/[a-z0-9?=&]{0,10}){0,3}") {
            let (https, http, ftp) = (format!("https://{host}{path}"), format!("http://{host}{path}"), format!("ftp://{host}{path}"));
            prop_assert!(is_webhook_url(&https) && is_webhook_url(&http) && !is_webhook_url(&ftp));
        }
    }
}
