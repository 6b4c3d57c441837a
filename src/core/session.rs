//! Dashboard sessions: a `manage` or `read` key exchanged for a signed cookie.
//!
//! The cookie carries `<key id>.<project id>.<scope>.<expires at ms>.<signature>`, where the
//! signature is the HMAC-SHA256 of everything before it under the deploy secret
//! `SESSION_SECRET`, in unpadded base64url. The API key itself is never in it: the edge looks
//! the key id up on every request, so revoking the key ends its sessions at once.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::credentials::constant_time_eq;
use super::scope::Scope;
use super::signature::hmac_sha256;

pub const SESSION_COOKIE: &str = "eb_session";
/// How long a session lasts: one working day.
pub const SESSION_TTL_MS: i64 = 12 * 3600 * 1000;
/// Writes authenticated by the cookie need this header: a cross-site form cannot send it.
pub const CSRF_HEADER: &str = "X-Edgebeat-CSRF";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub key_id: String,
    pub project_id: String,
    pub scope: Scope,
    pub expires_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionError {
    /// Not five dot-separated parts of the expected shapes.
    Malformed,
    /// Signed under another secret, or changed after signing.
    BadSignature,
    Expired,
}

/// Only keys that may use the management API open a dashboard session.
pub fn may_open_session(scope: Scope) -> bool {
    scope.can_read()
}

impl Session {
    pub fn starting(key_id: &str, project_id: &str, scope: Scope, now: i64) -> Session {
        Session {
            key_id: key_id.into(),
            project_id: project_id.into(),
            scope,
            expires_at: now + SESSION_TTL_MS,
        }
    }

    fn payload(&self) -> String {
        format!(
            "{}.{}.{}.{}",
            self.key_id,
            self.project_id,
            self.scope.as_str(),
            self.expires_at
        )
    }

    /// The cookie value: the payload and its signature under `secret`.
    pub fn sign(&self, secret: &[u8]) -> String {
        let payload = self.payload();
        let mac = hmac_sha256(secret, payload.as_bytes());
        format!("{payload}.{}", URL_SAFE_NO_PAD.encode(mac))
    }
}

/// A part of the payload: non-empty, and only characters ids use (never the separator).
fn is_id_part(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The session a cookie value carries, when `secret` signed it and it has not expired.
/// The signature is checked before anything in the payload is believed.
pub fn verify(value: &str, secret: &[u8], now: i64) -> Result<Session, SessionError> {
    let (payload, signature) = value.rsplit_once('.').ok_or(SessionError::Malformed)?;
    let presented = URL_SAFE_NO_PAD.decode(signature).map_err(|_| SessionError::Malformed)?;
    if secret.is_empty() || !constant_time_eq(&hmac_sha256(secret, payload.as_bytes()), &presented) {
        return Err(SessionError::BadSignature);
    }
    let parts: Vec<&str> = payload.split('.').collect();
    let [key_id, project_id, scope, expires_at] = parts[..] else {
        return Err(SessionError::Malformed);
    };
    let scope = Scope::parse(scope).filter(|s| may_open_session(*s));
    let expires_at = expires_at
        .parse::<i64>()
        .ok()
        .filter(|_| expires_at.bytes().all(|b| b.is_ascii_digit()));
    let (Some(scope), Some(expires_at)) = (scope, expires_at) else {
        return Err(SessionError::Malformed);
    };
    if !is_id_part(key_id) || !is_id_part(project_id) {
        return Err(SessionError::Malformed);
    }
    if now >= expires_at {
        return Err(SessionError::Expired);
    }
    Ok(Session {
        key_id: key_id.into(),
        project_id: project_id.into(),
        scope,
        expires_at,
    })
}

/// The value of the session cookie in a `Cookie` request header, if there is one.
pub fn session_cookie(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().trim_matches('"'))
        .filter(|value| !value.is_empty())
}

/// The `Set-Cookie` value that stores a session: HttpOnly, SameSite=Strict, and Secure when
/// the dashboard is served over HTTPS (a browser drops Secure cookies on plain http).
pub fn set_cookie(value: &str, secure: bool) -> String {
    cookie(value, SESSION_TTL_MS / 1000, secure)
}

/// The `Set-Cookie` value that makes the browser forget its session.
pub fn clear_cookie(secure: bool) -> String {
    cookie("", 0, secure)
}

fn cookie(value: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}")
}

/// Whether a request authenticated by the cookie must carry the CSRF header: every method
/// that may change something.
pub fn write_needs_csrf_header(method: &str) -> bool {
    !matches!(method, "GET" | "HEAD")
}

/// The CSRF header's only accepted value.
pub fn csrf_header_ok(value: Option<&str>) -> bool {
    value.map(str::trim) == Some("1")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"session-secret";
    const NOW: i64 = 1_764_000_000_000;

    fn session() -> Session {
        Session::starting(
            "AbCdEfGh1234",
            "0b7e2d1c-3f4a-4b5c-8d9e-0f1a2b3c4d5e",
            Scope::Manage,
            NOW,
        )
    }

    #[test]
    fn a_signed_session_verifies_and_lasts_twelve_hours() {
        let s = session();
        assert_eq!(s.expires_at - NOW, 12 * 3600 * 1000);
        assert_eq!(verify(&s.sign(SECRET), SECRET, NOW), Ok(s.clone()));
        assert_eq!(verify(&s.sign(SECRET), SECRET, s.expires_at - 1), Ok(s));
    }

    #[test]
    fn the_cookie_carries_no_secret_and_only_cookie_safe_characters() {
        let value = session().sign(SECRET);
        assert!(!value.contains("session-secret"));
        assert!(value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)));
    }

    #[test]
    fn a_tampered_payload_is_refused() {
        let value = session().sign(SECRET);
        let read = value.replacen(".manage.", ".read.", 1);
        assert_eq!(verify(&read, SECRET, NOW), Err(SessionError::BadSignature));
        let other_project = value.replacen("0b7e", "1b7e", 1);
        assert_eq!(verify(&other_project, SECRET, NOW), Err(SessionError::BadSignature));
        let (payload, _) = value.rsplit_once('.').unwrap();
        let longer = value.replacen(payload, &format!("{}9", payload), 1);
        assert_eq!(verify(&longer, SECRET, NOW), Err(SessionError::BadSignature));
    }

    #[test]
    fn a_tampered_signature_is_refused() {
        let mut value = session().sign(SECRET);
        let last = value.pop().unwrap();
        value.push(if last == 'A' { 'B' } else { 'A' });
        assert!(verify(&value, SECRET, NOW).is_err());
    }

    #[test]
    fn another_secret_or_an_empty_one_is_refused() {
        let value = session().sign(SECRET);
        assert_eq!(verify(&value, b"other", NOW), Err(SessionError::BadSignature));
        assert_eq!(verify(&session().sign(b""), b"", NOW), Err(SessionError::BadSignature));
    }

    #[test]
    fn an_expired_session_is_refused() {
        let s = session();
        assert_eq!(
            verify(&s.sign(SECRET), SECRET, s.expires_at),
            Err(SessionError::Expired)
        );
        assert_eq!(
            verify(&s.sign(SECRET), SECRET, s.expires_at + 1),
            Err(SessionError::Expired)
        );
    }

    /// A payload signed correctly but shaped wrongly (as a leaked secret could make) is still refused.
    fn signed(payload: &str) -> String {
        format!(
            "{payload}.{}",
            URL_SAFE_NO_PAD.encode(hmac_sha256(SECRET, payload.as_bytes()))
        )
    }

    #[test]
    fn malformed_values_are_refused() {
        for bad in ["", ".", "abc", "a.b.c.d.e", "a.b.manage.1.!!!"] {
            assert!(verify(bad, SECRET, NOW).is_err(), "{bad:?}");
        }
        for payload in [
            "k.p.manage",
            "k.p.manage.99999999999999.x",
            "k.p.ingest.99999999999999",
            "k.p.browser.99999999999999",
            "k.p.admin.99999999999999",
            "k.p.manage.+99999999999999",
            "k.p.manage.-1",
            "k.p.manage.lots",
            ".p.manage.99999999999999",
            "k..manage.99999999999999",
            "k/x.p.manage.99999999999999",
        ] {
            assert_eq!(
                verify(&signed(payload), SECRET, NOW),
                Err(SessionError::Malformed),
                "{payload}"
            );
        }
        assert!(verify(&signed("k.p.read.99999999999999"), SECRET, NOW).is_ok());
    }

    #[test]
    fn only_manage_and_read_keys_open_sessions() {
        assert!(may_open_session(Scope::Manage) && may_open_session(Scope::Read));
        assert!(!may_open_session(Scope::Ingest) && !may_open_session(Scope::Browser));
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        assert_eq!(session_cookie("a=1; eb_session=abc.def; b=2"), Some("abc.def"));
        assert_eq!(session_cookie("eb_session=\"q\""), Some("q"));
        assert_eq!(session_cookie("xeb_session=abc"), None);
        assert_eq!(session_cookie("eb_session="), None);
        assert_eq!(session_cookie(""), None);
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_over_https() {
        assert_eq!(
            set_cookie("v", false),
            "eb_session=v; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200"
        );
        assert_eq!(
            set_cookie("v", true),
            "eb_session=v; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200; Secure"
        );
        assert_eq!(
            clear_cookie(true),
            "eb_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure"
        );
    }

    #[test]
    fn only_reads_go_without_the_csrf_header() {
        assert!(!write_needs_csrf_header("GET") && !write_needs_csrf_header("HEAD"));
        for m in ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND", "get"] {
            assert!(write_needs_csrf_header(m), "{m}");
        }
        assert!(csrf_header_ok(Some("1")) && csrf_header_ok(Some(" 1 ")));
        assert!(!csrf_header_ok(None) && !csrf_header_ok(Some("0")) && !csrf_header_ok(Some("")));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_cookie_value_is_verified_or_refused_without_panicking(value in any::<String>(), now in any::<i64>()) {
            let _ = verify(&value, b"secret", now);
            let _ = session_cookie(&value);
        }

        #[test]
        fn every_issued_session_round_trips(key in "[A-Za-z0-9]{12}", project in "[a-f0-9-]{36}", read in any::<bool>(), now in 0i64..4_000_000_000_000) {
            let scope = if read { Scope::Read } else { Scope::Manage };
            let s = Session::starting(&key, &project, scope, now);
            prop_assert_eq!(verify(&s.sign(b"k"), b"k", now), Ok(s));
        }
    }
}
