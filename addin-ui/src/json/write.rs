//! A serde `Serializer` that writes JSON text as serde_json writes it (no spaces, the same
//! string escapes), for the shapes the pane's requests have.

use serde::Serialize;
use serde::ser::{Impossible, SerializeSeq, SerializeStruct, Serializer};

use super::invalid::Invalid;

/// `value` as JSON text.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, Invalid> {
    let mut out = String::new();
    value.serialize(Writer { out: &mut out })?;
    Ok(out)
}

/// Appends `text` as a JSON string: `"` and `\` escaped, control characters as serde_json writes
/// them (`\n`, `\t`, … or `\u00XX`), everything else as it is.
fn write_string(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(char::from(HEX[(c as usize) >> 4]));
                out.push(char::from(HEX[(c as usize) & 0xf]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

struct Writer<'a> {
    out: &'a mut String,
}

impl<'a> Serializer for Writer<'a> {
    type Ok = ();
    type Error = Invalid;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Impossible<(), Invalid>;
    type SerializeTupleStruct = Impossible<(), Invalid>;
    type SerializeTupleVariant = Impossible<(), Invalid>;
    type SerializeMap = Impossible<(), Invalid>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Impossible<(), Invalid>;

    fn serialize_bool(self, v: bool) -> Result<(), Invalid> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }

    fn serialize_i8(self, v: i8) -> Result<(), Invalid> {
        self.serialize_i64(v.into())
    }

    fn serialize_i16(self, v: i16) -> Result<(), Invalid> {
        self.serialize_i64(v.into())
    }

    fn serialize_i32(self, v: i32) -> Result<(), Invalid> {
        self.serialize_i64(v.into())
    }

    fn serialize_i64(self, v: i64) -> Result<(), Invalid> {
        self.out.push_str(&v.to_string());
        Ok(())
    }

    fn serialize_u8(self, v: u8) -> Result<(), Invalid> {
        self.serialize_u64(v.into())
    }

    fn serialize_u16(self, v: u16) -> Result<(), Invalid> {
        self.serialize_u64(v.into())
    }

    fn serialize_u32(self, v: u32) -> Result<(), Invalid> {
        self.serialize_u64(v.into())
    }

    fn serialize_u64(self, v: u64) -> Result<(), Invalid> {
        self.out.push_str(&v.to_string());
        Ok(())
    }

    /// Refused: no request carries a float, and printing one would add a float printer.
    fn serialize_f32(self, _: f32) -> Result<(), Invalid> {
        Err(Invalid::Unsupported)
    }

    fn serialize_f64(self, _: f64) -> Result<(), Invalid> {
        Err(Invalid::Unsupported)
    }

    fn serialize_char(self, v: char) -> Result<(), Invalid> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<(), Invalid> {
        write_string(self.out, v);
        Ok(())
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<(), Invalid> {
        Err(Invalid::Unsupported)
    }

    fn serialize_none(self) -> Result<(), Invalid> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Invalid> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Invalid> {
        self.out.push_str("null");
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Invalid> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Invalid> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Invalid> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Invalid> {
        Err(Invalid::Unsupported)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a>, Invalid> {
        Ok(Compound::open(self.out, '[', ']'))
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Invalid> {
        Err(Invalid::Unsupported)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Invalid> {
        Err(Invalid::Unsupported)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Invalid> {
        Err(Invalid::Unsupported)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Invalid> {
        Err(Invalid::Unsupported)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>, Invalid> {
        Ok(Compound::open(self.out, '{', '}'))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Invalid> {
        Err(Invalid::Unsupported)
    }
}

/// A JSON array or object being written: a comma before each item but the first, then the
/// closing bracket (serde_json's own shape for both).
struct Compound<'a> {
    out: &'a mut String,
    first: bool,
    close: char,
}

impl<'a> Compound<'a> {
    fn open(out: &'a mut String, open: char, close: char) -> Self {
        out.push(open);
        Self {
            out,
            first: true,
            close,
        }
    }

    fn separate(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.out.push(',');
        }
    }
}

impl SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = Invalid;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Invalid> {
        self.separate();
        value.serialize(Writer { out: self.out })
    }

    fn end(self) -> Result<(), Invalid> {
        self.out.push(self.close);
        Ok(())
    }
}

/// An object's fields, in the struct's order.
impl SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = Invalid;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Invalid> {
        self.separate();
        write_string(self.out, key);
        self.out.push(':');
        value.serialize(Writer { out: self.out })
    }

    fn end(self) -> Result<(), Invalid> {
        self.out.push(self.close);
        Ok(())
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use liaison_domain::api::{
        DialogCode, ErrorCode, ItemRef, SaveItemRequest, SyncSetting, UnlinkRequest,
    };
    use proptest::prelude::*;

    use super::*;

    fn item(item_id: Option<&str>, bits: Option<u32>) -> ItemRef {
        ItemRef {
            owner: "olga@contoso.com".into(),
            item_id: item_id.map(str::to_owned),
            office_delegate_permissions: bits,
            lookup: None,
        }
    }

    #[test]
    fn every_request_the_pane_sends_is_written_as_serde_json_writes_it() {
        let save = SaveItemRequest {
            item: item(Some("AAMk\"1\\"), Some(63)),
            link_record_ids: vec!["r1".into(), "r\n2".into()],
        };
        let unlink = UnlinkRequest {
            item: item(None, None),
            record_id: Some("r1".into()),
        };
        let empty = SaveItemRequest {
            item: item(None, Some(0)),
            link_record_ids: Vec::new(),
        };
        assert_eq!(to_string(&save), Ok(serde_json::to_string(&save).unwrap()));
        assert_eq!(
            to_string(&unlink),
            Ok(serde_json::to_string(&unlink).unwrap())
        );
        assert_eq!(
            to_string(&empty),
            Ok(serde_json::to_string(&empty).unwrap())
        );
        let code = DialogCode { code: "c".into() };
        assert_eq!(to_string(&code), Ok(r#"{"code":"c"}"#.to_owned()));
        let setting = SyncSetting { sync_enabled: true };
        assert_eq!(
            to_string(&setting),
            Ok(r#"{"syncEnabled":true}"#.to_owned())
        );
        assert_eq!(
            to_string(&ErrorCode::AuthorNotCreator),
            Ok(r#""author_not_creator""#.to_owned())
        );
    }

    #[test]
    fn a_shape_it_does_not_write_is_refused_not_written_wrongly() {
        assert_eq!(to_string(&1.5_f64), Err(Invalid::Unsupported));
        assert_eq!(to_string(&(1, 2)), Err(Invalid::Unsupported));
        let map = std::collections::BTreeMap::from([("a", 1)]);
        assert_eq!(to_string(&map), Err(Invalid::Unsupported));
    }

    #[test]
    fn every_control_character_quote_and_backslash_is_escaped_as_serde_json_escapes_it() {
        let mut text: String = (0u8..0x20).map(char::from).collect();
        text.push_str("\"\\/\u{7f}é\u{1F4C5}");
        assert_eq!(to_string(&text), Ok(serde_json::to_string(&text).unwrap()));
    }

    proptest! {
        #[test]
        fn any_text_is_escaped_as_serde_json_escapes_it(text in any::<String>()) {
            prop_assert_eq!(to_string(&text).unwrap(), serde_json::to_string(&text).unwrap());
        }

        #[test]
        fn any_integer_is_written_as_serde_json_writes_it(n in any::<i64>(), m in any::<u64>()) {
            prop_assert_eq!(to_string(&n).unwrap(), serde_json::to_string(&n).unwrap());
            prop_assert_eq!(to_string(&m).unwrap(), serde_json::to_string(&m).unwrap());
        }
    }
}
