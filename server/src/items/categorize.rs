//! Giving an item the CRM category through Graph, with the Organizer's connection: Outlook on
//! the web and the new Outlook cannot change categories from the pane in compose mode, and a
//! delegate cannot add to the Organizer's category list.

use liaison_domain::api::{ItemContext, ItemRef};
use liaison_domain::permissions::{Action, Reason, Verdict};

use crate::auth::connections::TokenError;
use crate::graph::client::GraphError;
use crate::items::error::ItemError;
use crate::items::facts::gather;
use crate::items::refusal::{Refusal, audit};
use crate::items::service::Items;
use crate::store::{AuditAction, User, UserKey};

/// The item carries the CRM category now; the Organizer's next sync session (to be started at
/// once) brings it into the CRM.
pub struct Categorized {
    pub context: ItemContext,
    /// Whose sync session to start.
    pub organizer: UserKey,
}

impl Items {
    pub async fn categorize(
        &self,
        caller: &User,
        item: &ItemRef,
    ) -> Result<Categorized, ItemError> {
        let gathered = gather(self, caller, item).await?;
        let mut audit = audit(caller, &gathered, AuditAction::ItemCategorize);
        if let Verdict::Refused(reason) = gathered.resolution.actions[&Action::CategorizeForSync] {
            return self.refuse(audit, None, Refusal::Rule(reason)).await;
        }
        let Some(event) = gathered.event_seen() else {
            return Err(ItemError::invalid(
                "item.itemId",
                "save the meeting in Outlook first: only a saved meeting carries categories",
            ));
        };
        let owner = &gathered.owner;
        let tenant = self
            .store
            .tenant(&owner.tenant_id)
            .await?
            .ok_or(ItemError::NotFound)?;
        let token = self.own_token(owner).await?;
        let graph = self.graph()?;
        let mailbox = owner.id.as_str();
        let name = tenant.crm_category_name.clone();
        let in_list = graph
            .master_categories(&token, mailbox)
            .await
            .map_err(graph_failure)?
            .iter()
            .any(|c| c.display_name.trim().eq_ignore_ascii_case(name.trim()));
        if !in_list {
            graph
                .create_master_category(&token, mailbox, &name, &tenant.crm_category_color)
                .await
                .map_err(graph_failure)?;
        }
        let mut categories = graph
            .event_categories(&token, mailbox, &event.id)
            .await
            .map_err(graph_failure)?;
        if !categories
            .iter()
            .any(|c| c.trim().eq_ignore_ascii_case(name.trim()))
        {
            categories.push(name);
            graph
                .write_categories(&token, mailbox, &event.id, &categories)
                .await
                .map_err(graph_failure)?;
        }
        audit.allowed = true;
        self.store.append_audit(&audit).await?;
        Ok(Categorized {
            context: self.context(caller, item).await?,
            organizer: owner.key(),
        })
    }
}

fn graph_failure(error: GraphError) -> ItemError {
    match error {
        GraphError::Unauthorized => ItemError::Token(TokenError::NeedsReconnect),
        GraphError::Forbidden { .. } | GraphError::NotFound { .. } => {
            ItemError::Refused(Reason::NoCalendarAccess)
        }
        other => {
            tracing::warn!(error = %other, "a category write through Graph failed");
            ItemError::GraphUnavailable
        }
    }
}
