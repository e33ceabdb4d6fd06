//! A serde `Deserializer` over a parsed JSON value: `null`, booleans, numbers, strings, arrays
//! and objects, which is all JSON can be.
//!
//! The pane reads the value `JSON.parse` made ([`JsValue`]); the same code reads a
//! `serde_json::Value` in the native tests (`native_tests.rs`), which hold it to serde_json's
//! own reading of every answer type. Each `deserialize_*` the pane's types call is written out,
//! so serde's generic code is compiled only for the visits the JSON can produce; the rest go
//! through [`Deserializer::deserialize_any`].

use js_sys::{Array, ArrayIntoIter, Object, Reflect};
use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess,
    Visitor,
};
use wasm_bindgen::{JsCast, JsValue};

use super::invalid::Invalid;

/// Reads `value`, as `JSON.parse` made it, into `T`.
pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T, Invalid> {
    from_source(value)
}

/// Reads any parsed JSON value into `T`.
pub(super) fn from_source<T: DeserializeOwned, S: Source>(value: S) -> Result<T, Invalid> {
    T::deserialize(Value(value))
}

/// A parsed JSON value, as the reader needs to see it.
pub(super) trait Source: Sized {
    /// An array's items, in order.
    type Items: ExactSizeIterator<Item = Self>;
    /// An object.
    type Object;
    /// An object's entries, in its own order; a key that is not a string is `None`.
    type Entries: ExactSizeIterator<Item = (Option<String>, Self)>;

    /// `null` (or, in JavaScript, `undefined`).
    fn is_absent(&self) -> bool;
    fn as_bool(&self) -> Option<bool>;
    fn as_f64(&self) -> Option<f64>;
    fn is_string(&self) -> bool;
    fn into_string(self) -> Option<String>;
    /// The items of an array; any other value back.
    fn into_items(self) -> Result<Self::Items, Self>;
    /// An object, never an array.
    fn into_object(self) -> Option<Self::Object>;
    /// The object's own field `name` (never one it inherits), if it has one.
    fn take_field(object: &mut Self::Object, name: &str) -> Option<Self>;
    fn into_entries(object: Self::Object) -> Self::Entries;
}

impl Source for JsValue {
    type Items = ArrayIntoIter;
    type Object = Object;
    type Entries = std::iter::Map<ArrayIntoIter, fn(JsValue) -> (Option<String>, JsValue)>;

    fn is_absent(&self) -> bool {
        self.is_null() || self.is_undefined()
    }

    fn as_bool(&self) -> Option<bool> {
        JsValue::as_bool(self)
    }

    fn as_f64(&self) -> Option<f64> {
        JsValue::as_f64(self)
    }

    fn is_string(&self) -> bool {
        JsValue::is_string(self)
    }

    fn into_string(self) -> Option<String> {
        self.as_string()
    }

    fn into_items(self) -> Result<ArrayIntoIter, JsValue> {
        if Array::is_array(&self) {
            Ok(self.unchecked_into::<Array>().into_iter())
        } else {
            Err(self)
        }
    }

    fn into_object(self) -> Option<Object> {
        (self.is_object() && !Array::is_array(&self)).then(|| self.unchecked_into())
    }

    fn take_field(object: &mut Object, name: &str) -> Option<JsValue> {
        let key = JsValue::from_str(name);
        // Own fields only: `toString` or `constructor` must not come from Object's prototype.
        // `hasOwnProperty`, not the newer `Object.hasOwn` js-sys prefers: Safari before 15.4
        // (Outlook on older Macs) lacks it.
        #[allow(deprecated)]
        let own = object.has_own_property(&key);
        own.then(|| Reflect::get(object, &key).unwrap_or(JsValue::UNDEFINED))
    }

    fn into_entries(object: Object) -> Self::Entries {
        fn entry(pair: JsValue) -> (Option<String>, JsValue) {
            let pair: Array = pair.unchecked_into();
            (pair.get(0).as_string(), pair.get(1))
        }
        Object::entries(&object).into_iter().map(entry)
    }
}

/// One JSON value.
struct Value<S>(S);

impl<S: Source> Value<S> {
    fn is_absent(&self) -> bool {
        self.0.is_absent()
    }

    fn string(self) -> Result<String, Invalid> {
        self.0.into_string().ok_or(Invalid::WrongValue)
    }

    /// A whole number JavaScript holds exactly (|n| ≤ 2^53).
    fn whole_number(&self) -> Result<f64, Invalid> {
        const EXACT: f64 = 9_007_199_254_740_992.0;
        match self.0.as_f64() {
            Some(n) if n.fract() == 0.0 && n.abs() <= EXACT => Ok(n),
            _ => Err(Invalid::WrongValue),
        }
    }

    fn items(self) -> Result<S::Items, Invalid> {
        self.0.into_items().map_err(|_| Invalid::WrongValue)
    }

    fn object(self) -> Result<S::Object, Invalid> {
        self.0.into_object().ok_or(Invalid::WrongValue)
    }
}

/// Integers: a whole number, to the visitor as `u64` or `i64` (the visitor checks its range).
macro_rules! whole_numbers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
            let n = self.whole_number()?;
            if n >= 0.0 {
                visitor.visit_u64(n as u64)
            } else {
                visitor.visit_i64(n as i64)
            }
        }
    )*};
}

impl<'de, S: Source> Deserializer<'de> for Value<S> {
    type Error = Invalid;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        if self.is_absent() {
            visitor.visit_unit()
        } else if let Some(b) = self.0.as_bool() {
            visitor.visit_bool(b)
        } else if let Some(n) = self.0.as_f64() {
            if self.whole_number().is_ok() {
                self.deserialize_i64(visitor)
            } else {
                visitor.visit_f64(n)
            }
        } else if self.0.is_string() {
            self.deserialize_string(visitor)
        } else {
            match self.0.into_items() {
                Ok(items) => visitor.visit_seq(Items(items)),
                Err(value) => Value(value).deserialize_map(visitor),
            }
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        visitor.visit_bool(self.0.as_bool().ok_or(Invalid::WrongValue)?)
    }

    whole_numbers!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64);

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        visitor.visit_string(self.string()?)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        self.deserialize_string(visitor)
    }

    /// `null` and an absent value are `None`, as serde_json reads them.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        if self.is_absent() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        if self.is_absent() {
            visitor.visit_unit()
        } else {
            Err(Invalid::WrongValue)
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        visitor.visit_seq(Items(self.items()?))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        visitor.visit_map(Entries::<S> {
            entries: S::into_entries(self.object()?),
            value: None,
        })
    }

    /// A struct reads its fields in declaration order, by the names serde derived for it (the
    /// server's names): as a sequence, so the derived code needs no field-name matching.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Invalid> {
        let mut fields = StructFields::<S> {
            object: self.object()?,
            names: fields.iter(),
            absent: None,
        };
        let read = visitor.visit_seq(&mut fields);
        // The derived code fails as soon as a required field is absent.
        read.map_err(|e| fields.absent.map_or(e, Invalid::MissingField))
    }

    /// A unit variant, which JSON writes as its name (the only kind of enum the API sends).
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Invalid> {
        let name: serde::de::value::StringDeserializer<Invalid> =
            self.string()?.into_deserializer();
        visitor.visit_enum(name)
    }

    /// A field the type does not know: skipped, whatever it holds.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Invalid> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        i128 u128 f32 f64 char bytes byte_buf unit_struct tuple tuple_struct
    }
}

/// A field the JSON object does not have: `None` for an option, nothing for any other type.
struct Absent;

impl<'de> Deserializer<'de> for Absent {
    type Error = Invalid;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Invalid> {
        Err(Invalid::WrongValue)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// The items of a JSON array, in order.
struct Items<I>(I);

impl<'de, S: Source, I: ExactSizeIterator<Item = S>> SeqAccess<'de> for Items<I> {
    type Error = Invalid;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Invalid> {
        self.0
            .next()
            .map(|item| seed.deserialize(Value(item)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// A struct's fields, read from a JSON object in the order the struct declares them. Fields
/// the struct does not know are not read at all. A field the object does not have is `None`
/// for an option, as serde_json reads it; for any other type it is the end of what this
/// sequence gives, and the derived code takes the field's default, or fails.
///
/// serde documents a struct's `fields` as its field names, but not that the derived code reads a
/// sequence in that order: `native_tests.rs` holds every answer type to serde_json's reading, so
/// a serde release or a serde attribute that breaks it fails a test, not a user.
struct StructFields<S: Source> {
    object: S::Object,
    names: std::slice::Iter<'static, &'static str>,
    /// The field just found absent, that is not an option.
    absent: Option<&'static str>,
}

impl<'de, S: Source> SeqAccess<'de> for StructFields<S> {
    type Error = Invalid;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Invalid> {
        self.absent = None;
        let Some(&name) = self.names.next() else {
            return Ok(None);
        };
        match S::take_field(&mut self.object, name) {
            Some(value) => seed.deserialize(Value(value)).map(Some),
            None => match seed.deserialize(Absent) {
                Ok(none) => Ok(Some(none)),
                Err(_) => {
                    self.absent = Some(name);
                    Ok(None)
                }
            },
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.names.len())
    }
}

/// The entries of a JSON object read as a map (`BTreeMap`), in the object's order.
struct Entries<S: Source> {
    entries: S::Entries,
    value: Option<S>,
}

impl<'de, S: Source> MapAccess<'de> for Entries<S> {
    type Error = Invalid;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Invalid> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        // Keys are always strings in JSON; an enum key (an action's name) reads from it too.
        let key: serde::de::value::StringDeserializer<Invalid> =
            key.ok_or(Invalid::WrongValue)?.into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Invalid> {
        match self.value.take() {
            Some(value) => seed.deserialize(Value(value)),
            None => Err(Invalid::WrongValue),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}
