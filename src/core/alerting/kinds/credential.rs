//! Credentials a kind sends in a header, a form or a JSON body. A pasted token is one word of
//! visible ASCII, so nothing in it can break a header line or read as a second value; the
//! services that issue keys of one fixed shape (Pushover's 30, PagerDuty's 32 characters)
//! have it checked at creation, where a typo is cheap to fix, not at the first alert.

use serde_json::{Map, Value};

use super::fields::required_line;
use crate::core::http_contract::validation::{Checked, FieldError};

/// A required credential: at most `max` characters of visible ASCII, no white space inside.
pub fn credential(body: &Map<String, Value>, field: &str, max: usize) -> Checked<String> {
    let s = required_line(body, field, max)?;
    if s.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(s)
    } else {
        Err(FieldError::new(field, "must be printable ASCII without spaces"))
    }
}

/// An optional credential, checked as `credential` when present.
pub fn optional_credential(body: &Map<String, Value>, field: &str, max: usize) -> Checked<Option<String>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => credential(body, field, max).map(Some),
    }
}

/// A key of exactly `len` ASCII letters and digits, the shape the service issues.
pub fn fixed_key(body: &Map<String, Value>, field: &str, len: usize) -> Checked<String> {
    let s = required_line(body, field, len)?;
    if s.len() == len && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(s)
    } else {
        Err(FieldError::new(
            field,
            format!("must be the {len} letters and digits the service issued"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn a_credential_is_one_word_of_visible_ascii() {
        assert_eq!(credential(&body(json!({"k": " tk_abc "})), "k", 10).unwrap(), "tk_abc");
        assert_eq!(credential(&body(json!({"k": "a b"})), "k", 10).unwrap_err().field, "k");
        assert_eq!(credential(&body(json!({"k": "clé"})), "k", 10).unwrap_err().field, "k");
        assert_eq!(credential(&body(json!({"k": "a\nb"})), "k", 10).unwrap_err().field, "k");
        assert_eq!(credential(&body(json!({"k": 5})), "k", 10).unwrap_err().field, "k");
        assert_eq!(credential(&body(json!({})), "k", 10).unwrap_err().field, "k");
        assert_eq!(credential(&body(json!({"k": "abc"})), "k", 2).unwrap_err().field, "k");
    }

    #[test]
    fn an_optional_credential_may_be_absent_or_null() {
        assert_eq!(optional_credential(&body(json!({})), "k", 10), Ok(None));
        assert_eq!(optional_credential(&body(json!({"k": null})), "k", 10), Ok(None));
        assert_eq!(
            optional_credential(&body(json!({"k": "x"})), "k", 10),
            Ok(Some("x".into()))
        );
        assert!(optional_credential(&body(json!({"k": "a b"})), "k", 10).is_err());
    }

    #[test]
    fn a_fixed_key_has_exactly_its_length_of_letters_and_digits() {
        let ok = "a".repeat(29) + "Z";
        assert_eq!(fixed_key(&body(json!({"k": ok})), "k", 30).unwrap(), ok);
        for bad in [
            "a".repeat(29),
            "a".repeat(31),
            "a".repeat(29) + "-",
            "a".repeat(29) + "é",
        ] {
            assert_eq!(
                fixed_key(&body(json!({"k": bad})), "k", 30).unwrap_err().field,
                "k",
                "{bad}"
            );
        }
    }
}
