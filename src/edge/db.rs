//! Small helpers for binding Rust values to D1 statements.

use wasm_bindgen::JsValue;
use worker::{D1Database, D1Result, Env, Result};

pub fn database(env: &Env) -> Result<D1Database> {
    env.d1("DB")
}

pub fn text(s: &str) -> JsValue {
    JsValue::from_str(s)
}

pub fn int(n: i64) -> JsValue {
    JsValue::from_f64(n as f64)
}

pub fn opt_text(s: Option<&str>) -> JsValue {
    s.map_or(JsValue::NULL, JsValue::from_str)
}

/// A list of ids as one JSON array, for a statement to read with `json_each`.
pub fn json_list(ids: &[String]) -> JsValue {
    text(&serde_json::to_string(ids).unwrap_or_default())
}

pub fn now_ms() -> i64 {
    worker::Date::now().as_millis() as i64
}

/// How many rows a write changed, as D1 reports it (0 when it does not say).
pub fn changed_rows(result: &D1Result) -> Result<usize> {
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0))
}

/// The write changed exactly one row: the row it names existed (and, where the statement
/// says so, belonged to the caller's project).
pub fn changed_one(result: &D1Result) -> Result<bool> {
    Ok(changed_rows(result)? == 1)
}
