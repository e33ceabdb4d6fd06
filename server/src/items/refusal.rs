//! Audit lines of the item endpoints, and refusals: written to the audit log (with their
//! answer under the idempotency key, so a retry gets the same answer) before they are answered.

use liaison_domain::api::{ErrorBody, ErrorCode};
use liaison_domain::permissions::Reason;

use crate::items::error::ItemError;
use crate::items::facts::Gathered;
use crate::items::service::Items;
use crate::store::{AuditAction, AuditEntry, IdempotencyKey, StoredResponse, User};
use crate::telemetry::metrics;

/// What a refused request is told: a rule's refusal (`403` with its code, as the API documents)
/// or a record the caller may not link (`404` naming `linkRecordIds`).
pub enum Refusal {
    Rule(Reason),
    RecordNotVisible,
}

impl Refusal {
    fn answer(&self) -> StoredResponse {
        let (status, body) = match self {
            Self::Rule(reason) => (
                403,
                ErrorBody {
                    code: ErrorCode::from(*reason),
                    message: reason.message().to_owned(),
                    field: None,
                },
            ),
            Self::RecordNotVisible => (
                404,
                ErrorBody {
                    code: ErrorCode::NotFound,
                    message: RECORD_NOT_VISIBLE.to_owned(),
                    field: Some("linkRecordIds".to_owned()),
                },
            ),
        };
        StoredResponse {
            status,
            body: serde_json::to_string(&body).unwrap_or_default(),
        }
    }

    fn code(&self) -> String {
        match self {
            Self::Rule(reason) => reason.as_str().to_owned(),
            Self::RecordNotVisible => "not_found".to_owned(),
        }
    }

    fn into_error(self) -> ItemError {
        match self {
            Self::Rule(reason) => ItemError::Refused(reason),
            Self::RecordNotVisible => ItemError::NotFoundField {
                field: "linkRecordIds".into(),
                message: RECORD_NOT_VISIBLE.into(),
            },
        }
    }
}

const RECORD_NOT_VISIBLE: &str = "a CRM record to link does not exist or is not one you may see";

/// The audit line of `actor`'s `action` on the gathered item (refused until said otherwise).
pub fn audit(actor: &User, gathered: &Gathered, action: AuditAction) -> AuditEntry {
    AuditEntry {
        tenant_id: actor.tenant_id.clone(),
        actor_id: actor.id.clone(),
        on_behalf_of_id: (gathered.owner.id != actor.id).then(|| gathered.owner.id.clone()),
        action,
        target: gathered.target(),
        allowed: false,
        reason: None,
        detail: None,
    }
}

impl Items {
    /// Writes the refusal (and its answer under the key) and answers with it.
    pub(super) async fn refuse<T>(
        &self,
        mut audit: AuditEntry,
        key: Option<&IdempotencyKey>,
        refusal: Refusal,
    ) -> Result<T, ItemError> {
        audit.allowed = false;
        audit.reason = Some(refusal.code());
        let answer = refusal.answer();
        self.store
            .record_refusal(&audit, key.map(|k| (k, &answer)))
            .await?;
        metrics::refusal(audit.action.as_str(), &refusal.code());
        if audit.action == AuditAction::ItemSave {
            metrics::save("refused");
        }
        Err(refusal.into_error())
    }
}
