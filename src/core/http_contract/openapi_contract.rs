//! openapi.json against the core's rules: the patterns the document gives text fields are the
//! ones `core::http_contract::validation` enforces, character for character. (The schedule grammar has its
//! own check in `core::heartbeat::cron_pattern`, the time zones come from the document itself.)

use regex::Regex;
use serde_json::Value;

use crate::core::http_contract::validation::{line_text, text_fault, TextRule, FREE_TEXT_PATTERN, LINE_TEXT_PATTERN};

fn document() -> Value {
    serde_json::from_str(include_str!("../../../openapi.json")).expect("openapi.json parses")
}

/// Every character of the Basic Multilingual Plane and a few beyond, each alone and
/// between letters.
fn samples() -> impl Iterator<Item = String> {
    (0u32..0x3100)
        .chain([0xFEFF, 0xFFFD, 0x1F680])
        .filter_map(char::from_u32)
        .flat_map(|c| [c.to_string(), format!("a{c}b"), format!("{c}{c}")])
}

#[test]
fn the_line_text_pattern_is_the_line_rule() {
    let pattern = Regex::new(LINE_TEXT_PATTERN).unwrap();
    for s in samples() {
        assert_eq!(pattern.is_match(&s), line_text("f", &s, 100).is_ok(), "{s:?}");
    }
}

#[test]
fn the_free_text_pattern_is_the_free_rule() {
    let pattern = Regex::new(FREE_TEXT_PATTERN).unwrap();
    for s in samples() {
        assert_eq!(pattern.is_match(&s), text_fault(TextRule::Free, &s).is_none(), "{s:?}");
    }
}

#[test]
fn every_text_field_of_the_document_uses_the_text_rule() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    let post = |path: &str| doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"].clone();
    let line_fields = [
        schemas["NewMonitor"]["properties"]["name"].clone(),
        schemas["MonitorUpdate"]["properties"]["name"].clone(),
        schemas["NewMonitor"]["properties"]["tags"]["items"].clone(),
        schemas["MonitorUpdate"]["properties"]["tags"]["items"].clone(),
        schemas["NewProject"]["properties"]["name"].clone(),
        schemas["NewApiKey"]["properties"]["name"].clone(),
        post("/v1/channels")["properties"]["name"].clone(),
    ];
    for field in line_fields {
        assert_eq!(field["pattern"], LINE_TEXT_PATTERN, "{field}");
    }
    let free_fields = [
        schemas["NewMonitor"]["properties"]["description"].clone(),
        schemas["MonitorUpdate"]["properties"]["description"].clone(),
        post("/v1/heartbeat/{id}")["properties"]["message"].clone(),
    ];
    for field in free_fields {
        assert_eq!(field["pattern"], FREE_TEXT_PATTERN, "{field}");
    }
}

#[test]
fn a_bucket_size_that_ends_in_a_wide_character_is_refused_not_a_panic() {
    assert!(crate::core::heartbeat::statistic::parse_bucket("5é").is_err());
    assert!(crate::core::heartbeat::statistic::parse_bucket("é").is_err());
}
