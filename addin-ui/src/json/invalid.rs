//! [`Invalid`]: why JSON could not be read or written, as a kind, without formatted text.

use std::fmt;

/// Why a value could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// The text is not JSON.
    NotJson,
    /// A value has the wrong type or is out of range (a string where a number goes, `-1` or
    /// `1.5` for a count, a name that is not one of the enum's).
    WrongValue,
    /// A required field is absent.
    MissingField(&'static str),
    /// A shape the writer does not write (floats, maps, tuples, bytes).
    Unsupported,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotJson => f.write_str("not JSON"),
            Self::WrongValue => f.write_str("a value of the wrong type"),
            Self::MissingField(name) => {
                f.write_str("no field ")?;
                f.write_str(name)
            }
            Self::Unsupported => f.write_str("a shape the pane does not write"),
        }
    }
}

impl std::error::Error for Invalid {}

// serde builds its error messages with `format_args!`; each constructor is replaced by one
// that keeps the kind and drops the text, so no formatting code is linked in.
impl serde::de::Error for Invalid {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Self::WrongValue
    }
    fn invalid_type(_: serde::de::Unexpected, _: &dyn serde::de::Expected) -> Self {
        Self::WrongValue
    }
    fn invalid_value(_: serde::de::Unexpected, _: &dyn serde::de::Expected) -> Self {
        Self::WrongValue
    }
    fn invalid_length(_: usize, _: &dyn serde::de::Expected) -> Self {
        Self::WrongValue
    }
    fn unknown_variant(_: &str, _: &'static [&'static str]) -> Self {
        Self::WrongValue
    }
    fn unknown_field(_: &str, _: &'static [&'static str]) -> Self {
        Self::WrongValue
    }
    fn missing_field(field: &'static str) -> Self {
        Self::MissingField(field)
    }
    fn duplicate_field(_: &'static str) -> Self {
        Self::WrongValue
    }
}

impl serde::ser::Error for Invalid {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Self::Unsupported
    }
}
