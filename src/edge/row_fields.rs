//! A row type read from the runtime's row by its fields' names, without serde: `row_fields!`
//! names the fields (each read as the column of the same name, or of the name given), and
//! `Column` reads one column's value as a field's type.
//!
//! serde's derive reads a row in code generated per row type that handles every way a field
//! could arrive (out of order, twice, missing); a row from a query arrives one way, so here
//! each field is one call (docs/wasm-size.md). A field the row does not have reads as `None`
//! for an `Option`, else it is an error naming the column; a column no field names is not read.

use js_sys::Reflect;
use serde_json::Value;
use wasm_bindgen::JsValue;
use worker::{Error, Result};

use crate::core::events::event::EventKind;
use crate::core::heartbeat::ping::{PingKind, PingSource};
use crate::edge::js_value::{exact_integer, from_js};

/// A type read from a row.
pub trait FromRow: Sized {
    fn from_row(row: &JsValue) -> Result<Self>;
}

/// A type one column's value is read as.
pub trait Column: Sized {
    /// The value as this type; `None`: it is not of this type.
    fn from_value(value: JsValue) -> Option<Self>;
    /// What a field holds while the row it is read from turns out wrong (never returned).
    fn placeholder() -> Self;
}

/// The column `name` of `row`, read as `T`; a column missing or of another type is noted in
/// `wrong` (the first one) and read as the placeholder. Reading every field this way, with no
/// early return, leaves one check per row instead of an exit per field, each dropping the
/// fields read before it: half the code.
pub fn column<T: Column>(row: &JsValue, name: &'static str, wrong: &mut Option<&'static str>) -> T {
    let value = Reflect::get(row, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
    T::from_value(value).unwrap_or_else(|| {
        wrong.get_or_insert(name);
        T::placeholder()
    })
}

/// The error of a row whose column `name` was missing or of another type.
#[inline(never)]
pub fn wrong_column(name: &str) -> Error {
    Error::RustError(format!("column {name}: missing, or not of its field's type"))
}

/// Implements `FromRow` for a struct from the list of its fields (`field = "column"` where the
/// column is named otherwise). The struct literal it builds makes the compiler check the list.
macro_rules! row_fields {
    ($row_type:ty { $($field:ident $(= $column:literal)?),* $(,)? }) => {
        impl $crate::edge::row_fields::FromRow for $row_type {
            fn from_row(row: &wasm_bindgen::JsValue) -> worker::Result<Self> {
                let mut wrong = None;
                let read = Self {
                    $($field: $crate::edge::row_fields::column(row, row_fields!(@name $field $($column)?), &mut wrong),)*
                };
                match wrong {
                    None => Ok(read),
                    Some(name) => Err($crate::edge::row_fields::wrong_column(name)),
                }
            }
        }
    };
    (@name $field:ident $column:literal) => { $column };
    (@name $field:ident) => { stringify!($field) };
}
pub(crate) use row_fields;

impl Column for i64 {
    fn from_value(value: JsValue) -> Option<Self> {
        value.as_f64().and_then(exact_integer)
    }

    fn placeholder() -> Self {
        0
    }
}

/// Unsigned columns: the integer, when it fits the type.
macro_rules! unsigned_column {
    ($($unsigned:ty),*) => {$(
        impl Column for $unsigned {
            fn from_value(value: JsValue) -> Option<Self> {
                i64::from_value(value).and_then(|n| Self::try_from(n).ok())
            }

            fn placeholder() -> Self {
                0
            }
        }
    )*};
}

unsigned_column!(u64, usize, u32);

impl Column for f64 {
    fn from_value(value: JsValue) -> Option<Self> {
        value.as_f64()
    }

    fn placeholder() -> Self {
        0.0
    }
}

impl Column for String {
    fn from_value(value: JsValue) -> Option<Self> {
        value.as_string()
    }

    fn placeholder() -> Self {
        String::new()
    }
}

impl<T: Column> Column for Option<T> {
    fn from_value(value: JsValue) -> Option<Self> {
        if value.is_null_or_undefined() {
            Some(None)
        } else {
            T::from_value(value).map(Some)
        }
    }

    fn placeholder() -> Self {
        None
    }
}

/// The enums stored as their names, read through serde (one small reader each); the
/// placeholder is any one of their values.
macro_rules! named_column {
    ($($named:ident => $placeholder:ident),*) => {$(
        impl Column for $named {
            fn from_value(value: JsValue) -> Option<Self> {
                from_js(value).ok()
            }

            fn placeholder() -> Self {
                $named::$placeholder
            }
        }
    )*};
}

named_column!(PingKind => Tick, PingSource => Beacon, EventKind => Event);

/// A row read whole, as JSON (a checkpoint kept as its columns).
impl FromRow for Value {
    fn from_row(row: &JsValue) -> Result<Self> {
        from_js(row.clone())
    }
}
