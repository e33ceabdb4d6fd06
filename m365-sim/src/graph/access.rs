//! What every simulated Graph route shares: the caller's token and scopes, delegated access
//! as Exchange grants it (the seeded delegate bits), Graph's error bodies, paging.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, Uri};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::state::{Claims, SimState};
use crate::traffic::graph_error;
use crate::world::{GraphEvent, World};

/// Office `DelegatePermissions` bits.
pub(super) const READ: u8 = 1;
pub(super) const WRITE: u8 = 2;
pub(super) const DELETE_OWN: u8 = 4;
pub(super) const DELETE_ALL: u8 = 8;
pub(super) const EDIT_OWN: u8 = 16;
pub(super) const EDIT_ALL: u8 = 32;
pub(super) const DEFAULT_PAGE_SIZE: usize = 50;
pub(super) const MAX_BATCH: usize = 20;

pub(super) type GraphResult = Result<Response, Response>;

pub(super) fn denied() -> Response {
    graph_error(
        StatusCode::FORBIDDEN,
        "ErrorAccessDenied",
        "Access is denied. Check credentials and try again.",
        None,
    )
}

pub(super) fn not_found() -> Response {
    graph_error(
        StatusCode::NOT_FOUND,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
        None,
    )
}

pub(super) fn bad_request(code: &str, message: &str) -> Response {
    graph_error(StatusCode::BAD_REQUEST, code, message, None)
}

/// Rewrites `/v1.0/me/…` to `/v1.0/users/me/…`, so one set of routes serves both.
pub fn rewrite_me(mut request: Request<Body>) -> Request<Body> {
    let path = request.uri().path();
    if path == "/v1.0/me" || path.starts_with("/v1.0/me/") {
        let rest = &path["/v1.0/me".len()..];
        let query = request
            .uri()
            .query()
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        if let Ok(uri) = format!("/v1.0/users/me{rest}{query}").parse::<Uri>() {
            *request.uri_mut() = uri;
        }
    }
    request
}

/// The verified caller of a Graph request.
pub(super) fn caller(state: &SimState, headers: &HeaderMap) -> Result<Claims, Response> {
    state.graph_caller(headers).ok_or_else(|| {
        graph_error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token is empty, invalid or expired.",
            None,
        )
    })
}

pub(super) fn has_scope(claims: &Claims, any_of: &[&str]) -> bool {
    claims
        .scp
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .any(|s| any_of.contains(&s))
}

/// What the caller may do in the mailbox `owner`.
pub(super) struct Access {
    pub(super) owner: String,
    pub(super) own: bool,
    pub(super) bits: u8,
    pub(super) private: bool,
}

impl Access {
    pub(super) fn resolve(
        world: &World,
        claims: &Claims,
        user: &str,
        write: bool,
    ) -> Result<Self, Response> {
        let owner = if user == "me" {
            claims.oid.clone()
        } else {
            match world.find_user(user) {
                Some((tenant, u)) if tenant == claims.tid => u.id,
                _ => return Err(not_found()),
            }
        };
        if owner == claims.oid {
            let scopes: &[&str] = if write {
                &["Calendars.ReadWrite"]
            } else {
                &["Calendars.Read", "Calendars.ReadWrite"]
            };
            if !has_scope(claims, scopes) {
                return Err(denied());
            }
            return Ok(Self {
                owner,
                own: true,
                bits: 63,
                private: true,
            });
        }
        let shared: &[&str] = if write {
            &["Calendars.ReadWrite.Shared"]
        } else {
            &["Calendars.Read.Shared", "Calendars.ReadWrite.Shared"]
        };
        if !has_scope(claims, shared) {
            return Err(denied());
        }
        let (bits, private) = world.delegation(&owner, &claims.oid).unwrap_or((0, false));
        if bits & READ == 0 {
            return Err(denied());
        }
        Ok(Self {
            owner,
            own: false,
            bits,
            private,
        })
    }

    pub(super) fn limited(&self, event: &GraphEvent) -> bool {
        event.is_private() && !self.private
    }

    pub(super) fn may_edit(&self, event: &GraphEvent, caller: &str) -> bool {
        self.own
            || self.bits & EDIT_ALL != 0
            || (self.bits & EDIT_OWN != 0 && event.created_by == caller)
    }

    pub(super) fn may_delete(&self, event: &GraphEvent, caller: &str) -> bool {
        self.own
            || self.bits & DELETE_ALL != 0
            || (self.bits & DELETE_OWN != 0 && event.created_by == caller)
    }
}

/// Items on a page: what `Prefer: odata.maxpagesize` asks, capped where the world caps it.
pub(super) fn page_size(world: &World, headers: &HeaderMap) -> usize {
    let asked = headers
        .get("prefer")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .find_map(|p| p.trim().strip_prefix("odata.maxpagesize="))
                .and_then(|n| n.trim().parse().ok())
        })
        .filter(|n: &usize| *n > 0)
        .unwrap_or(DEFAULT_PAGE_SIZE);
    asked.min(world.max_page_size)
}

/// A collection page: `items[skip..skip+size]` and a next link when more follow.
pub(super) fn page(
    items: Vec<Value>,
    skip: usize,
    size: usize,
    next: impl Fn(usize) -> String,
) -> Value {
    let total = items.len();
    let value: Vec<Value> = items.into_iter().skip(skip).take(size).collect();
    let mut body = json!({ "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#events", "value": value });
    if skip + size < total {
        body["@odata.nextLink"] = json!(next(skip + size));
    }
    body
}

pub(super) fn encode_query(pairs: &[(&str, &str)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        serializer.append_pair(k, v);
    }
    serializer.finish()
}

/// Anything else under Graph.
pub async fn not_found_route() -> Response {
    graph_error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        "Resource not found for the segment.",
        None,
    )
}

/// Graph times in a query (`2026-11-23T00:00:00Z`, with or without offset/fraction) as the
/// world's fixed format.
pub(super) fn window_time(value: Option<&String>, name: &str) -> Result<String, Response> {
    let value = value.ok_or_else(|| {
        bad_request("ErrorInvalidParameter", &format!("This request requires a time window specified by the query string parameters StartDateTime and EndDateTime; {name} is missing."))
    })?;
    if value.len() < 19 || value.as_bytes()[10] != b'T' {
        return Err(bad_request(
            "ErrorInvalidParameter",
            &format!("The value of {name} is not a valid date and time."),
        ));
    }
    Ok(value[..19].to_owned())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DateTimeZone {
    pub(super) date_time: String,
    #[expect(dead_code, reason = "Graph sends it; the simulator keeps times in UTC")]
    pub(super) time_zone: String,
}

pub(super) fn time_of(value: &DateTimeZone) -> Result<String, Response> {
    if value.date_time.len() < 19 {
        return Err(bad_request(
            "ErrorInvalidRequest",
            "dateTime is not a valid date and time.",
        ));
    }
    Ok(value.date_time[..19].to_owned())
}
