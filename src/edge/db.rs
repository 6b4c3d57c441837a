//! Small helpers for binding Rust values to D1 statements.

use wasm_bindgen::JsValue;
use worker::{D1Database, Env, Result};

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

pub fn now_ms() -> i64 {
    worker::Date::now().as_millis() as i64
}
