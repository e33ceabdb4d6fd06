//! JSON for the pane's API types, without a general JSON library in every user's download.
//!
//! - Reading ([`from_js`]): the browser's own `JSON.parse` makes the value, and a small serde
//!   `Deserializer` walks it into the types `liaison_domain` derives for the server, so the field
//!   names are the server's by construction.
//! - Writing ([`to_string`]): a small serde `Serializer` writes the JSON text serde_json would
//!   write for the shapes requests have (structs, strings, booleans, integers, options, lists,
//!   unit enum values); any other shape is refused, never written wrongly.
//!
//! Why not serde_json or serde-wasm-bindgen: both format their error messages with
//! `core::fmt` (serde's "invalid type: floating point `1.5`, expected u32" brings a float
//! printer), and serde-wasm-bindgen handles every JavaScript type the pane never receives.
//! This module took the pane from 141.2 to 125.0 KB gzip (issue 18), 4.8 of it by reading structs
//! as sequences, in the order serde names their fields. serde does not promise that the derived
//! code accepts that, so the native tests (`native_tests.rs`) run the same reader over a
//! `serde_json::Value` and hold it to serde_json's reading of every answer type and every
//! variation of it (issue 25). An error here is an [`Invalid`]: a kind and, where it costs nothing, the
//! field's name.

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;
mod invalid;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod native_tests;
mod read;
#[cfg(test)]
mod samples;
mod write;

pub use invalid::Invalid;
pub use read::from_js;
pub use write::to_string;

/// Reads `text` as JSON into `T`.
pub fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Invalid> {
    let value = js_sys::JSON::parse(text).map_err(|_| Invalid::NotJson)?;
    from_js(value)
}
