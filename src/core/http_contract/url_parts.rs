//! The two things edgebeat needs from a request URL, without a full URL parser (whose
//! international-domain tables would be most of the worker's size): the origin, and the
//! query parameters, percent-decoded as `application/x-www-form-urlencoded`.

/// `scheme://host[:port]` of an absolute URL; empty if it has none.
pub fn origin(url: &str) -> &str {
    let Some(scheme_end) = url.find("://") else { return "" };
    let rest = &url[scheme_end + 3..];
    let host_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    &url[..scheme_end + 3 + host_len]
}

/// A URL as a read scope may see it: its scheme and host, never its path, query or
/// credentials, which often carry a secret (`https://hooks.example/T0/B0/xyz` ->
/// `https://hooks.example/…`).
pub fn masked_url(url: &str) -> String {
    let origin = origin(url);
    let Some(scheme_end) = origin.find("://") else {
        return "…".into();
    };
    let authority = &origin[scheme_end + 3..];
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let rest = &url[origin.len()..];
    let more = if rest.is_empty() || rest == "/" { "" } else { "/…" };
    format!("{}://{host}{more}", &origin[..scheme_end])
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `+` and `%XX`; malformed escapes stay as they are, invalid UTF-8 becomes U+FFFD.
pub fn form_decode(s: &str) -> String {
    decode(s, true)
}

/// Decodes `%XX` in a path segment, where `+` is itself; otherwise as `form_decode`.
pub fn path_decode(s: &str) -> String {
    decode(s, false)
}

fn decode(s: &str, plus_is_space: bool) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s.as_bytes();
    while let [b, tail @ ..] = rest {
        rest = tail;
        match (b, tail) {
            (b'+', _) if plus_is_space => out.push(b' '),
            (b'%', [h, l, after @ ..]) => match (hex(*h), hex(*l)) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    rest = after;
                }
                _ => out.push(b'%'),
            },
            _ => out.push(*b),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every `name=value` pair of the URL's query, in order.
pub fn query_pairs(url: &str) -> Vec<(String, String)> {
    let Some(start) = url.find('?') else { return Vec::new() };
    let query = &url[start + 1..];
    let query = &query[..query.find('#').unwrap_or(query.len())];
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(name), form_decode(value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_url_keeps_scheme_and_host_only() {
        assert_eq!(
            masked_url("https://hooks.example/T0/B0/xyz?token=1"),
            "https://hooks.example/…"
        );
        assert_eq!(
            masked_url("http://user:pw@127.0.0.1:8080/hook"),
            "http://127.0.0.1:8080/…"
        );
        assert_eq!(masked_url("https://a.example"), "https://a.example");
        assert_eq!(masked_url("https://a.example/"), "https://a.example");
        assert_eq!(masked_url("https://a.example?secret"), "https://a.example/…");
        assert_eq!(masked_url("not a url"), "…");
    }

    #[test]
    fn path_segments_decode_escapes_but_keep_plus() {
        assert_eq!(path_decode("a+b%20c%2Fd"), "a+b c/d");
        assert_eq!(path_decode("%zz%"), "%zz%");
        assert_eq!(form_decode("a+b%20c"), "a b c");
    }

    #[test]
    fn origins() {
        assert_eq!(
            origin("https://edgebeat.example.com/ping/x?y=1"),
            "https://edgebeat.example.com"
        );
        assert_eq!(origin("http://127.0.0.1:8787"), "http://127.0.0.1:8787");
        assert_eq!(origin("http://127.0.0.1:8787?x"), "http://127.0.0.1:8787");
        assert_eq!(origin("/relative"), "");
    }

    #[test]
    fn query_pairs_decode_like_forms() {
        let pairs = query_pairs("https://h/p?result=tick&message=Tick%20event+sent&empty=&flag&id=1&id=2#frag");
        assert_eq!(
            pairs,
            [
                ("result", "tick"),
                ("message", "Tick event sent"),
                ("empty", ""),
                ("flag", ""),
                ("id", "1"),
                ("id", "2")
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
    }

    #[test]
    fn malformed_escapes_survive() {
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%zz%4"), "%zz%4");
        assert_eq!(form_decode("%C3%A9t%C3%A9"), "été");
        assert_eq!(form_decode("%FF"), "\u{FFFD}");
        assert_eq!(form_decode("2026-03-27T09%3A57%3A54Z"), "2026-03-27T09:57:54Z");
    }

    #[test]
    fn origin_trusts_the_first_scheme_separator_even_in_a_relative_url() {
        assert_eq!(origin("/ping/x"), "");
        // Not an absolute URL, yet "://" in its query makes one up; the runtime only ever
        // hands absolute URLs in, where the first "://" ends the scheme.
        assert_eq!(origin("/p?next=https://h/x"), "/p?next=https://h");
    }

    #[test]
    fn no_query_no_pairs() {
        assert!(query_pairs("https://h/p").is_empty());
        assert!(query_pairs("https://h/p?").is_empty());
    }

    #[test]
    fn lower_case_escapes_decode_like_upper_case_ones() {
        assert_eq!(form_decode("%c3%a9t%C3%A9"), "été");
        assert_eq!(form_decode("%2f%2F%3a%7e%7E"), "//:~~");
        assert_eq!(form_decode("%fa%FA"), form_decode("%FA%fa"));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Every byte as `%XX`, so decoding must give the text back exactly.
    fn percent_encode_all(s: &str) -> String {
        s.bytes().map(|b| format!("%{b:02X}")).collect()
    }

    /// URL-ish text: schemes, hosts, paths, queries and fragments, with stray escapes.
    fn url_like() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "([a-z]{1,5}://)?[a-zé0-9.:]{0,12}(/[a-zé%0-9+]{0,6}){0,3}(\\?([a-z%0-9+=&é]{0,8}){0,4})?(#[a-z?&=]{0,5})?",
        ]
    }

    proptest! {
        #[test]
        fn the_origin_is_a_prefix_of_the_url(url in url_like()) {
            let o = origin(&url);
            prop_assert!(url.starts_with(o));
            prop_assert!(o.is_empty() || o.contains("://"));
            // For a URL that starts with a scheme, as the runtime's always do, the origin stops
            // at the host. (A relative URL with "://" later on gets a longer one: see
            // docs/reliability-core.md.)
            let scheme_len = url.find("://").unwrap_or(0);
            let has_scheme = scheme_len > 0
                && url[..scheme_len].bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
            if has_scheme {
                prop_assert!(!o.contains(['?', '#']) && !o[scheme_len + 3..].contains('/'));
            }
        }

        #[test]
        fn an_origin_is_scheme_and_host(
            scheme in "[a-z][a-z0-9+.-]{0,8}",
            host in "[a-zA-Z0-9.:\\[\\]é-]{0,20}",
            rest in prop::option::of("[/?#][^ ]{0,20}"),
        ) {
            let url = format!("{scheme}://{host}{}", rest.unwrap_or_default());
            prop_assert_eq!(origin(&url), format!("{scheme}://{host}"));
        }

        #[test]
        fn decoding_any_text_does_not_panic(text in any::<String>()) {
            let decoded = form_decode(&text);
            // Only escapes shrink the text; a plus stays one byte.
            prop_assert!(decoded.chars().count() <= text.chars().count());
        }

        #[test]
        fn text_without_escapes_decodes_to_itself(text in "[^%+]*") {
            prop_assert_eq!(form_decode(&text), text);
        }

        #[test]
        fn percent_encoded_text_decodes_to_itself(text in any::<String>()) {
            prop_assert_eq!(form_decode(&percent_encode_all(&text)), text);
        }

        #[test]
        fn query_pairs_of_any_url_do_not_panic(url in url_like()) {
            for (name, value) in query_pairs(&url) {
                prop_assert!(!name.is_empty() || !value.is_empty() || url.contains('='));
            }
        }

        #[test]
        fn encoded_pairs_come_back_in_order(
            pairs in prop::collection::vec((any::<String>(), any::<String>()), 0..6),
            fragment in prop::option::of("[^ ]{0,10}"),
        ) {
            let query: Vec<String> = pairs
                .iter()
                .map(|(n, v)| format!("{}={}", percent_encode_all(n), percent_encode_all(v)))
                .collect();
            let url = format!("https://h.example/p?{}{}", query.join("&"), fragment.map(|f| format!("#{f}")).unwrap_or_default());
            prop_assert_eq!(query_pairs(&url), pairs);
        }
    }
}
