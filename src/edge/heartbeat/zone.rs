//! Time zones from the runtime's `Intl` (the worker carries no time-zone database).

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Array, Intl, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::heartbeat::cron::Zone;
use crate::core::time::days_from_civil;

thread_local! {
    static FORMATTERS: RefCell<HashMap<String, Intl::DateTimeFormat>> = RefCell::new(HashMap::new());
}

/// A formatter printing wall-clock time in `tz`, or `None` if the runtime does not know `tz`.
fn formatter(tz: &str) -> Option<Intl::DateTimeFormat> {
    if let Some(f) = FORMATTERS.with(|m| m.borrow().get(tz).cloned()) {
        return Some(f);
    }
    let options = Object::new();
    let set = |k: &str, v: &str| Reflect::set(&options, &JsValue::from_str(k), &JsValue::from_str(v)).ok();
    set("timeZone", tz)?;
    set("hourCycle", "h23")?;
    for field in ["year", "month", "day", "hour", "minute", "second"] {
        set(field, "numeric")?;
    }
    let intl = Reflect::get(&js_sys::global(), &JsValue::from_str("Intl")).ok()?;
    let ctor: js_sys::Function = Reflect::get(&intl, &JsValue::from_str("DateTimeFormat"))
        .ok()?
        .dyn_into()
        .ok()?;
    // Constructing with an unknown zone throws a RangeError; construct() catches it.
    let args = Array::of2(&JsValue::from_str("en-US"), &options);
    let formatter: Intl::DateTimeFormat = Reflect::construct(&ctor, &args).ok()?.unchecked_into();
    FORMATTERS.with(|m| m.borrow_mut().insert(tz.to_string(), formatter.clone()));
    Some(formatter)
}

pub fn zone_exists(tz: &str) -> bool {
    formatter(tz).is_some()
}

/// A zone by name, for rules that take zones by name (`core::heartbeat::maintenance::Zones`).
pub fn intl_zone(tz: &str) -> Box<dyn Zone> {
    Box::new(IntlZone::new(tz))
}

/// An IANA zone as the runtime's `Intl` knows it; unknown zones behave as UTC.
pub struct IntlZone(Option<Intl::DateTimeFormat>);

impl IntlZone {
    pub fn new(tz: &str) -> Self {
        IntlZone(formatter(tz))
    }
}

impl Zone for IntlZone {
    fn offset_seconds_at(&self, utc_ms: i64) -> i32 {
        let Some(formatter) = &self.0 else { return 0 };
        let date = js_sys::Date::new(&JsValue::from_f64(utc_ms as f64));
        let mut fields = [0i64; 6]; // year month day hour minute second
        for part in formatter.format_to_parts(&date).iter() {
            let kind = Reflect::get(&part, &JsValue::from_str("type"))
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            let value = Reflect::get(&part, &JsValue::from_str("value"))
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            let slot = match kind.as_str() {
                "year" => 0,
                "month" => 1,
                "day" => 2,
                "hour" => 3,
                "minute" => 4,
                "second" => 5,
                _ => continue,
            };
            fields[slot] = value.parse().unwrap_or(0);
        }
        let [y, mo, d, h, mi, s] = fields;
        let local_s = days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3_600 + mi * 60 + s;
        (local_s - utc_ms.div_euclid(1_000)) as i32
    }
}
