//! A row as the runtime hands it over (a JavaScript object, from D1 or from an object's
//! SQLite), read into the crate's row types by serde.
//!
//! A struct is read field by field in the order it declares them (serde's sequence form), each
//! field looked up on the row by its name. A map form would match every column name against
//! every field name in code generated per row type; this form leaves serde's derive only the
//! fields to read in order, which keeps the wasm smaller (docs/wasm-size.md). A field the row
//! does not have reads as serde's map form reads a missing field: `None` for an `Option`, its
//! default where it has `#[serde(default)]`, else an error. Columns no field names are never
//! read.

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use wasm_bindgen::{JsCast, JsValue};

type Error = serde_json::Error;

/// The largest integer a JavaScript number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// One row (or one column's value) read as `T`.
pub fn from_row<T: DeserializeOwned>(row: JsValue) -> worker::Result<T> {
    Ok(T::deserialize(JsRow(row))?)
}

struct JsRow(JsValue);

fn is_absent(value: &JsValue) -> bool {
    value.is_null() || value.is_undefined()
}

/// An error in one column, named (the error alone would not say which).
#[inline(never)]
fn in_column(error: Error, name: &str) -> Error {
    de::Error::custom(format_args!("column {name}: {error}"))
}

impl<'de> Deserializer<'de> for JsRow {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let value = self.0;
        if is_absent(&value) {
            return visitor.visit_unit();
        }
        if let Some(b) = value.as_bool() {
            return visitor.visit_bool(b);
        }
        if let Some(n) = value.as_f64() {
            return if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
                visitor.visit_i64(n as i64)
            } else {
                visitor.visit_f64(n)
            };
        }
        if let Some(s) = value.as_string() {
            return visitor.visit_string(s);
        }
        if Array::is_array(&value) {
            return visitor.visit_seq(Items {
                items: value.unchecked_into(),
                at: 0,
            });
        }
        if value.is_instance_of::<ArrayBuffer>() || value.is_instance_of::<Uint8Array>() {
            return visitor.visit_byte_buf(Uint8Array::new(&value).to_vec());
        }
        if value.is_object() {
            let keys = Object::keys(value.unchecked_ref::<Object>());
            return visitor.visit_map(Entries {
                row: value,
                keys,
                at: 0,
            });
        }
        Err(de::Error::custom("a value no row holds"))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if is_absent(&self.0) {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        if !self.0.is_object() {
            return Err(de::Error::custom("a row must be an object"));
        }
        visitor.visit_seq(Fields {
            row: self.0,
            fields,
            at: 0,
        })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0.as_string() {
            Some(s) => visitor.visit_enum(IntoDeserializer::<Error>::into_deserializer(s)),
            None => Err(de::Error::custom("an enum's column must be text")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

/// A struct's fields, in the order it declares them, each read from the row by name.
struct Fields {
    row: JsValue,
    fields: &'static [&'static str],
    at: usize,
}

impl<'de> SeqAccess<'de> for Fields {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        let Some(name) = self.fields.get(self.at) else {
            return Ok(None);
        };
        self.at += 1;
        let value = Reflect::get(&self.row, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
        let absent = value.is_undefined();
        match seed.deserialize(JsRow(value)) {
            Ok(v) => Ok(Some(v)),
            // A missing field that is no `Option`: no element, which serde's derive answers with
            // the field's default, or with an error where it has none.
            Err(_) if absent => Ok(None),
            Err(e) => Err(in_column(e, name)),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.fields.len() - self.at)
    }
}

/// An array's items.
struct Items {
    items: Array,
    at: u32,
}

impl<'de> SeqAccess<'de> for Items {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        if self.at >= self.items.length() {
            return Ok(None);
        }
        let item = self.items.get(self.at);
        self.at += 1;
        seed.deserialize(JsRow(item)).map(Some)
    }
}

/// An object's own properties, for a row read whole (`serde_json::Value`) or a flattened type.
struct Entries {
    row: JsValue,
    keys: Array,
    at: u32,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        if self.at >= self.keys.length() {
            return Ok(None);
        }
        seed.deserialize(JsRow(self.keys.get(self.at))).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let key = self.keys.get(self.at);
        self.at += 1;
        let value = Reflect::get(&self.row, &key).unwrap_or(JsValue::UNDEFINED);
        seed.deserialize(JsRow(value))
    }
}
