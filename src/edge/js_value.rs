//! A value the runtime hands over as JavaScript, read by serde: an object call's JSON body
//! (parsed by the runtime), a row read whole as JSON, an enum kept as its name, a ping kept by
//! the token object's first storage layout. Row types are read without serde (`row_fields`).
//!
//! A struct is read field by field in the order it declares them (serde's sequence form), each
//! field looked up on the object by its name: a map form would match every property name
//! against every field name in code generated per type (docs/wasm-size.md). A field the object
//! does not have reads as serde's map form reads a missing field: `None` for an `Option`, its
//! default where it has `#[serde(default)]`, else an error. Properties no field names are never
//! read.

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use wasm_bindgen::{JsCast, JsValue};

type Error = serde_json::Error;

/// The largest integer a JavaScript number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// `n` as an integer, when it is one that a JavaScript number holds exactly.
pub fn exact_integer(n: f64) -> Option<i64> {
    (n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER).then_some(n as i64)
}

/// `value` read as `T`.
pub fn from_js<T: DeserializeOwned>(value: JsValue) -> worker::Result<T> {
    Ok(T::deserialize(Js(value))?)
}

struct Js(JsValue);

/// An error in one field, named (the error alone would not say which).
#[inline(never)]
fn in_field(error: Error, name: &str) -> Error {
    de::Error::custom(format_args!("field {name}: {error}"))
}

impl<'de> Deserializer<'de> for Js {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let value = self.0;
        if value.is_null_or_undefined() {
            return visitor.visit_unit();
        }
        if let Some(b) = value.as_bool() {
            return visitor.visit_bool(b);
        }
        if let Some(n) = value.as_f64() {
            return match exact_integer(n) {
                Some(i) => visitor.visit_i64(i),
                None => visitor.visit_f64(n),
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
                object: value,
                keys,
                at: 0,
            });
        }
        Err(de::Error::custom("a value JSON does not hold"))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.0.is_null_or_undefined() {
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
            return Err(de::Error::custom("a struct must be an object"));
        }
        visitor.visit_seq(Fields {
            object: self.0,
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
            None => Err(de::Error::custom("an enum must be text")),
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

/// A struct's fields, in the order it declares them, each read from the object by name.
struct Fields {
    object: JsValue,
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
        let value = Reflect::get(&self.object, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
        let absent = value.is_undefined();
        match seed.deserialize(Js(value)) {
            Ok(v) => Ok(Some(v)),
            // A missing field that is no `Option`: no element, which serde's derive answers with
            // the field's default, or with an error where it has none.
            Err(_) if absent => Ok(None),
            Err(e) => Err(in_field(e, name)),
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
        seed.deserialize(Js(item)).map(Some)
    }
}

/// An object's own properties, for a value read whole (`serde_json::Value`) or a flattened type.
struct Entries {
    object: JsValue,
    keys: Array,
    at: u32,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        if self.at >= self.keys.length() {
            return Ok(None);
        }
        seed.deserialize(Js(self.keys.get(self.at))).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let key = self.keys.get(self.at);
        self.at += 1;
        let value = Reflect::get(&self.object, &key).unwrap_or(JsValue::UNDEFINED);
        seed.deserialize(Js(value))
    }
}
