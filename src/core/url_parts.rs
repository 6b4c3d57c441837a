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
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
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
    fn no_query_no_pairs() {
        assert!(query_pairs("https://h/p").is_empty());
        assert!(query_pairs("https://h/p?").is_empty());
    }
}
