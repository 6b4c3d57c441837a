//! Webhook signatures: HMAC-SHA256 over `"{timestamp}.{body}"`, sent as
//! `X-Edgebeat-Timestamp: <unix seconds>` and `X-Edgebeat-Signature: v1=<hex>`. A receiver
//! recomputes it with the channel's secret, compares in constant time, and rejects
//! timestamps older than its tolerance (replays).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::core::access::credentials::constant_time_eq;

pub const TIMESTAMP_HEADER: &str = "X-Edgebeat-Timestamp";
pub const SIGNATURE_HEADER: &str = "X-Edgebeat-Signature";

pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `X-Edgebeat-Signature` value for a body sent at `timestamp` (unix seconds).
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    format!(
        "v1={}",
        hex(&hmac_sha256(
            secret.as_bytes(),
            format!("{timestamp}.{body}").as_bytes()
        ))
    )
}

/// What a receiver does: the signature matches and the timestamp is within `tolerance_s` of now.
pub fn verify(secret: &str, timestamp: i64, body: &str, signature: &str, now_s: i64, tolerance_s: i64) -> bool {
    // The timestamp comes from a header: `abs_diff` cannot overflow where `(now - t).abs()` can.
    u64::try_from(tolerance_s).is_ok_and(|tolerance| now_s.abs_diff(timestamp) <= tolerance)
        && constant_time_eq(sign(secret, timestamp, body).as_bytes(), signature.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn hmac_hashes_keys_longer_than_a_block() {
        // RFC 4231 test case 6: a 131-byte key.
        let mac = hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(
            hex(&mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn a_signature_verifies_only_unchanged_and_fresh() {
        let sig = sign("whsec", 1_000, r#"{"event":"down"}"#);
        assert!(sig.starts_with("v1="));
        assert!(verify("whsec", 1_000, r#"{"event":"down"}"#, &sig, 1_100, 300));
        assert!(
            !verify("whsec", 1_000, r#"{"event":"up"}"#, &sig, 1_100, 300),
            "body changed"
        );
        assert!(
            !verify("other", 1_000, r#"{"event":"down"}"#, &sig, 1_100, 300),
            "wrong secret"
        );
        assert!(
            !verify("whsec", 1_000, r#"{"event":"down"}"#, &sig, 2_000, 300),
            "replayed too late"
        );
        assert!(
            !verify("whsec", 1_001, r#"{"event":"down"}"#, &sig, 1_100, 300),
            "timestamp changed"
        );
    }

    #[test]
    fn a_timestamp_at_the_end_of_the_range_is_stale_not_a_panic() {
        let sig = sign("whsec", i64::MIN, "{}");
        assert!(!verify("whsec", i64::MIN, "{}", &sig, 1_000, 300));
        let sig = sign("whsec", i64::MAX, "{}");
        assert!(!verify("whsec", i64::MAX, "{}", &sig, -1_000, 300));
    }

    #[test]
    fn the_tolerance_is_inclusive_both_ways() {
        let sig = sign("whsec", 1_000, "{}");
        assert!(verify("whsec", 1_000, "{}", &sig, 1_300, 300));
        assert!(verify("whsec", 1_000, "{}", &sig, 700, 300));
        assert!(!verify("whsec", 1_000, "{}", &sig, 1_301, 300));
        assert!(!verify("whsec", 1_000, "{}", &sig, 699, 300));
        assert!(
            !verify("whsec", 1_000, "{}", &sig, 1_000, -1),
            "a negative tolerance accepts nothing"
        );
    }

    #[test]
    fn a_key_of_exactly_one_block_is_used_as_it_is() {
        // Python's hmac.new(b"\x0b" * 64, b"edgebeat", "sha256"): only longer keys are hashed first.
        assert_eq!(
            hex(&hmac_sha256(&[0x0b; 64], b"edgebeat")),
            "5a1c2420bc2e494c164568ec13464407c820f24b61da331d101f7b8d5d091d96"
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_timestamps_verify_or_not_without_panicking(
            timestamp in any::<i64>(),
            now in any::<i64>(),
            tolerance in any::<i64>(),
            signature in any::<String>(),
        ) {
            let _ = verify("whsec", timestamp, "{}", &signature, now, tolerance);
        }

        #[test]
        fn a_fresh_signature_verifies_and_a_changed_body_does_not(
            secret in any::<String>(),
            body in any::<String>(),
            timestamp in -1_000_000_000_000i64..1_000_000_000_000,
            age in -300i64..=300,
        ) {
            let signature = sign(&secret, timestamp, &body);
            prop_assert!(verify(&secret, timestamp, &body, &signature, timestamp + age, 300));
            let changed = format!("{body} ");
            prop_assert!(!verify(&secret, timestamp, &changed, &signature, timestamp + age, 300));
            prop_assert!(!verify(&secret, timestamp, &body, &signature, timestamp + 301, 300));
        }
    }
}
