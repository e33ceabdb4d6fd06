//! Wire names of unit enums, written once: [`wire_names!`] gives an enum its names on the wire
//! (JSON, the database, query strings, the pane's `data-` attributes) and, from that one table,
//! `as_str`, `parse`, `ALL`, `Display`, `TryFrom<String>` (what `sqlx(try_from)` uses) and
//! serde's `Serialize`/`Deserialize` — no second spelling by hand, no round trip through a JSON
//! string to learn a name. The enum itself stays ordinary code; the match in `as_str` is
//! exhaustive, so a variant without a name does not compile.

/// A name that is not one of the enum's ([`wire_names!`]'s `TryFrom<String>` and `parse`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// What was named (the enum's type).
    pub what: &'static str,
    pub name: String,
}

impl std::fmt::Display for UnknownName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown {} {:?}", self.what, self.name)
    }
}

impl std::error::Error for UnknownName {}

/// `wire_names! { Enum { Variant => "name", … } }`: see the module's documentation.
#[macro_export]
macro_rules! wire_names {
    ($enum:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $enum {
            /// Every value, in declaration order of the names.
            pub const ALL: [Self; [$(stringify!($variant)),+].len()] = [$(Self::$variant),+];

            /// The value's name on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name),+
                }
            }

            /// The value a wire name names (exactly, case included).
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($name => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl ::core::fmt::Display for $enum {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::core::convert::TryFrom<String> for $enum {
            type Error = $crate::wire::UnknownName;

            fn try_from(text: String) -> Result<Self, Self::Error> {
                Self::parse(&text).ok_or($crate::wire::UnknownName {
                    what: stringify!($enum),
                    name: text,
                })
            }
        }

        impl ::serde::Serialize for $enum {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $enum {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Names;

                impl ::serde::de::Visitor<'_> for Names {
                    type Value = $enum;

                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str(concat!("a ", stringify!($enum), " name"))
                    }

                    fn visit_str<E: ::serde::de::Error>(self, text: &str) -> Result<$enum, E> {
                        $enum::parse(text).ok_or_else(|| {
                            E::unknown_variant(text, &[$($name),+])
                        })
                    }
                }

                deserializer.deserialize_str(Names)
            }
        }

        $crate::__wire_schema!($enum, $($name),+);
    };
}

/// With the `openapi` feature: the enum's OpenAPI schema, a string of one of its names.
#[cfg(feature = "openapi")]
#[doc(hidden)]
#[macro_export]
macro_rules! __wire_schema {
    ($enum:ident, $($name:literal),+) => {
        impl $crate::__utoipa::PartialSchema for $enum {
            fn schema() -> $crate::__utoipa::openapi::RefOr<$crate::__utoipa::openapi::schema::Schema> {
                $crate::__utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type($crate::__utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($name),+]))
                    .into()
            }
        }

        impl $crate::__utoipa::ToSchema for $enum {}
    };
}

/// Without the `openapi` feature (the task pane): nothing.
#[cfg(not(feature = "openapi"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __wire_schema {
    ($($any:tt)*) => {};
}

#[cfg(test)]
mod tests {
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Colour {
        Red,
        DarkBlue,
    }

    crate::wire_names!(Colour {
        Red => "red",
        DarkBlue => "darkBlue",
    });

    #[test]
    fn one_table_names_a_value_everywhere() {
        assert_eq!(Colour::ALL, [Colour::Red, Colour::DarkBlue]);
        for colour in Colour::ALL {
            let json = serde_json::to_string(&colour).unwrap();
            assert_eq!(json, format!("\"{}\"", colour.as_str()));
            assert_eq!(serde_json::from_str::<Colour>(&json).unwrap(), colour);
            assert_eq!(Colour::parse(colour.as_str()), Some(colour));
            assert_eq!(Colour::try_from(colour.to_string()), Ok(colour));
        }
        assert_eq!(Colour::parse("DarkBlue"), None, "names are exact");
        assert!(serde_json::from_str::<Colour>("\"green\"").is_err());
        assert_eq!(
            Colour::try_from("green".to_owned())
                .unwrap_err()
                .to_string(),
            "unknown Colour \"green\""
        );
    }
}
