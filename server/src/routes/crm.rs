//! `GET /api/crm/records`: search the CRM records the caller may see — by kind, by words that
//! start any word of the name, e-mail or company — one page at a time.

use axum::Json;
use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use liaison_domain::api::{ErrorCode, RecordKind, RecordPage};
use serde::Deserialize;

use crate::http::console::ConsoleCaller;
use crate::http::error::{ApiError, Result};
use crate::http::extract::AppQuery;
use crate::state::AppState;
use crate::store::{RecordCursor, RecordQuery};

/// Words a query may have, and how long each.
const MAX_WORDS: usize = 5;
const MAX_WORD_LEN: usize = 64;
const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    kind: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/crm/records",
    tag = "crm",
    params(("q" = Option<String>, Query), ("kind" = Option<String>, Query), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = liaison_domain::api::RecordPage), (status = "4XX", description = "refused or invalid: the error envelope", body = liaison_domain::api::ErrorBody)),
    security(("session" = []), ("console" = []))
)]
pub async fn search_records(
    State(state): State<AppState>,
    ConsoleCaller { caller, .. }: ConsoleCaller,
    AppQuery(search): AppQuery<SearchQuery>,
) -> Result<Json<RecordPage>> {
    let words: Vec<String> = search.q.split_whitespace().map(str::to_lowercase).collect();
    if words.len() > MAX_WORDS || words.iter().any(|w| w.chars().count() > MAX_WORD_LEN) {
        return Err(invalid(
            "q",
            format!("at most {MAX_WORDS} words of {MAX_WORD_LEN} characters"),
        ));
    }
    let kind = search
        .kind
        .as_deref()
        .filter(|k| !k.is_empty())
        .map(|k| {
            RecordKind::parse(k)
                .ok_or_else(|| invalid("kind", "must be account, contact, lead or opportunity"))
        })
        .transpose()?;
    let limit = match search.limit.as_deref() {
        None | Some("") => DEFAULT_LIMIT,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| invalid("limit", format!("must be from 1 to {MAX_LIMIT}")))?,
    };
    let after = search
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(decode_cursor)
        .transpose()?
        .map(|(name, id)| RecordCursor { name, id });
    let query = RecordQuery {
        words,
        kind,
        limit: limit + 1,
        after,
    };
    let mut records = state
        .store
        .search_records(caller.tenant_id(), &caller.user.id, &query)
        .await?;
    let next_cursor = if records.len() > limit as usize {
        records.truncate(limit as usize);
        records.last().map(|r| encode_cursor(&r.name, &r.id))
    } else {
        None
    };
    Ok(Json(RecordPage {
        records,
        next_cursor,
    }))
}

fn encode_cursor(name: &str, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&(name, id)).unwrap_or_default())
}

fn decode_cursor(cursor: &str) -> Result<(String, String)> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| invalid("cursor", "not a cursor this API gave out"))
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::BadRequest {
        code: ErrorCode::InvalidValue,
        message: message.into(),
        field: Some(field.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_a_forged_one_is_refused() {
        let cursor = encode_cursor("Contoso Ltd", "r-1");
        assert_eq!(
            decode_cursor(&cursor).unwrap(),
            ("Contoso Ltd".into(), "r-1".into())
        );
        assert!(decode_cursor("not-a-cursor").is_err());
    }
}
