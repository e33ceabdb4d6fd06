//! [`Mailboxes`]: people's mailboxes by directory id, for the console's lists.

use std::collections::HashMap;

use crate::store::{IdentityStore, StoreError, TenantId, UserId};

/// People's mailboxes by directory id, each looked up once; someone Liaison does not know is
/// shown by their directory id.
pub struct Mailboxes<'a> {
    identity: &'a dyn IdentityStore,
    tenant_id: &'a TenantId,
    known: HashMap<UserId, String>,
}

impl<'a> Mailboxes<'a> {
    pub fn new(identity: &'a dyn IdentityStore, tenant_id: &'a TenantId) -> Self {
        Self {
            identity,
            tenant_id,
            known: HashMap::new(),
        }
    }

    pub async fn of(&mut self, id: UserId) -> Result<String, StoreError> {
        if let Some(mailbox) = self.known.get(&id) {
            return Ok(mailbox.clone());
        }
        let mailbox = match self.identity.user(self.tenant_id, &id).await? {
            Some(user) => user.mailbox,
            None => id.to_string(),
        };
        self.known.insert(id, mailbox.clone());
        Ok(mailbox)
    }
}
