//! `POST /api/permissions/resolve`: the request and response exactly as the spec shows them,
//! and the request's validation into [`Facts`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::permissions::{
    AccessSource, Action, Capabilities, CreatedBy, CrmAccess, CrmFacts, EwsLevel, Facts, GraphRole,
    ItemFacts, ItemMode, Level, OfficeBits, Reason, Resolution, Verdict,
};

/// The facts about a delegate, an item and its CRM event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResolveRequest {
    /// The signed-in user's mailbox.
    pub delegate: String,
    /// The calendar owner's mailbox; equal to `delegate` for one's own calendar.
    pub owner: String,
    pub access: AccessRequest,
    pub can_view_private_items: bool,
    pub send_on_behalf: bool,
    pub item: ItemRequest,
    pub organizer_sync_enabled: bool,
    pub crm: CrmRequest,
}

/// Exactly one source of the delegate's calendar access.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccessRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_delegate_permissions: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph_role: Option<GraphRole>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ews_level: Option<EwsLevel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ItemRequest {
    pub mode: ItemMode,
    pub created_by: CreatedBy,
    pub is_private: bool,
    pub is_inbound_invite: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CrmRequest {
    pub event_exists: bool,
    pub delegate_access: CrmAccess,
}

/// The level, the capabilities, the CRM destination and every action's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResolveResponse {
    pub level: Level,
    pub capabilities: Capabilities,
    /// The Organizer's mailbox, or `null` when the delegate can save nothing to the CRM.
    pub destination: Option<String>,
    pub actions: BTreeMap<Action, ActionVerdict>,
}

/// One action's verdict on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ActionVerdict {
    pub allowed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A request field with a value the API does not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Dotted path of the field, e.g. `access.officeDelegatePermissions`.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub(crate) fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// The longest e-mail address SMTP allows.
const MAX_ADDRESS_LEN: usize = 320;

impl ResolveRequest {
    /// The spec's example (§2): Ann, an Author in Olga's calendar, on an item she created, with
    /// Olga's sync on and no CRM event yet.
    pub fn example() -> Self {
        Self {
            delegate: "ann@contoso.com".into(),
            owner: "olga@contoso.com".into(),
            access: AccessRequest {
                office_delegate_permissions: Some(23),
                ..AccessRequest::default()
            },
            can_view_private_items: false,
            send_on_behalf: false,
            item: ItemRequest {
                mode: ItemMode::Read,
                created_by: CreatedBy::Delegate,
                is_private: false,
                is_inbound_invite: false,
            },
            organizer_sync_enabled: true,
            crm: CrmRequest {
                event_exists: false,
                delegate_access: CrmAccess::None,
            },
        }
    }

    /// The request as [`Facts`], or the first field that is not acceptable.
    pub fn to_facts(&self) -> Result<Facts, FieldError> {
        let delegate = mailbox("delegate", &self.delegate)?;
        let owner = mailbox("owner", &self.owner)?;
        let access = self.access.to_source()?;
        Ok(Facts {
            is_owner: delegate.eq_ignore_ascii_case(owner),
            owner: owner.to_owned(),
            access: vec![access],
            client_bits: None,
            can_view_private_items: self.can_view_private_items,
            send_on_behalf: self.send_on_behalf,
            item: ItemFacts {
                mode: self.item.mode,
                created_by: self.item.created_by,
                is_private: self.item.is_private,
                is_inbound_invite: self.item.is_inbound_invite,
            },
            organizer_sync_enabled: self.organizer_sync_enabled,
            crm: CrmFacts {
                event_exists: self.crm.event_exists,
                delegate_access: self.crm.delegate_access,
            },
        })
    }
}

impl AccessRequest {
    fn to_source(&self) -> Result<AccessSource, FieldError> {
        match (
            self.office_delegate_permissions,
            self.graph_role,
            self.ews_level,
        ) {
            (Some(bits), None, None) => OfficeBits::new(bits).map(AccessSource::Office).ok_or_else(|| {
                FieldError::new(
                    "access.officeDelegatePermissions",
                    format!(
                        "{bits} has bits Office.js does not define: DelegatePermissions is a bit set from 0 to 63"
                    ),
                )
            }),
            (None, Some(role), None) => Ok(AccessSource::Graph(role)),
            (None, None, Some(level)) => Ok(AccessSource::Ews(level)),
            _ => Err(FieldError::new(
                "access",
                "give exactly one of officeDelegatePermissions, graphRole or ewsLevel",
            )),
        }
    }
}

/// A trimmed mailbox address of the form `local@domain`.
fn mailbox<'a>(field: &str, value: &'a str) -> Result<&'a str, FieldError> {
    let value = value.trim();
    let valid = value.len() <= MAX_ADDRESS_LEN
        && !value.chars().any(char::is_whitespace)
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        });
    if valid {
        Ok(value)
    } else {
        Err(FieldError::new(
            field,
            "must be a mailbox address such as ann@contoso.com",
        ))
    }
}

impl From<Resolution> for ResolveResponse {
    fn from(resolution: Resolution) -> Self {
        Self {
            level: resolution.level,
            capabilities: resolution.capabilities,
            destination: resolution.destination,
            actions: resolution
                .actions
                .into_iter()
                .map(|(action, verdict)| (action, verdict.into()))
                .collect(),
        }
    }
}

impl From<Verdict> for ActionVerdict {
    fn from(verdict: Verdict) -> Self {
        match verdict {
            Verdict::Allowed => Self {
                allowed: true,
                reason: None,
                message: None,
            },
            Verdict::Refused(reason) => Self {
                allowed: false,
                reason: Some(reason),
                message: Some(reason.message().to_owned()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::permissions::resolve;

    /// The spec's example request, §2.
    const SPEC_REQUEST: &str = r#"{
      "delegate": "ann@contoso.com",
      "owner": "olga@contoso.com",
      "access": { "officeDelegatePermissions": 23 },
      "canViewPrivateItems": false,
      "sendOnBehalf": false,
      "item": { "mode": "read", "createdBy": "delegate", "isPrivate": false, "isInboundInvite": false },
      "organizerSyncEnabled": true,
      "crm": { "eventExists": false, "delegateAccess": "none" }
    }"#;

    fn answer(json: &str) -> serde_json::Value {
        let request: ResolveRequest = serde_json::from_str(json).unwrap();
        let response = ResolveResponse::from(resolve(&request.to_facts().unwrap()));
        serde_json::to_value(response).unwrap()
    }

    #[test]
    fn the_spec_examples_json_is_the_example_request() {
        let request: ResolveRequest = serde_json::from_str(SPEC_REQUEST).unwrap();
        assert_eq!(request, ResolveRequest::example());
    }

    #[test]
    fn the_spec_example_gets_the_spec_answer() {
        let answer = answer(SPEC_REQUEST);

        assert_eq!(answer["level"], "Author");
        assert_eq!(
            answer["capabilities"],
            serde_json::json!({ "read": true, "create": true, "editOwn": true, "editAll": false,
                                "deleteOwn": true, "deleteAll": false, "viewPrivate": false })
        );
        assert_eq!(answer["destination"], "olga@contoso.com");
        let actions = answer["actions"].as_object().unwrap();
        assert_eq!(actions.len(), 9);
        for allowed in [
            "viewSidebar",
            "viewDetails",
            "saveToCrm",
            "categorizeForSync",
            "respondToInvite",
            "createInviteOnBehalf",
            "sendAvailability",
        ] {
            assert_eq!(
                actions[allowed],
                serde_json::json!({ "allowed": true }),
                "{allowed}"
            );
        }
        for refused in ["updateCrmEvent", "unlinkFromCrm"] {
            assert_eq!(actions[refused]["allowed"], false);
            assert_eq!(actions[refused]["reason"], "not_found");
            assert!(!actions[refused]["message"].as_str().unwrap().is_empty());
        }
    }

    #[test]
    fn actions_are_listed_in_the_specs_order() {
        let request: ResolveRequest = serde_json::from_str(SPEC_REQUEST).unwrap();
        let text = serde_json::to_string(&ResolveResponse::from(resolve(
            &request.to_facts().unwrap(),
        )))
        .unwrap();
        let order = [
            "viewSidebar",
            "viewDetails",
            "saveToCrm",
            "updateCrmEvent",
            "categorizeForSync",
            "respondToInvite",
            "createInviteOnBehalf",
            "sendAvailability",
            "unlinkFromCrm",
        ];
        let positions: Vec<_> = order
            .iter()
            .map(|k| text.find(&format!("\"{k}\"")).unwrap())
            .collect();
        assert!(positions.is_sorted(), "{text}");
    }

    #[test]
    fn a_reviewer_has_no_destination() {
        let json = SPEC_REQUEST.replace("23", "1");
        assert_eq!(answer(&json)["destination"], serde_json::Value::Null);
        assert_eq!(answer(&json)["level"], "Reviewer");
    }

    #[test]
    fn access_needs_exactly_one_source() {
        let mut request: ResolveRequest = serde_json::from_str(SPEC_REQUEST).unwrap();
        request.access.graph_role = Some(GraphRole::Write);
        assert_eq!(request.to_facts().unwrap_err().field, "access");
        request.access = AccessRequest::default();
        assert_eq!(request.to_facts().unwrap_err().field, "access");
    }

    #[test]
    fn bits_office_js_does_not_define_are_refused() {
        let json = SPEC_REQUEST.replace("23", "64");
        let request: ResolveRequest = serde_json::from_str(&json).unwrap();
        assert_eq!(
            request.to_facts().unwrap_err().field,
            "access.officeDelegatePermissions"
        );
    }

    #[test]
    fn mailboxes_must_look_like_addresses_and_compare_without_case() {
        let mut request: ResolveRequest = serde_json::from_str(SPEC_REQUEST).unwrap();
        request.owner = "ANN@contoso.com ".into();
        assert!(request.to_facts().unwrap().is_owner);
        for bad in [
            "",
            "ann",
            "@contoso.com",
            "ann@",
            "a b@contoso.com",
            "a@b@c",
        ] {
            request.delegate = bad.into();
            assert_eq!(request.to_facts().unwrap_err().field, "delegate", "{bad:?}");
        }
    }

    #[test]
    fn unknown_fields_and_enum_values_do_not_deserialize() {
        let extra = SPEC_REQUEST.replace("\"owner\"", "\"admin\": true, \"owner\"");
        assert!(serde_json::from_str::<ResolveRequest>(&extra).is_err());
        let unknown_role = SPEC_REQUEST.replace(
            r#""officeDelegatePermissions": 23"#,
            r#""graphRole": "superuser""#,
        );
        assert!(serde_json::from_str::<ResolveRequest>(&unknown_role).is_err());
    }
}
