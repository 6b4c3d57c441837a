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

/// A canonical lower-case hyphenated UUID.
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        assert!(is_uuid("6766163a-568d-47b4-a1fa-91a0957e06d4"));
        assert!(!is_uuid("6766163a568d47b4a1fa91a0957e06d4"));
        assert!(!is_uuid("6766163a-568d-47b4-a1fa-91a0957e06dz"));
    }
}
