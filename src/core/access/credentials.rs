//! Formats of the secrets edgebeat hands out, and how they are checked.
//!
//! - Ping tokens (`hb_` + 22 base62 chars, ~131 bits) live in ping URLs; anyone holding
//!   one may record pings, so they are only random, opaque and rotatable.
//! - API keys (`ebk_<id>_<secret>`) carry a public id, used to find the stored row, and a
//!   secret of which only the SHA-256 is stored and compared in constant time.

use sha2::{Digest, Sha256};

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

pub const PING_TOKEN_PREFIX: &str = "hb_";
pub const PING_TOKEN_CHARS: usize = 22;
pub const API_KEY_PREFIX: &str = "ebk_";
pub const PING_KEY_PREFIX: &str = "pk_";
pub const BADGE_KEY_PREFIX: &str = "bk_";
/// A monitor's stable, non-secret name (what read scopes see instead of its id).
pub const UNIQUE_KEY_PREFIX: &str = "uk_";
pub const UNIQUE_KEY_HEX_CHARS: usize = 24;
pub const API_KEY_ID_CHARS: usize = 12;
pub const API_KEY_SECRET_CHARS: usize = 32;

/// `fill` supplies cryptographically random bytes (getrandom at the edge, fixed bytes in tests).
pub fn random_base62(len: usize, fill: &mut dyn FnMut(&mut [u8])) -> String {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        fill(&mut buf);
        // Rejection sampling keeps every character equally likely: 248 = 4 * 62.
        for &b in buf.iter().filter(|&&b| b < 248) {
            if out.len() == len {
                break;
            }
            out.push(BASE62[(b % 62) as usize] as char);
        }
    }
    out
}

fn is_base62(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric())
}

pub fn new_ping_token(fill: &mut dyn FnMut(&mut [u8])) -> String {
    format!("{PING_TOKEN_PREFIX}{}", random_base62(PING_TOKEN_CHARS, fill))
}

/// A project's ping key (`pk_` + 22 base62 chars), which slug ping URLs carry.
pub fn new_ping_key(fill: &mut dyn FnMut(&mut [u8])) -> String {
    format!("{PING_KEY_PREFIX}{}", random_base62(PING_TOKEN_CHARS, fill))
}

pub fn is_ping_key(s: &str) -> bool {
    s.strip_prefix(PING_KEY_PREFIX)
        .is_some_and(|rest| rest.len() == PING_TOKEN_CHARS && is_base62(rest))
}

/// A project's badge key (`bk_` + 22 base62 chars, ~131 bits), which badge URLs carry: public
/// in READMEs, so it only shows status, and is rotatable.
pub fn new_badge_key(fill: &mut dyn FnMut(&mut [u8])) -> String {
    format!("{BADGE_KEY_PREFIX}{}", random_base62(PING_TOKEN_CHARS, fill))
}

pub fn is_badge_key(s: &str) -> bool {
    s.strip_prefix(BADGE_KEY_PREFIX)
        .is_some_and(|rest| rest.len() == PING_TOKEN_CHARS && is_base62(rest))
}

/// `uk_` and 24 lower-case hex digits (12 random bytes; migration 0011 makes the same shape).
pub fn new_unique_key(fill: &mut dyn FnMut(&mut [u8])) -> String {
    let mut bytes = [0u8; UNIQUE_KEY_HEX_CHARS / 2];
    fill(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{UNIQUE_KEY_PREFIX}{hex}")
}

pub fn is_unique_key(s: &str) -> bool {
    s.strip_prefix(UNIQUE_KEY_PREFIX).is_some_and(|rest| {
        rest.len() == UNIQUE_KEY_HEX_CHARS && rest.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// True for strings that could be a ping token; anything else is answered without a lookup.
pub fn is_ping_token(s: &str) -> bool {
    s.strip_prefix(PING_TOKEN_PREFIX)
        .is_some_and(|rest| rest.len() == PING_TOKEN_CHARS && is_base62(rest))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    pub id: String,
    /// The full key, shown to its owner once.
    pub key: String,
    pub secret_hash: String,
}

pub fn new_api_key(fill: &mut dyn FnMut(&mut [u8])) -> NewApiKey {
    let id = random_base62(API_KEY_ID_CHARS, fill);
    let secret = random_base62(API_KEY_SECRET_CHARS, fill);
    NewApiKey {
        key: format!("{API_KEY_PREFIX}{id}_{secret}"),
        secret_hash: sha256_hex(secret.as_bytes()),
        id,
    }
}

/// The public part of an API key (`ebk_<id>_<secret>`): what `GET /v1/keys` lists.
pub fn is_api_key_id(s: &str) -> bool {
    s.len() == API_KEY_ID_CHARS && is_base62(s)
}

/// A presented API key split into its public id and its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedApiKey<'a> {
    pub id: &'a str,
    pub secret: &'a str,
}

pub fn parse_api_key(s: &str) -> Option<PresentedApiKey<'_>> {
    let rest = s.strip_prefix(API_KEY_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let well_formed =
        id.len() == API_KEY_ID_CHARS && secret.len() == API_KEY_SECRET_CHARS && is_base62(id) && is_base62(secret);
    well_formed.then_some(PresentedApiKey { id, secret })
}

impl PresentedApiKey<'_> {
    /// Compares against the stored hash without leaking, through timing, where they differ.
    pub fn matches(&self, stored_hash: &str) -> bool {
        constant_time_eq(sha256_hex(self.secret.as_bytes()).as_bytes(), stored_hash.as_bytes())
    }
}

/// The (user, password) of an `Authorization: Basic <base64(user:password)>` header.
pub fn parse_basic(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64_decode(encoded.trim())?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// Standard base64, padded or not (clients differ); `None` on any other character.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::engine::{general_purpose::GeneralPurpose, DecodePaddingMode, GeneralPurposeConfig};
    const BASIC: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    base64::Engine::decode(&BASIC, s).ok()
}

/// The deploy-time admin secret. An empty configured token never matches.
pub fn is_admin_token(presented: &str, configured: &str) -> bool {
    !configured.is_empty()
        && constant_time_eq(
            &Sha256::digest(presented.as_bytes()),
            &Sha256::digest(configured.as_bytes()),
        )
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Equal-length inputs take the same time whatever their contents (`subtle`).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    subtle::ConstantTimeEq::ct_eq(a, b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `fill`, for at most `calls` calls: a test fails rather than hangs if a loop keeps asking.
    pub(super) fn limited(calls: usize, mut fill: impl FnMut(&mut [u8])) -> impl FnMut(&mut [u8]) {
        let mut left = calls;
        move |buf: &mut [u8]| {
            assert!(left > 0, "asked for random bytes more than {calls} times");
            left -= 1;
            fill(buf)
        }
    }

    fn counter_rng() -> impl FnMut(&mut [u8]) {
        let mut n = 0u8;
        limited(100, move |buf: &mut [u8]| {
            for b in buf.iter_mut() {
                *b = n;
                n = n.wrapping_add(37);
            }
        })
    }

    #[test]
    fn ping_tokens_have_the_documented_format() {
        let token = new_ping_token(&mut counter_rng());
        assert!(token.starts_with("hb_"));
        assert_eq!(token.len(), 3 + 22);
        assert!(is_ping_token(&token));
    }

    #[test]
    fn badge_keys_have_their_own_format() {
        let key = new_badge_key(&mut counter_rng());
        assert!(key.starts_with("bk_") && key.len() == 25);
        assert!(is_badge_key(&key) && !is_ping_key(&key) && !is_ping_token(&key));
        for bad in [
            "",
            "bk_",
            "bk_short",
            "pk_0123456789abcdefghijkl",
            "bk_012345678901234567890!",
        ] {
            assert!(!is_badge_key(bad), "{bad:?}");
        }
    }

    #[test]
    fn api_key_ids_are_twelve_base62_characters() {
        let key = new_api_key(&mut counter_rng());
        assert!(is_api_key_id(&key.id));
        for bad in ["", "abcdefghijk", "abcdefghijklm", "abcdefghijk-", "abcdefghijk\u{e9}"] {
            assert!(!is_api_key_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn unique_keys_are_prefixed_lower_hex_and_nothing_else_passes() {
        let key =
            new_unique_key(&mut |buf: &mut [u8]| buf.iter_mut().enumerate().for_each(|(i, b)| *b = 0xa0 + i as u8));
        assert_eq!(key, "uk_a0a1a2a3a4a5a6a7a8a9aaab");
        assert!(is_unique_key(&key) && !is_ping_token(&key) && !is_badge_key(&key));
        assert!(is_unique_key("uk_0123456789abcdef01234567"));
        for bad in [
            "",
            "uk_",
            "uk_0123456789abcdef0123456",   // 23 digits
            "uk_0123456789abcdef012345678", // 25 digits
            "uk_0123456789ABCDEF01234567",  // upper case
            "uk_0123456789abcdef0123456g",  // not hex
            "UK_0123456789abcdef01234567",
            "0123456789abcdef0123456789ab",
        ] {
            assert!(!is_unique_key(bad), "{bad:?}");
        }
    }

    #[test]
    fn ping_keys_and_tokens_do_not_look_alike() {
        let key = new_ping_key(&mut counter_rng());
        assert!(is_ping_key(&key) && !is_ping_token(&key));
        let token = new_ping_token(&mut counter_rng());
        assert!(is_ping_token(&token) && !is_ping_key(&token));
    }

    #[test]
    fn ping_token_check_rejects_malformed_strings() {
        for bad in [
            "",
            "hb_",
            "hb_short",
            "xx_0123456789012345678901",
            "hb_012345678901234567890!",
            "hb_01234567890123456789012",
        ] {
            assert!(!is_ping_token(bad), "{bad:?} accepted");
        }
        assert!(is_ping_token("hb_0123456789abcdefghijkl"));
    }

    #[test]
    fn rejection_sampling_skips_biased_bytes() {
        let always_high = |buf: &mut [u8]| buf.fill(250);
        let mut calls = 0;
        let mut mixed = limited(2, |buf: &mut [u8]| {
            calls += 1;
            if calls == 1 {
                always_high(buf)
            } else {
                buf.fill(61)
            }
        });
        assert_eq!(random_base62(5, &mut mixed), "zzzzz");
    }

    #[test]
    fn distinct_random_input_gives_distinct_tokens() {
        let mut seed = 1u64;
        let mut rng = limited(10_000, |buf: &mut [u8]| {
            for b in buf.iter_mut() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                *b = seed as u8;
            }
        });
        let tokens: std::collections::HashSet<_> = (0..1_000).map(|_| new_ping_token(&mut rng)).collect();
        assert_eq!(tokens.len(), 1_000);
    }

    #[test]
    fn api_key_round_trips_and_stores_only_a_hash() {
        let k = new_api_key(&mut counter_rng());
        assert!(k.key.starts_with("ebk_"));
        assert!(!k.secret_hash.contains(&k.key[4 + 12 + 1..]));
        let presented = parse_api_key(&k.key).expect("parses");
        assert_eq!(presented.id, k.id);
        assert!(presented.matches(&k.secret_hash));
    }

    #[test]
    fn a_wrong_secret_does_not_match() {
        let k = new_api_key(&mut counter_rng());
        let mut tampered = k.key.clone();
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'a' { 'b' } else { 'a' });
        assert!(!parse_api_key(&tampered).unwrap().matches(&k.secret_hash));
    }

    #[test]
    fn malformed_api_keys_do_not_parse() {
        for bad in [
            "",
            "ebk_",
            "ebk_abc_def",
            "Bearer ebk_x",
            "ebk_AAAAAAAAAAAA_!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
            "ebk_AAAAAAAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
        ] {
            assert!(parse_api_key(bad).is_none(), "{bad:?} parsed");
        }
    }

    #[test]
    fn sha256_matches_a_known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn constant_time_eq_compares_contents_and_length() {
        assert!(constant_time_eq(b"same", b"same"));
        assert!(!constant_time_eq(b"same", b"sama"));
        assert!(!constant_time_eq(b"same", b"same!"));
    }

    #[test]
    fn basic_credentials_decode() {
        // base64("username:password")
        assert_eq!(
            parse_basic("Basic dXNlcm5hbWU6cGFzc3dvcmQ="),
            Some(("username".into(), "password".into()))
        );
        assert_eq!(parse_basic("basic OnNlY3JldA=="), Some(("".into(), "secret".into())));
        assert_eq!(parse_basic("Basic YTpiOmM"), Some(("a".into(), "b:c".into())));
        for bad in [
            "Bearer dXNlcm5hbWU6cGFzc3dvcmQ=",
            "Basic !!!",
            "Basic dXNlcm5hbWU",
            "Basic",
            "Basic A",
        ] {
            assert_eq!(parse_basic(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn admin_token_must_match_and_be_configured() {
        assert!(is_admin_token("s3cret", "s3cret"));
        assert!(!is_admin_token("s3cret", "other"));
        assert!(!is_admin_token("", ""));
    }

    #[test]
    fn bytes_from_248_up_are_skipped_so_every_character_is_equally_likely() {
        let mut calls = 0;
        let mut fill = limited(2, |buf: &mut [u8]| {
            calls += 1;
            buf.fill(if calls == 1 { 248 } else { 247 });
        });
        // 248 would be '0' (248 % 62 == 0); 247 is the last byte used, 'z'.
        assert_eq!(random_base62(5, &mut fill), "zzzzz");
    }

    #[test]
    fn ping_key_check_rejects_malformed_strings() {
        for bad in [
            "",
            "pk_",
            "pk_short",
            "hb_0123456789abcdefghijkl",
            "pk_012345678901234567890!",
            "pk_01234567890123456789012",
        ] {
            assert!(!is_ping_key(bad), "{bad:?} accepted");
        }
        assert!(is_ping_key("pk_0123456789abcdefghijkl"));
    }

    #[test]
    fn basic_credentials_decode_the_plus_and_slash_characters() {
        // base64("u>?:p~~~?>") uses both of base64's non-alphanumeric characters.
        assert_eq!(
            parse_basic("Basic dT4/OnB+fn4/Pg=="),
            Some(("u>?".into(), "p~~~?>".into()))
        );
    }

    #[test]
    fn base64_with_a_dangling_character_or_three_pads_is_rejected() {
        assert_eq!(base64_decode("YTpi"), Some(b"a:b".to_vec()));
        assert_eq!(base64_decode("YTpiO"), None, "a lone sixth of a byte");
        assert_eq!(base64_decode("YTpiOm=="), Some(b"a:b:".to_vec()));
        assert_eq!(base64_decode("YTpiOm==="), None, "three pads");
        assert_eq!(base64_decode("YQ==="), None, "three pads after a short group");
        assert_eq!(parse_basic("Basic YTpiO"), None);
    }

    #[test]
    fn constant_time_eq_sees_differences_that_cancel_out_in_xor() {
        // b'a' ^ b'b' == b'b' ^ b'a': folding differences with ^ would call these equal.
        assert!(!constant_time_eq(b"ab", b"ba"));
        assert!(!constant_time_eq(b"xaab", b"xbba"));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Standard base64 with padding, the way HTTP clients write Basic credentials.
    fn base64_encode(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let acc = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
            for i in 0..4 {
                out.push(if i <= chunk.len() {
                    ALPHABET[(acc >> (18 - 6 * i) & 63) as usize] as char
                } else {
                    '='
                });
            }
        }
        out
    }

    /// A fill of random bytes that repeats `bytes`, one of which is usable (below 248).
    fn cycling(mut bytes: Vec<u8>, usable: u8) -> impl FnMut(&mut [u8]) {
        bytes.push(usable % 248);
        let mut i = 0;
        super::tests::limited(1_000, move |buf: &mut [u8]| {
            for b in buf.iter_mut() {
                *b = bytes[i % bytes.len()];
                i += 1;
            }
        })
    }

    fn header_like() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[ \t]*(Basic|basic|BASIC|Bearer)[ \t]{0,2}[A-Za-z0-9+/=é!-]{0,12}[ \t]*",
        ]
    }

    proptest! {
        #[test]
        fn any_header_is_credentials_or_none_without_panicking(header in header_like()) {
            let _ = parse_basic(&header);
        }

        #[test]
        fn any_base64_text_decodes_or_is_rejected(text in "[A-Za-z0-9+/=é_-]{0,16}") {
            if let Some(bytes) = base64_decode(&text) {
                prop_assert_eq!(bytes.len(), text.trim_end_matches('=').len() * 3 / 4);
            }
        }

        #[test]
        fn encoded_bytes_decode_to_themselves(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(base64_decode(&base64_encode(&bytes)), Some(bytes.clone()));
            // Padding is optional.
            prop_assert_eq!(base64_decode(base64_encode(&bytes).trim_end_matches('=')), Some(bytes));
        }

        #[test]
        fn basic_credentials_round_trip(user in "[^:]*", password in any::<String>()) {
            let header = format!("Basic {}", base64_encode(format!("{user}:{password}").as_bytes()));
            prop_assert_eq!(parse_basic(&header), Some((user, password)));
        }

        #[test]
        fn any_text_is_a_well_formed_key_or_not(text in prop_oneof![any::<String>(), "(ebk_|hb_|pk_)[A-Za-z0-9_é]{0,50}"]) {
            if let Some(key) = parse_api_key(&text) {
                prop_assert_eq!(format!("{API_KEY_PREFIX}{}_{}", key.id, key.secret), text.clone());
                prop_assert!(key.id.len() == API_KEY_ID_CHARS && key.secret.len() == API_KEY_SECRET_CHARS);
            }
            if is_ping_token(&text) || is_ping_key(&text) {
                prop_assert_eq!(text.len(), 3 + PING_TOKEN_CHARS);
            }
        }

        #[test]
        fn new_secrets_have_their_documented_shape(bytes in prop::collection::vec(any::<u8>(), 0..100), usable in any::<u8>()) {
            let token = new_ping_token(&mut cycling(bytes.clone(), usable));
            prop_assert!(is_ping_token(&token) && !is_ping_key(&token));
            let ping_key = new_ping_key(&mut cycling(bytes.clone(), usable));
            prop_assert!(is_ping_key(&ping_key) && !is_ping_token(&ping_key));
            let key = new_api_key(&mut cycling(bytes, usable));
            let presented = parse_api_key(&key.key).unwrap();
            prop_assert_eq!(presented.id, key.id.as_str());
            prop_assert!(presented.matches(&key.secret_hash));
        }

        #[test]
        fn constant_time_eq_is_equality(a in prop::collection::vec(any::<u8>(), 0..40), b in prop::collection::vec(any::<u8>(), 0..40)) {
            prop_assert_eq!(constant_time_eq(&a, &b), a == b);
            prop_assert!(constant_time_eq(&a, &a.clone()));
        }

        #[test]
        fn the_admin_token_matches_only_itself(presented in any::<String>(), configured in any::<String>()) {
            prop_assert_eq!(is_admin_token(&presented, &configured), !configured.is_empty() && presented == configured);
            prop_assert_eq!(is_admin_token(&configured, &configured), !configured.is_empty());
        }
    }
}
