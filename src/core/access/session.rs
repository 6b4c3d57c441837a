//! Dashboard sessions: a `manage` or `read` key exchanged for a signed cookie.
//!
//! The cookie carries `<key id>.<project id>.<scope>.<epoch>.<expires at ms>.<signature>`,
//! where the signature is the HMAC-SHA256 of everything before it under the deploy secret
//! `SESSION_SECRET`, in unpadded base64url. The API key itself is never in it: the edge looks
//! the key id up on every request, so revoking the key ends its sessions at once, and so does
//! signing out, which raises the key's session epoch past the one the cookie carries.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::core::access::credentials::constant_time_eq;
use crate::core::access::scope::Scope;
use crate::core::alerting::signature::hmac_sha256;

/// The cookie's name over plain http (a local `npm start`).
pub const SESSION_COOKIE: &str = "eb_session";
/// The cookie's name over https: a browser keeps a `__Host-` cookie only when it is Secure,
/// has Path=/ and no Domain, so a sibling subdomain cannot plant or shadow one.
pub const SECURE_SESSION_COOKIE: &str = "__Host-eb_session";
/// How long a session lasts: one working day.
pub const SESSION_TTL_MS: i64 = 12 * 3600 * 1000;
/// Writes authenticated by the cookie need this header: a cross-site form cannot send it.
pub const CSRF_HEADER: &str = "X-Edgebeat-CSRF";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub key_id: String,
    pub project_id: String,
    pub scope: Scope,
    /// The key's session epoch when the session opened; signing out raises the key's.
    pub epoch: i64,
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
    pub fn starting(key_id: &str, project_id: &str, scope: Scope, epoch: i64, now: i64) -> Session {
        Session {
            key_id: key_id.into(),
            project_id: project_id.into(),
            scope,
            epoch,
            expires_at: now + SESSION_TTL_MS,
        }
    }

    /// Whether the key has not been signed out of since this session opened: sign-out raises
    /// the key's epoch, which ends every session opened before, copies of the cookie included.
    pub fn current_for(&self, key_epoch: i64) -> bool {
        self.epoch == key_epoch
    }

    fn payload(&self) -> String {
        format!(
            "{}.{}.{}.{}.{}",
            self.key_id,
            self.project_id,
            self.scope.as_str(),
            self.epoch,
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
    let [key_id, project_id, scope, epoch, expires_at] = parts[..] else {
        return Err(SessionError::Malformed);
    };
    let scope = Scope::parse(scope).filter(|s| may_open_session(*s));
    let (Some(scope), Some(epoch), Some(expires_at)) = (scope, digits(epoch), digits(expires_at)) else {
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
        epoch,
        expires_at,
    })
}

/// A non-negative number written in ASCII digits only (no sign, no spaces).
fn digits(s: &str) -> Option<i64> {
    s.parse::<i64>().ok().filter(|_| s.bytes().all(|b| b.is_ascii_digit()))
}

/// The session cookie's name: `__Host-eb_session` over https, `eb_session` over plain http.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// The value of the session cookie in a `Cookie` request header, if there is one. Only the
/// name for the request's scheme counts: over https an unprefixed cookie could have been set
/// by a sibling subdomain.
pub fn session_cookie(header: &str, secure: bool) -> Option<&str> {
    let wanted = cookie_name(secure);
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value.trim().trim_matches('"'))
        .filter(|value| !value.is_empty())
}

/// The `Set-Cookie` value that stores a session: HttpOnly, SameSite=Strict, and over HTTPS
/// Secure and `__Host-` named (a browser drops Secure cookies on plain http).
pub fn set_cookie(value: &str, secure: bool) -> String {
    cookie(value, SESSION_TTL_MS / 1000, secure)
}

/// The `Set-Cookie` value that makes the browser forget its session.
pub fn clear_cookie(secure: bool) -> String {
    cookie("", 0, secure)
}

fn cookie(value: &str, max_age: i64, secure: bool) -> String {
    let name = cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}")
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
            3,
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
    fn the_cookie_carries_the_keys_epoch() {
        let s = session();
        assert!(s.sign(SECRET).contains(".manage.3."));
        assert_eq!(verify(&s.sign(SECRET), SECRET, NOW).map(|s| s.epoch), Ok(3));
    }

    #[test]
    fn a_session_is_current_only_at_the_epoch_it_opened_at() {
        let s = session();
        assert!(s.current_for(3));
        assert!(!s.current_for(4), "signed out since");
        assert!(!s.current_for(2), "an epoch the key never had");
    }

    #[test]
    fn a_tampered_payload_is_refused() {
        let value = session().sign(SECRET);
        let read = value.replacen(".manage.", ".read.", 1);
        assert_eq!(verify(&read, SECRET, NOW), Err(SessionError::BadSignature));
        let later_epoch = value.replacen(".manage.3.", ".manage.4.", 1);
        assert_eq!(verify(&later_epoch, SECRET, NOW), Err(SessionError::BadSignature));
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
        for bad in ["", ".", "abc", "a.b.c.d.e", "a.b.manage.1.!!!", "a.b.manage.0.1.!!!"] {
            assert!(verify(bad, SECRET, NOW).is_err(), "{bad:?}");
        }
        for payload in [
            "k.p.manage",
            "k.p.manage.99999999999999",
            "k.p.manage.0.99999999999999.x",
            "k.p.ingest.0.99999999999999",
            "k.p.browser.0.99999999999999",
            "k.p.admin.0.99999999999999",
            "k.p.manage.0.+99999999999999",
            "k.p.manage.0.-1",
            "k.p.manage.0.lots",
            "k.p.manage.-1.99999999999999",
            "k.p.manage.+1.99999999999999",
            "k.p.manage..99999999999999",
            "k.p.manage.one.99999999999999",
            "k.p.manage.99999999999999999999.99999999999999",
            ".p.manage.0.99999999999999",
            "k..manage.0.99999999999999",
            "k/x.p.manage.0.99999999999999",
        ] {
            assert_eq!(
                verify(&signed(payload), SECRET, NOW),
                Err(SessionError::Malformed),
                "{payload}"
            );
        }
        assert!(verify(&signed("k.p.read.0.99999999999999"), SECRET, NOW).is_ok());
    }

    #[test]
    fn only_manage_and_read_keys_open_sessions() {
        assert!(may_open_session(Scope::Manage) && may_open_session(Scope::Read));
        assert!(!may_open_session(Scope::Ingest) && !may_open_session(Scope::Browser));
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        assert_eq!(session_cookie("a=1; eb_session=abc.def; b=2", false), Some("abc.def"));
        assert_eq!(session_cookie("eb_session=\"q\"", false), Some("q"));
        assert_eq!(session_cookie("xeb_session=abc", false), None);
        assert_eq!(session_cookie("eb_session=", false), None);
        assert_eq!(session_cookie("", false), None);
        assert_eq!(session_cookie("a=1; __Host-eb_session=abc.def", true), Some("abc.def"));
    }

    #[test]
    fn only_the_name_for_the_scheme_is_read() {
        assert_eq!(
            session_cookie("eb_session=planted", true),
            None,
            "unprefixed over https"
        );
        assert_eq!(
            session_cookie("__Host-eb_session=abc", false),
            None,
            "prefixed over http"
        );
        assert_eq!(
            session_cookie("eb_session=planted; __Host-eb_session=mine", true),
            Some("mine")
        );
        assert_eq!(
            session_cookie("__host-eb_session=abc", true),
            None,
            "the prefix as browsers spell it"
        );
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_and_host_only_over_https() {
        assert_eq!(
            set_cookie("v", false),
            "eb_session=v; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200"
        );
        assert_eq!(
            set_cookie("v", true),
            "__Host-eb_session=v; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200; Secure"
        );
        assert_eq!(
            clear_cookie(true),
            "__Host-eb_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure"
        );
        assert_eq!(
            clear_cookie(false),
            "eb_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
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
            let _ = session_cookie(&value, true);
            let _ = session_cookie(&value, false);
        }

        #[test]
        fn every_issued_session_round_trips(key in "[A-Za-z0-9]{12}", project in "[a-f0-9-]{36}", read in any::<bool>(), epoch in 0i64..i64::MAX, now in 0i64..4_000_000_000_000) {
            let scope = if read { Scope::Read } else { Scope::Manage };
            let s = Session::starting(&key, &project, scope, epoch, now);
            prop_assert_eq!(verify(&s.sign(b"k"), b"k", now), Ok(s));
        }
    }
}
