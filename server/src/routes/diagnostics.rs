//! `GET /diagnostics/permissions`: a page where an admin fills in the facts about a delegate and
//! an item and sees every action's verdict and why — "why can't this delegate save this event?".
//!
//! A plain HTML form submitted with GET (so a result can be linked and shared), answered with
//! the same rules and validation as `POST /api/permissions/resolve`.

use std::collections::HashMap;

use axum::extract::Query;
use axum::response::Html;
use liaison_domain::api::{
    AccessRequest, CrmRequest, ItemRequest, ResolveRequest, ResolveResponse,
};
use liaison_domain::permissions::{Action, resolve};
use serde::de::DeserializeOwned;

use crate::http::markup::escape;
use crate::http::pages::layout;

const SOURCES: [(&str, &str); 3] = [
    (
        "officeDelegatePermissions",
        "Office.js delegatePermissions (bits 0–63)",
    ),
    ("graphRole", "Graph calendarPermission.role"),
    ("ewsLevel", "EWS permission level"),
];
const MODES: [&str; 2] = ["read", "compose"];
const CREATORS: [&str; 3] = ["owner", "delegate", "other"];
const CRM_ACCESS: [&str; 3] = ["none", "read", "edit"];
const CHECKBOXES: [(&str, &str); 6] = [
    ("canViewPrivateItems", "The delegate can see private items"),
    (
        "sendOnBehalf",
        "The delegate can send on the owner's behalf",
    ),
    ("isPrivate", "The item is private"),
    ("isInboundInvite", "The item is an inbound meeting invite"),
    ("organizerSyncEnabled", "The Organizer's sync is on"),
    ("eventExists", "The item already has a CRM event"),
];

/// The form as submitted: every field a string, checkboxes present when ticked.
type Form = HashMap<String, String>;

pub async fn get_permission_diagnostics(Query(mut form): Query<Form>) -> Html<String> {
    if !form.contains_key("delegate") {
        form = example();
    }
    let outcome = request_from(&form).and_then(|request| {
        request
            .to_facts()
            .map(|facts| (request, ResolveResponse::from(resolve(&facts))))
            .map_err(|e| (e.field, e.message))
    });
    let result = match &outcome {
        Ok((request, response)) => render_result(request, response),
        Err((field, message)) => format!(
            "<p class=\"refused\" role=\"alert\"><strong>{}</strong>: {}</p>",
            escape(field),
            escape(message)
        ),
    };
    Html(page(&render_form(&form), &result))
}

/// The spec's example: an Author on an item they created, no CRM event yet.
fn example() -> Form {
    [
        ("delegate", "ann@contoso.com"),
        ("owner", "olga@contoso.com"),
        ("accessSource", "officeDelegatePermissions"),
        ("accessValue", "23"),
        ("mode", "read"),
        ("createdBy", "delegate"),
        ("organizerSyncEnabled", "on"),
        ("delegateAccess", "none"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn request_from(form: &Form) -> Result<ResolveRequest, (String, String)> {
    let text = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let ticked = |name: &str| form.contains_key(name);
    let value = text("accessValue").trim();
    let mut access = AccessRequest::default();
    match text("accessSource") {
        "officeDelegatePermissions" => {
            access.office_delegate_permissions = Some(value.parse().map_err(|_| {
                field_error(
                    "access.officeDelegatePermissions",
                    "must be a whole number from 0 to 63",
                )
            })?);
        }
        "graphRole" => access.graph_role = Some(enum_value("access.graphRole", value)?),
        "ewsLevel" => access.ews_level = Some(enum_value("access.ewsLevel", value)?),
        _ => return Err(field_error("access", "choose where the level comes from")),
    }
    Ok(ResolveRequest {
        delegate: text("delegate").to_owned(),
        owner: text("owner").to_owned(),
        access,
        can_view_private_items: ticked("canViewPrivateItems"),
        send_on_behalf: ticked("sendOnBehalf"),
        item: ItemRequest {
            mode: enum_value("item.mode", text("mode"))?,
            created_by: enum_value("item.createdBy", text("createdBy"))?,
            is_private: ticked("isPrivate"),
            is_inbound_invite: ticked("isInboundInvite"),
        },
        organizer_sync_enabled: ticked("organizerSyncEnabled"),
        crm: CrmRequest {
            event_exists: ticked("eventExists"),
            delegate_access: enum_value("crm.delegateAccess", text("delegateAccess"))?,
        },
    })
}

/// Parses `value` by the enum's wire name, so the page accepts exactly what the API accepts.
fn enum_value<T: DeserializeOwned>(field: &str, value: &str) -> Result<T, (String, String)> {
    use serde::de::IntoDeserializer;
    let text: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
        value.into_deserializer();
    T::deserialize(text).map_err(|e| field_error(field, &e.to_string()))
}

fn field_error(field: &str, message: &str) -> (String, String) {
    (field.to_owned(), message.to_owned())
}

fn render_form(form: &Form) -> String {
    let text = |name: &str| escape(form.get(name).map(String::as_str).unwrap_or_default());
    let select = |name: &str, label: &str, options: &[(&str, &str)]| {
        let current = form.get(name).map(String::as_str).unwrap_or_default();
        let options: String = options
            .iter()
            .map(|(value, text)| {
                let selected = if *value == current { " selected" } else { "" };
                format!("<option value=\"{value}\"{selected}>{text}</option>")
            })
            .collect();
        format!("<label>{label} <select name=\"{name}\">{options}</select></label>")
    };
    let plain = |values: &[&'static str]| -> Vec<(&'static str, &'static str)> {
        values.iter().map(|v| (*v, *v)).collect()
    };
    let checkboxes: String = CHECKBOXES
        .iter()
        .map(|(name, label)| {
            let checked = if form.contains_key(*name) { " checked" } else { "" };
            format!("<label class=\"check\"><input type=\"checkbox\" name=\"{name}\"{checked}> {label}</label>")
        })
        .collect();
    format!(
        "<form method=\"get\" action=\"/diagnostics/permissions\">\
         <fieldset><legend>Who</legend>\
         <label>Delegate (signed in) <input name=\"delegate\" value=\"{}\" required></label>\
         <label>Calendar owner (Organizer) <input name=\"owner\" value=\"{}\" required></label>\
         </fieldset>\
         <fieldset><legend>Calendar access</legend>{}\
         <label>Value <input name=\"accessValue\" value=\"{}\" \
         placeholder=\"63, 23, 1 · write, read · Editor, Author, Reviewer\"></label>\
         </fieldset>\
         <fieldset><legend>The item and its CRM event</legend>{}{}{}{}</fieldset>\
         <button type=\"submit\">Check</button></form>",
        text("delegate"),
        text("owner"),
        select("accessSource", "Source", &SOURCES),
        text("accessValue"),
        select("mode", "Opened in", &plain(&MODES)),
        select("createdBy", "Created by", &plain(&CREATORS)),
        select(
            "delegateAccess",
            "Delegate's CRM access to the event",
            &plain(&CRM_ACCESS)
        ),
        checkboxes,
    )
}

fn render_result(request: &ResolveRequest, response: &ResolveResponse) -> String {
    let level = serde_json::to_value(response.level).unwrap_or_default();
    let capabilities = serde_json::to_value(response.capabilities).unwrap_or_default();
    let granted: Vec<String> = capabilities
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, v)| v.as_bool() == Some(true))
        .map(|(k, _)| k.clone())
        .collect();
    let rows: String = response
        .actions
        .iter()
        .map(|(action, verdict)| {
            let name = action_name(*action);
            match (&verdict.reason, &verdict.message) {
                (Some(reason), Some(message)) => format!(
                    "<tr class=\"refused\"><th scope=\"row\">{name}</th><td>Refused</td>\
                     <td><code>{}</code> {}</td></tr>",
                    reason.as_str(),
                    escape(message)
                ),
                _ => format!(
                    "<tr class=\"allowed\"><th scope=\"row\">{name}</th><td>Allowed</td><td></td></tr>"
                ),
            }
        })
        .collect();
    let json = serde_json::to_string_pretty(request).unwrap_or_default();
    format!(
        "<section aria-labelledby=\"verdict\"><h2 id=\"verdict\">Verdict</h2>\
         <p>Level: <strong id=\"level\">{}</strong>. Capabilities: {}. CRM destination: {}.</p>\
         <table><thead><tr><th scope=\"col\">Action</th><th scope=\"col\">Verdict</th>\
         <th scope=\"col\">Why</th></tr></thead><tbody>{rows}</tbody></table>\
         <h3>The same question to the API</h3>\
         <p><code>POST /api/permissions/resolve</code> with:</p><pre>{}</pre></section>",
        escape(level.as_str().unwrap_or_default()),
        if granted.is_empty() {
            "none".to_owned()
        } else {
            escape(&granted.join(", "))
        },
        response
            .destination
            .as_deref()
            .map(escape)
            .unwrap_or_else(|| "none".to_owned()),
        escape(&json),
    )
}

fn action_name(action: Action) -> String {
    serde_json::to_value(action)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn page(form: &str, result: &str) -> String {
    layout(
        "Permission check",
        "",
        &format!(
            "<h1>Why can't this delegate…?</h1><p>Fill in what Outlook knows about the delegate \
             and the item; Liaison answers what the delegate may do and, for every refusal, \
             why. Nothing is read or stored.</p>{form}{result}"
        ),
    )
}
