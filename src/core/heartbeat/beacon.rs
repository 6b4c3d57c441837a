//! The beacon API's beacon answer and body: a transparent 1x1 GIF, and an optional numeric value.

/// The 43-byte transparent 1x1 GIF89a every beacon request gets back.
pub const TRANSPARENT_GIF: [u8; 43] = [
    b'G', b'I', b'F', b'8', b'9', b'a', // signature
    0x01, 0x00, 0x01, 0x00, // 1 x 1
    0x80, 0x00, 0x00, // global colour table of 2 entries
    0x00, 0x00, 0x00, 0xff, 0xff, 0xff, // black, white
    0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, // graphic control: index 0 transparent
    0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, // image descriptor
    0x02, 0x02, 0x44, 0x01, 0x00, // LZW data: one pixel of index 0
    0x3b, // trailer
];

/// Bodies larger than this are not parsed; the ping is still recorded, without a value.
pub const MAX_BEACON_BODY: usize = 4_096;

/// The `value` of a `{"value": <number>}` body, when there is exactly such a finite number.
/// Anything else (empty, not JSON, not an object, non-numeric, oversized) yields `None`.
pub fn beacon_value(body: &[u8]) -> Option<f64> {
    if body.is_empty() || body.len() > MAX_BEACON_BODY {
        return None;
    }
    let parsed: serde_json::Value = serde_json::from_slice(body).ok()?;
    parsed.get("value")?.as_f64().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gif_is_43_bytes_of_gif89a() {
        assert_eq!(TRANSPARENT_GIF.len(), 43);
        assert_eq!(&TRANSPARENT_GIF[..6], b"GIF89a");
        assert_eq!(TRANSPARENT_GIF[42], 0x3b);
    }

    #[test]
    fn reads_a_numeric_value() {
        assert_eq!(beacon_value(br#"{"value": 42}"#), Some(42.0));
        assert_eq!(beacon_value(br#"{"value": -0.5, "other": true}"#), Some(-0.5));
    }

    #[test]
    fn anything_else_has_no_value() {
        for body in [
            &b""[..],
            b"not json",
            b"42",
            br#"{"value": "42"}"#,
            br#"{"value": null}"#,
            br#"{"value": [1]}"#,
            br#"{"v": 1}"#,
            br#"{"value": 1e999}"#,
        ] {
            assert_eq!(beacon_value(body), None, "{:?}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn oversized_bodies_are_not_parsed() {
        let mut body = br#"{"value": 7, "pad": ""#.to_vec();
        body.resize(MAX_BEACON_BODY + 1, b'x');
        body.extend_from_slice(b"\"}");
        assert_eq!(beacon_value(&body), None);
    }

    #[test]
    fn a_body_of_exactly_the_limit_is_parsed() {
        let mut body = br#"{"value": 7, "pad": ""#.to_vec();
        body.resize(MAX_BEACON_BODY - 2, b'x');
        body.extend_from_slice(b"\"}");
        assert_eq!(body.len(), MAX_BEACON_BODY);
        assert_eq!(beacon_value(&body), Some(7.0));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_body_has_a_finite_value_or_none(body in prop::collection::vec(any::<u8>(), 0..300)) {
            if let Some(v) = beacon_value(&body) {
                prop_assert!(v.is_finite());
            }
        }

        #[test]
        fn json_shaped_bodies_have_a_finite_value_or_none(body in "\\{ ?(\"value\" ?: ?)?(-?[0-9]{0,4}(\\.[0-9]{0,3})?([eE][+-]?[0-9]{0,4})?|null|\"1\"|\\[1\\])? ?(, ?\"x\" ?: ?1)?\\}?") {
            if let Some(v) = beacon_value(body.as_bytes()) {
                prop_assert!(v.is_finite());
            }
        }

        #[test]
        fn a_whole_number_value_is_read_exactly(v in any::<i32>(), padding in 0usize..100) {
            let body = format!("{{\"value\": {v}, \"pad\": \"{}\"}}", "x".repeat(padding));
            prop_assert_eq!(beacon_value(body.as_bytes()), Some(f64::from(v)));
        }

        #[test]
        fn a_value_is_read_to_within_a_rounding(v in any::<f64>().prop_filter("finite", |v| v.is_finite())) {
            let body = serde_json::to_vec(&serde_json::json!({ "value": v })).unwrap();
            let read = beacon_value(&body).unwrap();
            // Subnormal numbers hold fewer digits: allow a few of their units in the last place.
            let tolerance = (v.abs() * 1e-15).max(f64::MIN_POSITIVE * 1e-15);
            prop_assert!((read - v).abs() <= tolerance, "{v} read as {read}");
        }
    }
}
