//! The request a channel makes and how its answer is read: delivered, tried again (when,
//! and why), or a permanent failure that marks the channel `failing` until a test succeeds.

/// The HTTP method of an outbound request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "GET" => Some(Method::Get),
            "POST" => Some(Method::Post),
            "PUT" => Some(Method::Put),
            _ => None,
        }
    }
}

/// One request exactly as it goes out. Its URL is checked against the outbound rules
/// (`outbound_url`) again before it is sent, whatever the kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outbound {
    pub method: Method,
    pub url: String,
    /// Names as the service documents them; `content-type` among them when there is a body.
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl Outbound {
    /// A JSON POST.
    pub fn json(url: String, body: &serde_json::Value) -> Self {
        Outbound {
            method: Method::Post,
            url,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Some(body.to_string()),
        }
    }

    /// A form POST (`application/x-www-form-urlencoded`), fields in order.
    pub fn form(url: String, fields: &[(&str, String)]) -> Self {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        Outbound {
            method: Method::Post,
            url,
            headers: vec![("content-type".into(), "application/x-www-form-urlencoded".into())],
            body: Some(body),
        }
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn with_method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    /// The value of header `name` (case-insensitive), if set.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// `application/x-www-form-urlencoded` encoding of one name or value.
pub fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A delivery's key for services that drop what they have seen (Matrix's transaction id, an
/// email's Message-ID): `{delivery id}-{16 hex of SHA-256(frozen payload)}`. The id alone could
/// repeat across deploys (each D1 counts its own); the payload is frozen when the delivery is
/// queued, so every retry of one alert has the same key and another alert never does.
pub fn delivery_key(delivery_id: i64, payload: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest: String = Sha256::digest(payload.as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{delivery_id}-{digest}")
}

/// What the service answered (the body cut to its first few KB by the edge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// The `Retry-After` header as sent.
    pub retry_after: Option<String>,
    pub body: String,
}

/// What an answer means for the delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Delivered,
    /// Try again after the usual backoff, or not before `after_ms` from now when the
    /// service said so (Retry-After, Telegram's `retry_after`).
    Retry {
        error: String,
        after_ms: Option<i64>,
    },
    /// Retrying cannot help (a revoked token, a deleted channel or chat): the delivery fails
    /// now and the channel is marked `failing` with this reason.
    Permanent {
        reason: String,
    },
}

/// The longest wait a service may ask for: longer is treated as this.
pub const MAX_RETRY_AFTER_MS: i64 = 3_600_000;

/// `Retry-After` in seconds (the only form these services send), capped at an hour.
pub fn retry_after_ms(header: Option<&str>) -> Option<i64> {
    let seconds: i64 = header?.trim().parse().ok()?;
    (seconds >= 0).then(|| seconds.saturating_mul(1_000).min(MAX_RETRY_AFTER_MS))
}

/// The rule every kind starts from: 2xx delivered; 401, 403, 404 and 410 permanent (the
/// credential or the target is gone); 429 retried after `Retry-After`; a redirect is never
/// followed (it could lead to an internal address) and counts as a failed attempt; anything
/// else is retried with backoff.
pub fn common_verdict(answer: &Answer) -> Verdict {
    match answer.status {
        200..=299 => Verdict::Delivered,
        401 => Verdict::Permanent {
            reason: "HTTP 401: the credential was refused".into(),
        },
        403 => Verdict::Permanent {
            reason: "HTTP 403: the credential may not post here".into(),
        },
        404 => Verdict::Permanent {
            reason: "HTTP 404: the target does not exist".into(),
        },
        410 => Verdict::Permanent {
            reason: "HTTP 410: the target was removed".into(),
        },
        429 => Verdict::Retry {
            error: "HTTP 429: rate limited".into(),
            after_ms: retry_after_ms(answer.retry_after.as_deref()),
        },
        status @ 300..=399 => Verdict::Retry {
            error: format!("redirect refused ({status})"),
            after_ms: None,
        },
        status => Verdict::Retry {
            error: format!("HTTP {status}"),
            after_ms: None,
        },
    }
}

/// A service's own short error word (Slack's `invalid_token`), safe to show: at most 64
/// characters of `[a-z0-9_.-]`, or nothing.
pub fn error_word(body: &str) -> Option<&str> {
    let word = body.trim();
    (!word.is_empty()
        && word.len() <= 64
        && word
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')))
    .then_some(word)
}

/// A service's error sentence (Telegram's `description`), safe to show: one line, control
/// characters dropped, at most 200 characters.
pub fn error_sentence(text: &str) -> String {
    let clean: String = text.chars().filter(|c| !c.is_control()).collect();
    crate::core::alerting::markup::one_line(clean.trim(), 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, retry_after: Option<&str>) -> Answer {
        Answer {
            status,
            retry_after: retry_after.map(str::to_string),
            body: String::new(),
        }
    }

    #[test]
    fn the_common_rule_reads_each_class_of_status() {
        assert_eq!(common_verdict(&answer(200, None)), Verdict::Delivered);
        assert_eq!(common_verdict(&answer(204, None)), Verdict::Delivered);
        assert!(matches!(common_verdict(&answer(401, None)), Verdict::Permanent { .. }));
        assert!(matches!(common_verdict(&answer(403, None)), Verdict::Permanent { .. }));
        assert!(matches!(common_verdict(&answer(404, None)), Verdict::Permanent { .. }));
        assert!(matches!(common_verdict(&answer(410, None)), Verdict::Permanent { .. }));
        assert_eq!(
            common_verdict(&answer(429, Some("7"))),
            Verdict::Retry {
                error: "HTTP 429: rate limited".into(),
                after_ms: Some(7_000)
            }
        );
        assert_eq!(
            common_verdict(&answer(302, None)),
            Verdict::Retry {
                error: "redirect refused (302)".into(),
                after_ms: None
            }
        );
        assert_eq!(
            common_verdict(&answer(500, None)),
            Verdict::Retry {
                error: "HTTP 500".into(),
                after_ms: None
            }
        );
        assert_eq!(
            common_verdict(&answer(400, None)),
            Verdict::Retry {
                error: "HTTP 400".into(),
                after_ms: None
            }
        );
    }

    #[test]
    fn a_delivery_key_is_stable_for_a_payload_and_differs_for_another() {
        let key = delivery_key(7, "{\"a\":1}");
        assert_eq!(key, delivery_key(7, "{\"a\":1}"));
        assert_ne!(key, delivery_key(7, "{\"a\":2}"));
        assert_ne!(key, delivery_key(8, "{\"a\":1}"));
        assert!(key.starts_with("7-") && key.len() == 2 + 16, "{key}");
        assert!(key[2..].bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn methods_read_back_what_they_write_and_nothing_else() {
        for m in [Method::Get, Method::Post, Method::Put] {
            assert_eq!(Method::parse(m.as_str()), Some(m));
        }
        assert_eq!(Method::parse("post"), None);
        assert_eq!(Method::parse("DELETE"), None);
    }

    #[test]
    fn retry_after_is_seconds_capped_at_an_hour() {
        assert_eq!(retry_after_ms(Some("0")), Some(0));
        assert_eq!(retry_after_ms(Some(" 30 ")), Some(30_000));
        assert_eq!(retry_after_ms(Some("999999999")), Some(MAX_RETRY_AFTER_MS));
        assert_eq!(retry_after_ms(Some("-1")), None);
        assert_eq!(retry_after_ms(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
        assert_eq!(retry_after_ms(None), None);
    }

    #[test]
    fn error_words_and_sentences_are_safe_to_show() {
        assert_eq!(error_word("invalid_token\n"), Some("invalid_token"));
        assert_eq!(error_word("<html>"), None);
        assert_eq!(error_word(""), None);
        assert_eq!(error_word(&"a".repeat(65)), None);
        assert_eq!(
            error_sentence("Bad Request: chat not found\u{1b}[31m"),
            "Bad Request: chat not found[31m"
        );
        assert_eq!(error_sentence(&"x".repeat(300)).chars().count(), 200);
    }

    #[test]
    fn forms_encode_as_browsers_do() {
        let o = Outbound::form("https://e/x".into(), &[("a b", "c&d=é".into()), ("t", "~*".into())]);
        assert_eq!(o.body.as_deref(), Some("a+b=c%26d%3D%C3%A9&t=%7E*"));
        assert_eq!(o.header("Content-Type"), Some("application/x-www-form-urlencoded"));
    }
}
