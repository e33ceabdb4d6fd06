//! [`AppJson`]: the JSON body extractor every API handler uses, so that a bad body gets our
//! error envelope naming the field, never axum's plain-text rejection.
//!
//! - not `application/json` → `415 unsupported_media_type`
//! - larger than [`crate::limits::MAX_BODY_BYTES`] (with or without a length) → `413 body_too_large`
//! - not JSON, or nested deeper than serde_json's limit of 128 → `400 invalid_json`
//! - wrong shape (missing or unknown field, wrong type, unknown enum value) → `400 invalid_body`
//!   with `field` set to the dotted path, e.g. `item.mode`

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use liaison_domain::api::ErrorCode;
use serde::de::DeserializeOwned;

use crate::http::error::ApiError;
use crate::http::limits::MAX_BODY_BYTES;

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct AppJson<T>(pub T);

impl<S, T> FromRequest<S> for AppJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(&req) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::BodyTooLarge {
                    limit: MAX_BODY_BYTES,
                }
            } else {
                ApiError::invalid_body(None, format!("the body could not be read: {rejection}"))
            }
        })?;
        parse(&bytes).map(AppJson)
    }
}

fn is_json(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim();
            mime.eq_ignore_ascii_case("application/json")
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
}

/// Parses `bytes` as `T`, naming the offending field on failure.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        from_serde(error.into_inner(), &path)
    })?;
    // Anything after the document, such as a second document, is not JSON we accept.
    deserializer.end().map_err(|e| from_serde(e, "."))?;
    Ok(value)
}

fn from_serde(error: serde_json::Error, path: &str) -> ApiError {
    let message = error.to_string();
    if error.is_data() {
        ApiError::BadRequest {
            code: ErrorCode::InvalidBody,
            field: field_of(path, &message),
            message: strip_position(&message),
        }
    } else {
        ApiError::BadRequest {
            code: ErrorCode::InvalidJson,
            // Where the parser had got to, when it got past the top level.
            field: field_of(path, ""),
            message: format!("the body is not valid JSON: {}", strip_position(&message)),
        }
    }
}

/// The dotted path of the field a serde error is about. For a missing field the path stops at
/// its parent and serde names the field in the message, so the name is appended.
fn field_of(path: &str, message: &str) -> Option<String> {
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next());
    let parent = if path == "." { "" } else { path };
    // An unknown field is already the path's last segment; a missing one is not.
    let named = named.filter(|name| parent.rsplit('.').next() != Some(name));
    match (parent, named) {
        ("", None) => None,
        ("", Some(name)) => Some(name.to_owned()),
        (parent, None) => Some(parent.to_owned()),
        (parent, Some(name)) => Some(format!("{parent}.{name}")),
    }
}

/// serde_json ends messages with " at line L column C"; the field says where instead.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    #[expect(dead_code, reason = "fields exist to be deserialized")]
    struct Outer {
        item: Inner,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    #[expect(dead_code, reason = "fields exist to be deserialized")]
    struct Inner {
        is_private: bool,
    }

    fn field_and_code(json: &str) -> (Option<String>, ErrorCode) {
        match parse::<Outer>(json.as_bytes()).unwrap_err() {
            ApiError::BadRequest { field, code, .. } => (field, code),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn errors_name_the_dotted_path_of_the_field() {
        assert_eq!(
            field_and_code(r#"{"item": {"isPrivate": "yes"}}"#),
            (Some("item.isPrivate".into()), ErrorCode::InvalidBody)
        );
        assert_eq!(
            field_and_code(r#"{"item": {}}"#),
            (Some("item.isPrivate".into()), ErrorCode::InvalidBody)
        );
        assert_eq!(
            field_and_code(r#"{"item": {"isPrivate": true, "x": 1}}"#),
            (Some("item.x".into()), ErrorCode::InvalidBody)
        );
        assert_eq!(
            field_and_code(r#"{}"#),
            (Some("item".into()), ErrorCode::InvalidBody)
        );
    }

    #[test]
    fn broken_or_trailing_json_is_invalid_json() {
        assert_eq!(field_and_code(r#"{"item": "#).1, ErrorCode::InvalidJson);
        assert_eq!(
            field_and_code(r#"{"item": {"isPrivate": true}} trailing"#).1,
            ErrorCode::InvalidJson
        );
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        let deep = "[".repeat(100_000);
        let Err(ApiError::BadRequest { code, .. }) = parse::<serde_json::Value>(deep.as_bytes())
        else {
            panic!("deep nesting must be refused")
        };
        assert_eq!(code, ErrorCode::InvalidJson);
    }
}

/// A query string of type `T`; a malformed one gets `400 invalid_body`, as JSON, naming the
/// parameter that is wrong.
#[derive(Debug)]
pub struct AppQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for AppQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        // What axum's `Query` does (serde_urlencoded), with the failing parameter's name kept.
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(AppQuery)
            .map_err(|error| {
                let path = error.path().to_string();
                let message = error.into_inner().to_string();
                ApiError::invalid_body(field_of(&path, &message), message)
            })
    }
}
