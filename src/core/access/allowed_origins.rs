//! The web origins a `browser` key may send events from.
//!
//! Why: a browser key sits in a page anyone can read; limiting it to the site's own origins
//! keeps another site from spending the project's quota with it (the browser, not the
//! page, sets the `Origin` header of a cross-site request).

use serde_json::Value;

use crate::core::http_contract::validation::{Checked, FieldError};

/// At most this many origins per key.
pub const MAX_ALLOWED_ORIGINS: usize = 20;
const MAX_ORIGIN_CHARS: usize = 253 + "https://".len() + ":65535".len();

/// `allowed_origins` of a key-creation request: a list of `http(s)://host[:port]`, stored
/// lower-case without a trailing slash, duplicates dropped. An empty list is refused (it
/// would make a key nothing can use); omit the field for a key usable from any origin.
pub fn parse_allowed_origins(raw: &Value) -> Checked<Vec<String>> {
    let invalid = || {
        FieldError::new(
            "allowed_origins",
            format!("must be a list of 1 to {MAX_ALLOWED_ORIGINS} origins like https://example.com"),
        )
    };
    let list = raw
        .as_array()
        .filter(|l| (1..=MAX_ALLOWED_ORIGINS).contains(&l.len()))
        .ok_or_else(invalid)?;
    let mut origins: Vec<String> = Vec::new();
    for item in list {
        let origin = item.as_str().and_then(normalize_origin).ok_or_else(invalid)?;
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    Ok(origins)
}

/// `scheme://host[:port]` as a browser sends it in `Origin`, lower-cased; `None` for
/// anything with a path, query, credentials or another scheme.
pub fn normalize_origin(text: &str) -> Option<String> {
    let text = text.trim().trim_end_matches('/');
    let lower = text.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let (host, port) = match rest.find(']') {
        // An IPv6 literal: `[...]`, then maybe `:port`.
        Some(end) => {
            let (host, after) = rest.split_at(end + 1);
            if !host.starts_with('[') {
                return None;
            }
            (
                host,
                (!after.is_empty())
                    .then(|| after.strip_prefix(':'))
                    .map(|p| p.unwrap_or("x")),
            )
        }
        None => match rest.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        },
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':'));
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    (host_ok && port_ok && lower.len() <= MAX_ORIGIN_CHARS).then_some(lower)
}

/// Whether a request with this `Origin` header may use a key limited to `allowed` (`None`:
/// any origin, also none). A limited key needs an Origin header that is on its list.
pub fn origin_allowed(allowed: Option<&[String]>, origin: Option<&str>) -> bool {
    match allowed {
        None => true,
        Some(list) => origin.and_then(normalize_origin).is_some_and(|o| list.contains(&o)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn origins_are_lower_cased_and_lose_a_trailing_slash() {
        assert_eq!(
            parse_allowed_origins(&json!([
                "https://Example.com/",
                "http://localhost:8080",
                "https://example.com"
            ]))
            .unwrap(),
            vec!["https://example.com", "http://localhost:8080"]
        );
    }

    #[test]
    fn paths_queries_other_schemes_and_credentials_are_refused() {
        for bad in [
            "https://example.com/app",
            "https://example.com?x=1",
            "ftp://example.com",
            "example.com",
            "https://user@example.com",
            "https://",
            "https://example.com:",
            "https://example.com:123456",
            "null",
        ] {
            assert_eq!(normalize_origin(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_empty_or_long_list_or_a_non_string_is_refused() {
        assert!(parse_allowed_origins(&json!([])).is_err());
        assert!(parse_allowed_origins(&json!("https://a.com")).is_err());
        assert!(parse_allowed_origins(&json!([1])).is_err());
        let many: Vec<String> = (0..21).map(|i| format!("https://a{i}.com")).collect();
        assert_eq!(
            parse_allowed_origins(&json!(many)).unwrap_err().field,
            "allowed_origins"
        );
    }

    #[test]
    fn a_key_without_a_list_is_usable_from_anywhere() {
        assert!(origin_allowed(None, None));
        assert!(origin_allowed(None, Some("https://evil.example")));
    }

    #[test]
    fn a_limited_key_needs_a_listed_origin() {
        let list = vec!["https://shop.example".to_string()];
        assert!(origin_allowed(Some(&list), Some("https://shop.example")));
        assert!(origin_allowed(Some(&list), Some("HTTPS://SHOP.EXAMPLE")));
        assert!(!origin_allowed(Some(&list), Some("https://evil.example")));
        assert!(!origin_allowed(Some(&list), Some("http://shop.example")));
        assert!(!origin_allowed(Some(&list), Some("null")));
        assert!(!origin_allowed(Some(&list), None));
    }

    #[test]
    fn an_origin_of_a_253_character_host_and_the_longest_port_is_accepted() {
        let longest = format!("https://{}:65535", "a".repeat(253));
        assert_eq!(longest.len(), 267);
        assert_eq!(normalize_origin(&longest).as_deref(), Some(longest.as_str()));
    }

    #[test]
    fn an_origin_one_character_longer_is_refused() {
        let too_long = format!("https://{}:65535", "a".repeat(254));
        assert_eq!(normalize_origin(&too_long), None);
        let too_long_without_port = format!("https://{}", "a".repeat(260));
        assert_eq!(too_long_without_port.len(), 268);
        assert_eq!(normalize_origin(&too_long_without_port), None);
    }

    #[test]
    fn ports_and_ipv6_hosts_are_origins() {
        assert_eq!(
            normalize_origin("http://[::1]:8080").as_deref(),
            Some("http://[::1]:8080")
        );
        assert_eq!(normalize_origin("http://[::1]").as_deref(), Some("http://[::1]"));
        assert_eq!(normalize_origin("http://[::1]x"), None);
        assert_eq!(
            normalize_origin("http://127.0.0.1:3000").as_deref(),
            Some("http://127.0.0.1:3000")
        );
    }
}
