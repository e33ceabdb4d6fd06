//! The facts a verdict rests on, learned from Microsoft — never taken from the client. The
//! client names the owner's mailbox and the item's REST id (and may report its Office.js bits,
//! which only lower a verdict); everything else comes from Graph:
//!
//! - the item: read with the caller's own token, so a delegate who cannot see it in Outlook
//!   cannot see it here; its `iCalUId`, immutable id, type, sensitivity, whether the owner
//!   organizes it (else it is an invitation), who created it, its times, place and attendees;
//! - the delegation: [`super::delegation::verified`];
//! - who created the item: Exchange's `PidTagCreatorEntryId`, an address-book identity, compared
//!   with the caller's own (learned from an item they create in their own calendar,
//!   [`crate::graph::creator`]) — never a display name; absent, or not the caller's, the caller
//!   is not the creator (least privilege);
//! - a delegate who only sends on the owner's behalf gets no verdict of their own: Microsoft
//!   lets them create nothing in the owner's calendar (MS-OXCPERM 2.2.7 `Create`) and Graph
//!   names no such grant, so they are judged by the calendar rights Graph confirms (none).

use liaison_domain::api::{CrmCategory, ItemRef};
use liaison_domain::linking::AutoLinkPolicy;
use liaison_domain::permissions::{
    AccessSource, CreatedBy, CrmAccess, CrmFacts, Facts, GraphRole, ItemFacts, ItemMode,
    OfficeBits, Resolution, resolve,
};
use secrecy::SecretString;

use crate::graph::client::GraphError;
use crate::graph::entry_id::AddressBookId;
use crate::graph::model::{GraphEvent, is_exchange_id};
use crate::items::error::ItemError;
use crate::items::service::Items;
use crate::items::{delegation, lookup};
use crate::store::{
    AuditAction, AuditEntry, ConnectionStatus, Delegation, DelegationCheck, DomainList, EventKey,
    OwnerStanding, Share, StoredEvent, User,
};
use crate::synced_window::SyncedWindow;

type Result<T, E = ItemError> = std::result::Result<T, E>;

/// The longest item id accepted (Exchange's REST ids are about 150 characters).
const MAX_ITEM_ID: usize = 1024;

/// What Graph showed of the item.
#[derive(Debug, Clone)]
pub enum Sighting {
    /// Graph showed the item.
    Seen(Box<GraphEvent>),
    /// No id yet: a new meeting being composed. Its facts are those of a meeting the user
    /// creates; nothing is written until it is saved and Graph shows it.
    New,
    /// Graph does not know the id in the owner's calendar (Outlook in cached mode uploads a
    /// newly saved item a little later, or the id is wrong).
    NotFound,
    /// The caller may not open the item.
    Denied,
}

/// Everything a verdict on the item rests on.
pub struct Gathered {
    pub owner: User,
    /// The owner's tenant's CRM category.
    pub crm_category: CrmCategory,
    /// The window the owner's sync reads (the tenant's, or the server's).
    pub synced_window: SyncedWindow,
    /// The tenant's automatic linking: its policy and the domains never matched.
    pub auto_link: (AutoLinkPolicy, DomainList),
    /// The tenant's insta-sync setting (read with the owner: no statement of its own).
    pub insta_sync: bool,
    /// The item's REST id, as the client named it.
    pub item_id: Option<String>,
    pub sighting: Sighting,
    pub resolution: Resolution,
    /// The CRM event of the meeting (deleted ones too: they are reported as inaccessible).
    pub event: Option<StoredEvent>,
    /// What the server could not confirm, for the sidebar to say.
    pub notice: Option<String>,
    /// The item's id, when it was found by its times (Office.js gave no usable one).
    pub found_id: Option<String>,
}

impl Gathered {
    pub fn event_seen(&self) -> Option<&GraphEvent> {
        match &self.sighting {
            Sighting::Seen(event) => Some(event),
            _ => None,
        }
    }

    /// The meeting's `iCalUId`, when Graph showed it.
    pub fn ical_uid(&self) -> Option<&str> {
        self.event_seen().and_then(GraphEvent::ical_uid)
    }

    /// `owner@contoso.com/<iCalUId or item id>`: what the audit log names.
    pub fn target(&self) -> String {
        let item = self
            .ical_uid()
            .or(self.item_id.as_deref())
            .unwrap_or("new item");
        let item: String = item.chars().take(1024).collect();
        format!("{}/{item}", self.owner.mailbox)
    }
}

/// Gathers the facts about `item` for `caller` from Microsoft and the CRM, and applies the rules.
pub async fn gather(items: &Items, caller: &User, item: &ItemRef) -> Result<Gathered> {
    let item_id = match item.item_id.as_deref().map(str::trim) {
        Some(id) if id.len() > MAX_ITEM_ID || !is_exchange_id(id) => {
            return Err(ItemError::invalid(
                "item.itemId",
                "must be the item's REST id (Office.js convertToRestId): letters, digits and \
                 - _ + / =",
            ));
        }
        other => other.map(str::to_owned),
    };
    let client_bits = item
        .office_delegate_permissions
        .map(|bits| {
            OfficeBits::new(bits).ok_or_else(|| {
                ItemError::invalid(
                    "item.officeDelegatePermissions",
                    "DelegatePermissions is a bit set from 0 to 63",
                )
            })
        })
        .transpose()?;
    let lookup = item
        .lookup
        .as_ref()
        .map(|l| lookup::times(l).map(|times| (times, l.subject.as_str())))
        .transpose()?;
    let standing = owner_in_tenant(items, caller, &item.owner).await?;
    let owner = standing.owner.clone();
    let is_owner = owner.id == caller.id;
    let token = items.own_token(caller).await?;
    // The delegation and the item are independent reads: asked at once, a first context costs
    // one Graph round trip of waiting, not three.
    let (check, sighting) = tokio::join!(
        async {
            if is_owner {
                Ok(None)
            } else {
                delegation::verified(items, &owner, caller, &token, standing.delegation_check)
                    .await
                    .map(Some)
            }
        },
        async {
            match &item_id {
                None => Ok(Sighting::New),
                Some(id) => read_item(items, &token, &owner, is_owner, id).await,
            }
        },
    );
    let (check, mut sighting) = (check?, sighting?);
    // No id, or one Graph does not know, for an item Outlook shows: found by its times, if
    // exactly one item has them ([`lookup`]).
    let mut item_id = item_id;
    let mut found = None;
    let mut found_id = None;
    if let (Some((times, subject)), Sighting::New | Sighting::NotFound) = (lookup, &sighting) {
        let lookup = lookup::find(items, &token, &owner, is_owner, times, subject).await?;
        if let lookup::Found::One(event) = &lookup {
            item_id = Some(event.id.clone());
            found_id = Some(event.id.clone());
            sighting = Sighting::Seen(event.clone());
        }
        found = Some(lookup);
    }
    let (mut item_facts, open_creator) = item_facts(&sighting, is_owner);
    if let (Sighting::Denied, Some(check)) = (&sighting, &check)
        && check.view.is_some()
        && !check.can_view_private()
    {
        // Graph refused one item of a calendar the delegate can open, and they may not see
        // private items: as reported (microsoft-graph-docs-contrib#2905; undocumented), it is
        // the owner's private item. Judged as one — a refusal that says why, never a grant.
        item_facts.is_private = true;
    }
    let mut access: Vec<AccessSource> = check
        .as_ref()
        .map(DelegationCheck::sources)
        .unwrap_or_default();
    let event = match sighting_ical_uid(&sighting) {
        Some(uid) => {
            items
                .store
                .find_event(EventKey {
                    tenant_id: &owner.tenant_id,
                    organizer_id: &owner.id,
                    ical_uid: uid,
                })
                .await?
        }
        None => None,
    };
    let crm_access = if event.as_ref().is_some_and(|e| e.deleted) {
        // Deleted in the CRM: nobody may see or change it again.
        CrmAccess::None
    } else if is_owner {
        CrmAccess::Edit
    } else {
        Share::crm_access(standing.crm_share)
    };
    // A meeting not in the calendar yet is judged as one the user composes there: the calendar
    // rights Microsoft confirms must let them create it (an id Graph does not know lifts no
    // refusal), and nothing is written until Graph shows the item — then its creator decides.
    let prospective = matches!(sighting, Sighting::New | Sighting::NotFound) && !is_owner;
    if prospective && access.is_empty() {
        access.push(AccessSource::Graph(GraphRole::None));
    }
    let mut facts = Facts {
        is_owner,
        owner: owner.mailbox.clone(),
        access,
        client_bits,
        can_view_private_items: check
            .as_ref()
            .is_some_and(DelegationCheck::can_view_private),
        send_on_behalf: check.as_ref().is_some_and(DelegationCheck::sends_on_behalf),
        item: item_facts,
        organizer_sync_enabled: organizer_connected(&owner, &standing),
        crm: CrmFacts {
            event_exists: event.is_some(),
            delegate_access: crm_access,
        },
    };
    if let Some(creator) = &open_creator {
        let created = as_creator(&facts);
        if resolve(&created) != resolve(&facts)
            && creator_is_caller(items, caller, &token, creator).await?
        {
            facts = created;
        }
    }
    let resolution = resolve(&facts);
    if let (Some(check), Some(bits)) = (&check, client_bits) {
        audit_client_disagreement(items, caller, &owner, check, &facts, bits).await?;
    }
    let shows_status = resolution.shows_item_status();
    // What the lookup found is the news, but for nothing found for an id Graph does not know
    // (the usual notice says that).
    let notice = match &found {
        Some(found)
            if !matches!(found, lookup::Found::Nothing) || matches!(sighting, Sighting::New) =>
        {
            Some(lookup::notice(found, &owner.display_name))
        }
        _ => {
            notice(
                items,
                &owner,
                &item_id,
                &sighting,
                check.as_ref(),
                shows_status,
            )
            .await?
        }
    };
    Ok(Gathered {
        owner,
        crm_category: standing.crm_category,
        auto_link: standing.auto_link,
        insta_sync: standing.insta_sync,
        synced_window: items
            .synced_window
            .with_days(standing.synced_days.0, standing.synced_days.1),
        item_id,
        sighting,
        resolution,
        event,
        notice,
        found_id,
    })
}

fn sighting_ical_uid(sighting: &Sighting) -> Option<&str> {
    match sighting {
        Sighting::Seen(event) => event.ical_uid(),
        _ => None,
    }
}

/// The item as the caller's token shows it.
async fn read_item(
    items: &Items,
    token: &SecretString,
    owner: &User,
    is_owner: bool,
    item_id: &str,
) -> Result<Sighting> {
    match items
        .graph()?
        .event(token, owner.id.as_str(), is_owner, item_id)
        .await
    {
        Ok(event) => Ok(Sighting::Seen(Box::new(event))),
        Err(GraphError::NotFound { .. }) => Ok(Sighting::NotFound),
        Err(GraphError::Forbidden { .. }) => Ok(Sighting::Denied),
        Err(GraphError::Decode(_)) => Ok(Sighting::NotFound),
        Err(error) => Err(ItemError::graph_failed(error, "reading an item from Graph")),
    }
}

/// The item's facts, and the identity of its creator when whether it is the caller's is still
/// open (a delegate on an item the owner organizes): [`creator_is_caller`] settles it, and only
/// when the verdict depends on it.
fn item_facts(sighting: &Sighting, is_owner: bool) -> (ItemFacts, Option<AddressBookId>) {
    let creates = || ItemFacts {
        mode: ItemMode::Compose,
        created_by: if is_owner {
            CreatedBy::Owner
        } else {
            CreatedBy::Delegate
        },
        is_private: false,
        is_inbound_invite: false,
    };
    match sighting {
        // A meeting the user is composing (or one Outlook has not uploaded yet): a meeting
        // they create. Nothing is written before Graph shows it.
        Sighting::New | Sighting::NotFound => (creates(), None),
        Sighting::Denied => (
            ItemFacts {
                mode: ItemMode::Read,
                created_by: CreatedBy::Unknown,
                is_private: false,
                is_inbound_invite: false,
            },
            None,
        ),
        Sighting::Seen(event) => {
            let (created_by, open) = if is_owner {
                (CreatedBy::Owner, None)
            } else if event.is_organizer == Some(false) {
                // An invitation: someone else's item.
                (CreatedBy::Other, None)
            } else {
                // Unknown until the caller's identity is compared with Exchange's record of
                // the creator (`PidTagCreatorEntryId`); without one, it stays unknown.
                (CreatedBy::Unknown, event.creator_id())
            };
            let facts = ItemFacts {
                mode: ItemMode::Read,
                created_by,
                is_private: event.is_private(),
                is_inbound_invite: event.is_organizer == Some(false),
            };
            (facts, open)
        }
    }
}

/// Whether the caller created the item: Exchange's identity of its creator against the
/// caller's, learned once ([`crate::graph::creator`]) and kept. Asked only when the verdict
/// depends on it — an Author's or a send-on-behalf delegate's — so an Editor never causes the
/// probe. A display name is never compared: namesakes are different people.
async fn creator_is_caller(
    items: &Items,
    caller: &User,
    token: &SecretString,
    creator: &AddressBookId,
) -> Result<bool> {
    let key = caller.key();
    let known = items.store.address_book_id(&key).await?;
    let mine = match known {
        Some(id) => Some(id),
        None => {
            let learned = items
                .graph()?
                .my_address_book_id(token, &caller.mailbox)
                .await
                .map_err(|error| {
                    ItemError::graph_failed(error, "learning who you are in Exchange")
                })?;
            if let Some(id) = &learned {
                items.store.set_address_book_id(&key, id).await?;
            }
            learned
        }
    };
    Ok(mine.as_ref() == Some(creator))
}

/// The facts with the caller as the item's creator: what they created is what they composed
/// (send-on-behalf's rule).
fn as_creator(facts: &Facts) -> Facts {
    let mut facts = facts.clone();
    facts.item.created_by = CreatedBy::Delegate;
    facts.item.mode = ItemMode::Compose;
    facts
}

/// The Organizer's sync is on and their connection works: what creating a CRM event needs.
fn organizer_connected(owner: &User, standing: &OwnerStanding) -> bool {
    owner.sync_enabled && standing.refreshable_connection == Some(ConnectionStatus::Connected)
}

/// Audits a client whose bits claim other rights than Microsoft confirms (once per change).
async fn audit_client_disagreement(
    items: &Items,
    caller: &User,
    owner: &User,
    check: &DelegationCheck,
    facts: &Facts,
    bits: OfficeBits,
) -> Result<()> {
    let verified = resolve(&Facts {
        client_bits: None,
        ..facts.clone()
    });
    if verified.capabilities.office_bits() == bits.bits() {
        return Ok(());
    }
    let audit = AuditEntry {
        tenant_id: owner.tenant_id.clone(),
        actor_id: caller.id.clone(),
        on_behalf_of_id: Some(owner.id.clone()),
        action: AuditAction::DelegationClientDisagrees,
        target: owner.mailbox.clone(),
        allowed: false,
        reason: Some("sources_disagree".into()),
        detail: Some(format!(
            "Office.js delegatePermissions {}; Microsoft confirms {:?} ({})",
            bits.bits(),
            verified.level,
            delegation::describe(check)
        )),
    };
    items
        .store
        .note_client_bits(
            Delegation {
                tenant_id: &owner.tenant_id,
                owner_id: &owner.id,
                delegate_id: &caller.id,
            },
            bits.bits(),
            &audit,
        )
        .await?;
    Ok(())
}

async fn notice(
    items: &Items,
    owner: &User,
    item_id: &Option<String>,
    sighting: &Sighting,
    check: Option<&DelegationCheck>,
    shows_status: bool,
) -> Result<Option<String>> {
    if let Sighting::NotFound = sighting {
        // Only those who may see the item's status learn that a save waits for it.
        let waiting = match item_id.as_deref().filter(|_| shows_status) {
            Some(id) => {
                items
                    .store
                    .pending_save(&owner.tenant_id, &owner.id, id)
                    .await?
            }
            None => false,
        };
        return Ok(Some(format!(
            "This meeting is not in {}'s calendar yet (Outlook may still be uploading it){}",
            owner.display_name,
            if waiting {
                ": the save waits for it"
            } else {
                ""
            }
        )));
    }
    if let Some(check) = check
        && check.view.is_none()
    {
        return Ok(Some(format!(
            "{}'s calendar is not among your calendars in Outlook, so Liaison can confirm no \
             access to it: accept {}'s sharing invitation, or add the calendar in Outlook, then \
             open the item again",
            owner.display_name, owner.display_name
        )));
    }
    if let Some(check) = check
        && check.graph_role.is_none()
    {
        return Ok(Some(format!(
            "{}'s delegate list could not be read (their Liaison connection needs a new \
             sign-in), so Liaison allows only what your own view of the calendar confirms",
            owner.display_name
        )));
    }
    Ok(None)
}

/// The owner named by mailbox, in the caller's tenant only: another tenant's is "not found",
/// and the attempt is audited (it may be a probe across tenants).
pub async fn owner_in_tenant(items: &Items, caller: &User, mailbox: &str) -> Result<OwnerStanding> {
    let store = items.store.as_ref();
    if let Some(standing) = store
        .owner_standing(&caller.tenant_id, mailbox, &caller.id)
        .await?
    {
        return Ok(standing);
    }
    store
        .append_audit(&AuditEntry {
            tenant_id: caller.tenant_id.clone(),
            actor_id: caller.id.clone(),
            on_behalf_of_id: None,
            action: AuditAction::ItemOwner,
            target: mailbox.chars().take(320).collect(),
            allowed: false,
            reason: Some("not_found".to_owned()),
            detail: Some("no such mailbox in the caller's tenant".to_owned()),
        })
        .await?;
    Err(ItemError::NotFoundField {
        field: "item.owner".into(),
        message: "no such mailbox in your organization, or its owner has not used Liaison yet"
            .into(),
    })
}
