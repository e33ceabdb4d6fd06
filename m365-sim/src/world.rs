//! The simulator's mutable world: calendars and their events (with a change sequence for delta),
//! the app registration, consents, and the grants the token endpoint has handed out.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};

use crate::seed::{Seed, Tenant};

/// The most items a simulated page holds unless a test lowers it ([`World::max_page_size`]).
/// Microsoft publishes no maximum for `calendarView/delta`; Outlook's mailbox collections
/// document `$top` "within the range of 1 and 1000" (`api-reference/v1.0/api/user-list-messages.md`),
/// and paging says an API may cap a requested size silently (`concepts/paging.md`), so the
/// simulator honours `odata.maxpagesize` up to 1000 and caps the rest without a word.
pub const MAX_PAGE_SIZE: usize = 1000;

/// The app registration of the client being simulated (Liaison).
#[derive(Debug, Clone)]
pub struct AppRegistration {
    pub client_id: String,
    pub client_secret: String,
    /// The Application ID URI its API is exposed under, e.g. `api://{client id}`.
    pub app_id_uri: String,
    /// Redirect URIs, matched exactly (for both providers).
    pub redirect_uris: HashSet<String>,
    /// The client registered with the Google surface.
    pub google_client_id: String,
    pub google_client_secret: String,
    /// The registration's `api.requestedAccessTokenVersion` (`accessTokenAcceptedVersion` in
    /// the legacy manifest): `None` or `Some(1)` gives v1.0 access tokens for the app's API —
    /// Entra's default for a registration that never sets it —, `Some(2)` gives v2.0.
    pub access_token_version: Option<u8>,
    /// `groupMembershipClaims` includes directory roles: tokens carry `wids`.
    pub group_membership_claims: bool,
}

/// Which of Graph's two id forms a request gets back (Microsoft: "Obtain immutable identifiers
/// for Outlook resources"). The default is the REST id, which changes when an item moves;
/// `Prefer: IdType="ImmutableId"` asks for the immutable id — another string for the same item.
/// Ids of either form are accepted in request paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdForm {
    Rest,
    Immutable,
}

impl IdForm {
    /// The form a request's `Prefer` headers ask for (`IdType="ImmutableId"`, alone or among
    /// other preferences on one line).
    pub fn of(headers: &axum::http::HeaderMap) -> Self {
        let immutable = headers.get_all("prefer").iter().any(|value| {
            value.to_str().is_ok_and(|v| {
                v.split(',').any(|p| {
                    let p = p.trim();
                    p.eq_ignore_ascii_case("IdType=\"ImmutableId\"")
                        || p.eq_ignore_ascii_case("IdType=ImmutableId")
                })
            })
        });
        if immutable {
            Self::Immutable
        } else {
            Self::Rest
        }
    }
}

/// A calendar item as Graph stores it in one mailbox.
#[derive(Debug, Clone)]
pub struct GraphEvent {
    /// The REST id (Graph's default form).
    pub id: String,
    /// The immutable id of the same item (`Prefer: IdType="ImmutableId"`).
    pub immutable_id: String,
    pub tenant_id: String,
    /// The mailbox (user id) whose calendar holds it.
    pub mailbox: String,
    pub ical_uid: String,
    pub change_key: u64,
    pub subject: String,
    /// UTC, `YYYY-MM-DDTHH:MM:SS`.
    pub start: String,
    pub end: String,
    pub time_zone: String,
    pub location: String,
    pub organizer_name: String,
    pub organizer_address: String,
    /// The calendar owner's address: the owner is the organizer (`isOrganizer`) when equal.
    pub owner_address: String,
    /// The user id of whoever created the item (a delegate creates in the owner's calendar), or
    /// the address of an invitation's sender.
    pub created_by: String,
    /// `PidTagCreatorName`: the creator's display name, which Graph shows only as the extended
    /// property `String 0x3FF8` when asked for it.
    pub creator_name: String,
    pub attendees: Vec<String>,
    pub sensitivity: String,
    /// `free`, `tentative`, `busy`, `oof`, `workingElsewhere` or `unknown` (Graph's
    /// `freeBusyStatus`): what free/busy (`getSchedule`) shows for it.
    pub show_as: String,
    /// The body's text.
    pub body: String,
    pub categories: Vec<String>,
    /// `singleInstance`, `occurrence`, `exception` or `seriesMaster`.
    pub kind: &'static str,
    pub series_master_id: Option<String>,
    pub transaction_id: Option<String>,
    pub deleted: bool,
    /// The world's change sequence at its last change (for delta).
    pub seq: u64,
    pub created: String,
    pub last_modified: String,
}

/// The creator's properties Exchange keeps, which Graph shows as single-value extended
/// properties when asked for by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreatorProperty {
    /// `String 0x3FF8`, `PidTagCreatorName`: a display name.
    Name,
    /// `Binary 0x3FF9`, `PidTagCreatorEntryId`: the creator's Address Book EntryID.
    EntryId,
}

impl GraphEvent {
    /// This item's id in `form`.
    pub fn id_in(&self, form: IdForm) -> &str {
        match form {
            IdForm::Rest => &self.id,
            IdForm::Immutable => &self.immutable_id,
        }
    }

    /// Whether `id` (of either form) names this item.
    pub fn has_id(&self, id: &str) -> bool {
        self.id == id || self.immutable_id == id
    }

    /// The event in Graph's JSON shape, its ids in `form`. `limited` hides what a delegate
    /// without private access may not see of a private item (free/busy only); `creator` adds
    /// the extended property `$expand=singleValueExtendedProperties($filter=id eq '…')` asks
    /// for ([`CreatorProperty`]).
    pub fn to_json(&self, limited: bool, form: IdForm, creator: Option<CreatorProperty>) -> Value {
        let time = |t: &str| json!({ "dateTime": format!("{t}.0000000"), "timeZone": "UTC" });
        let series_master = self.series_master_id.as_deref().map(|id| match form {
            IdForm::Rest => id.to_owned(),
            IdForm::Immutable => crate::seed::immutable_id(id),
        });
        if limited {
            return json!({
                "id": self.id_in(form),
                "@odata.etag": format!("W/\"{}\"", self.change_key()),
                "changeKey": self.change_key(),
                "sensitivity": self.sensitivity,
                "showAs": self.show_as,
                "type": self.kind,
                "seriesMasterId": series_master,
                "start": time(&self.start),
                "end": time(&self.end),
            });
        }
        let mut value = json!({
            "id": self.id_in(form),
            "@odata.etag": format!("W/\"{}\"", self.change_key()),
            "changeKey": self.change_key(),
            "iCalUId": self.ical_uid,
            "transactionId": self.transaction_id,
            "subject": self.subject,
            "bodyPreview": self.body.chars().take(255).collect::<String>(),
            "body": { "contentType": "text", "content": self.body },
            "start": time(&self.start),
            "end": time(&self.end),
            "originalStartTimeZone": self.time_zone,
            "originalEndTimeZone": self.time_zone,
            "isAllDay": false,
            "showAs": self.show_as,
            "sensitivity": self.sensitivity,
            "importance": "normal",
            "categories": self.categories,
            "isOrganizer": self.organizer_address.eq_ignore_ascii_case(&self.owner_address),
            "organizer": { "emailAddress": { "name": self.organizer_name, "address": self.organizer_address } },
            "attendees": self.attendees.iter().map(|a| json!({
                "type": "required",
                "status": { "response": "none", "time": "0001-01-01T00:00:00Z" },
                "emailAddress": { "name": a, "address": a },
            })).collect::<Vec<_>>(),
            "isCancelled": false,
            "type": self.kind,
            "seriesMasterId": series_master,
            "location": { "displayName": self.location, "locationType": "default" },
            "createdDateTime": self.created,
            "lastModifiedDateTime": self.last_modified,
        });
        // Graph writes the tag in lower case, and a binary value in base64.
        match creator {
            Some(CreatorProperty::Name) => {
                value["singleValueExtendedProperties"] =
                    json!([{ "id": "String 0x3ff8", "value": self.creator_name }]);
            }
            // No creator recorded (`created_by` empty): no property, as Graph leaves out one
            // the item does not have.
            Some(CreatorProperty::EntryId) if !self.created_by.is_empty() => {
                use base64::Engine;
                let entry_id = crate::graph::entry_id::of(&self.created_by);
                value["singleValueExtendedProperties"] = json!([{
                    "id": "Binary 0x3ff9",
                    "value": base64::engine::general_purpose::STANDARD.encode(entry_id),
                }]);
            }
            _ => {}
        }
        value
    }

    pub fn change_key(&self) -> String {
        format!("CK{:010}", self.change_key)
    }

    pub fn is_private(&self) -> bool {
        self.sensitivity == "private" || self.sensitivity == "confidential"
    }

    /// In the calendar view `[start, end)` (strings compare as instants: one fixed format). As
    /// Exchange's calendar view: items that end before the start and items that start on or
    /// after the end are left out (EWS `CalendarView` element, `StartDate` and `EndDate`).
    pub fn overlaps(&self, start: &str, end: &str) -> bool {
        self.start.as_str() < end && self.end.as_str() >= start
    }
}

/// What a code, refresh token or access token stands for.
#[derive(Debug, Clone)]
pub struct Grant {
    pub tenant_id: String,
    pub user_id: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    /// For authorization codes: the redirect URI and PKCE challenge it was issued with.
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
}

/// A master category of one mailbox.
#[derive(Debug, Clone)]
pub struct Category {
    pub id: String,
    pub display_name: String,
    pub color: String,
}

/// The whole mutable state.
pub struct World {
    pub seed: Seed,
    pub app: AppRegistration,
    pub events: Vec<GraphEvent>,
    pub seq: u64,
    /// Delta tokens minted before this sequence number are evicted (`410 Gone`).
    pub delta_horizon: u64,
    /// The most items one collection page holds, whatever a client asks
    /// ([`MAX_PAGE_SIZE`] unless a test lowers it).
    pub max_page_size: usize,
    /// Authorization codes, redeemable once.
    pub codes: HashMap<String, Grant>,
    /// Live refresh tokens; using one replaces it (rotation).
    pub refresh_tokens: HashMap<String, Grant>,
    /// Codes already redeemed, to answer `AADSTS54005`.
    pub redeemed_codes: HashSet<String>,
    /// (tenant, user) pairs who consented for themselves.
    pub user_consents: HashSet<(String, String)>,
    /// Tenants whose administrator consented for everyone.
    pub admin_consents: HashSet<String>,
    /// Master categories per mailbox (user id).
    pub categories: HashMap<String, Vec<Category>>,
    /// Google access tokens → account `sub` (codes and refresh tokens share the maps above,
    /// told apart by their client id).
    pub google_access_tokens: HashMap<String, String>,
    /// Change-notification subscriptions, by id.
    pub subscriptions: HashMap<String, Subscription>,
    /// Where notifications go out (a task of the running simulator POSTs them).
    pub outbox: Option<tokio::sync::mpsc::UnboundedSender<Outgoing>>,
    /// What a single-event read of another user's private item answers a delegate without
    /// private access: Microsoft does not document it (see [`PrivateItemRead`]).
    pub private_item_read: PrivateItemRead,
    /// Whether a delegate has added an owner's shared calendar to their own mailbox, by
    /// `(delegate mailbox, owner mailbox)`, where a test said so. Graph lists it in their
    /// `/me/calendars` only once they have ("Before calendar sharing or delegation can take
    /// effect, … the sharee or delegate accepts the invitation, or, explicitly adds the shared
    /// or delegated calendar", outlook-share-or-delegate-calendar.md). Unless said otherwise, a
    /// delegate's own grant is accepted, and a calendar open to the whole organization is not
    /// added (no invitation goes out for it).
    pub calendar_added: HashMap<(String, String), bool>,
    /// What "My Organization" (the owner's organization, the entry without an address) may do
    /// in an owner's primary calendar, by owner mailbox: a `calendarRoleType`; `freeBusyRead`,
    /// Outlook's default, when absent.
    pub organization_roles: HashMap<String, String>,
    /// More SMTP addresses of a mailbox (its `proxyAddresses` beside `mail`), by mailbox.
    pub aliases: HashMap<String, Vec<String>>,
}

/// What `GET /users/{owner}/events/{id}` answers a delegate without private access for a
/// private item. Graph's documentation says only that such a delegate "can view all the details
/// of the events on the calendar, except for the owner's private events"
/// (`resources/calendarpermission.md`), not what a single read returns; a report
/// (microsoftgraph/microsoft-graph-docs-contrib#2905) says it is refused while the list shows
/// the item stripped. Both sides are simulated, and tested.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PrivateItemRead {
    /// `200`, with the item stripped to its times (as the calendar view shows it).
    #[default]
    Stripped,
    /// `403 ErrorAccessDenied`, as reported.
    Refused,
}

/// A Graph change-notification subscription on a mailbox's events.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: String,
    pub tenant_id: String,
    /// The mailbox (user id) whose events it watches.
    pub mailbox: String,
    pub resource: String,
    pub notification_url: String,
    pub lifecycle_url: Option<String>,
    pub client_state: Option<String>,
    /// Seconds since the Unix epoch.
    pub expires_s: i64,
    /// The id form its notifications name items in: the form the creating request asked for
    /// (Microsoft: subscriptions created with `Prefer: IdType="ImmutableId"` send immutable ids).
    pub id_form: IdForm,
}

/// A notification on its way to a subscriber.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub url: String,
    pub body: Value,
}

/// A fresh REST id, shaped like Exchange's (base64url: it holds `-` and `_`, which the EWS form
/// Office.js shows writes as `/` and `+`).
pub fn new_rest_id() -> String {
    let u = uuid::Uuid::new_v4().simple().to_string();
    format!("AAMk{}-{}_A=", &u[..14], &u[14..28])
}

/// `YYYY-MM-DDTHH:MM:SS` of an RFC 3339 UTC seed time.
fn graph_time(rfc3339: &str) -> String {
    rfc3339.trim_end_matches('Z').chars().take(19).collect()
}

impl World {
    pub fn new(seed: Seed, app: AppRegistration) -> Self {
        let mut world = Self {
            seed,
            app,
            events: Vec::new(),
            seq: 0,
            delta_horizon: 0,
            max_page_size: MAX_PAGE_SIZE,
            codes: HashMap::new(),
            refresh_tokens: HashMap::new(),
            redeemed_codes: HashSet::new(),
            user_consents: HashSet::new(),
            admin_consents: HashSet::new(),
            categories: HashMap::new(),
            google_access_tokens: HashMap::new(),
            subscriptions: HashMap::new(),
            outbox: None,
            private_item_read: PrivateItemRead::default(),
            calendar_added: HashMap::new(),
            organization_roles: HashMap::new(),
            aliases: HashMap::new(),
        };
        let tenants = world.seed.tenants.clone();
        for tenant in &tenants {
            world.load_tenant(tenant);
        }
        world
    }

    fn load_tenant(&mut self, tenant: &Tenant) {
        let id_of = |mail: &str| {
            tenant
                .users
                .iter()
                .find(|u| u.mail.eq_ignore_ascii_case(mail))
                .map(|u| u.id.clone())
        };
        for user in &tenant.users {
            self.categories.insert(
                user.id.clone(),
                vec![Category {
                    id: uuid::Uuid::new_v4().to_string(),
                    display_name: "Red category".into(),
                    color: "preset0".into(),
                }],
            );
        }
        for seeded in &tenant.events {
            let Some(mailbox) = id_of(&seeded.calendar_owner) else {
                continue;
            };
            self.seq += 1;
            let base = GraphEvent {
                id: seeded.id.clone(),
                immutable_id: crate::seed::immutable_id(&seeded.id),
                tenant_id: tenant.id.clone(),
                mailbox: mailbox.clone(),
                ical_uid: seeded.ical_uid.clone(),
                change_key: self.seq,
                subject: seeded.subject.clone(),
                start: graph_time(&seeded.start),
                end: graph_time(&seeded.end),
                time_zone: seeded.time_zone.clone(),
                location: seeded.location.clone(),
                organizer_name: seeded.organizer_name.clone(),
                organizer_address: seeded.organizer.clone(),
                owner_address: seeded.calendar_owner.clone(),
                created_by: id_of(&seeded.created_by).unwrap_or_else(|| seeded.created_by.clone()),
                creator_name: seeded.created_by_name.clone(),
                attendees: seeded.attendees.clone(),
                sensitivity: seeded.sensitivity.clone(),
                show_as: "busy".into(),
                body: String::new(),
                categories: seeded.categories.clone(),
                kind: "singleInstance",
                series_master_id: None,
                transaction_id: None,
                deleted: false,
                seq: self.seq,
                created: seeded.created.clone(),
                last_modified: seeded.created.clone(),
            };
            if seeded.occurrences.is_empty() {
                self.events.push(base);
            } else {
                self.events.push(GraphEvent {
                    kind: "seriesMaster",
                    ..base.clone()
                });
                for (n, occurrence) in seeded.occurrences.iter().enumerate() {
                    self.seq += 1;
                    let id = format!("{}-{n}", base.id);
                    self.events.push(GraphEvent {
                        immutable_id: crate::seed::immutable_id(&id),
                        id,
                        ical_uid: format!("{}{n:02}", base.ical_uid),
                        start: graph_time(&occurrence.start),
                        end: graph_time(&occurrence.end),
                        kind: "occurrence",
                        series_master_id: Some(base.id.clone()),
                        seq: self.seq,
                        change_key: self.seq,
                        ..base.clone()
                    });
                }
            }
        }
    }

    /// Bumps the change sequence for `event`.
    pub fn touch(&mut self, index: usize, now: &str) {
        self.seq += 1;
        let event = &mut self.events[index];
        event.seq = self.seq;
        event.change_key = self.seq;
        event.last_modified = now.to_owned();
        let change = if event.deleted { "deleted" } else { "updated" };
        self.notify(index, change);
    }

    /// Sends the change of `events[index]` to every live subscription on its mailbox.
    pub fn notify(&self, index: usize, change_type: &str) {
        let Some(outbox) = &self.outbox else {
            return;
        };
        let event = &self.events[index];
        let now = crate::clock::now_s();
        for sub in self
            .subscriptions
            .values()
            .filter(|s| s.mailbox == event.mailbox && s.expires_s > now)
        {
            let _ = outbox.send(Outgoing {
                url: sub.notification_url.clone(),
                body: json!({ "value": [{
                    "subscriptionId": sub.id,
                    "subscriptionExpirationDateTime": crate::clock::rfc3339(sub.expires_s),
                    "clientState": sub.client_state,
                    "changeType": change_type,
                    "resource": format!("Users/{}/Events/{}", event.mailbox, event.id_in(sub.id_form)),
                    "tenantId": sub.tenant_id,
                    "resourceData": { "@odata.type": "#Microsoft.Graph.Event", "id": event.id_in(sub.id_form) },
                }]}),
            });
        }
    }

    /// Sends a lifecycle event (`reauthorizationRequired`, `subscriptionRemoved`, `missed`).
    pub fn lifecycle(&mut self, subscription_id: &str, event: &str) {
        let Some(sub) = self.subscriptions.get(subscription_id).cloned() else {
            return;
        };
        if event == "subscriptionRemoved" {
            self.subscriptions.remove(subscription_id);
        }
        if let (Some(outbox), Some(url)) = (&self.outbox, &sub.lifecycle_url) {
            let _ = outbox.send(Outgoing {
                url: url.clone(),
                body: json!({ "value": [{
                    "subscriptionId": sub.id,
                    "subscriptionExpirationDateTime": crate::clock::rfc3339(sub.expires_s),
                    "clientState": sub.client_state,
                    "lifecycleEvent": event,
                    "tenantId": sub.tenant_id,
                }]}),
            });
        }
    }

    pub fn tenant(&self, id_or_domain: &str) -> Option<&Tenant> {
        self.seed.tenant(id_or_domain)
    }

    /// The (tenant id, user) of a user id or mail address.
    pub fn find_user(&self, id_or_mail: &str) -> Option<(String, crate::seed::User)> {
        self.seed.tenants.iter().find_map(|t| {
            t.users
                .iter()
                .find(|u| u.id == id_or_mail || u.mail.eq_ignore_ascii_case(id_or_mail))
                .map(|u| (t.id.clone(), u.clone()))
        })
    }

    /// Whether `delegate` may send on `owner`'s behalf (Outlook's delegate setting).
    pub fn sends_on_behalf(&self, owner_id: &str, delegate_id: &str) -> bool {
        let (Some((tenant_id, owner)), Some((_, delegate))) =
            (self.find_user(owner_id), self.find_user(delegate_id))
        else {
            return false;
        };
        self.tenant(&tenant_id).is_some_and(|t| {
            t.delegations.iter().any(|d| {
                d.owner.eq_ignore_ascii_case(&owner.mail)
                    && d.delegate.eq_ignore_ascii_case(&delegate.mail)
                    && d.send_on_behalf
            })
        })
    }

    /// Sets (or, with `None`, removes) `delegate`'s access to `owner`'s calendar, as the owner
    /// does in Outlook's delegate settings. Both are mailbox addresses of one tenant.
    pub fn set_delegation(
        &mut self,
        owner: &str,
        delegate: &str,
        grant: Option<crate::seed::Delegation>,
    ) {
        let Some((tenant_id, _)) = self.find_user(owner) else {
            return;
        };
        let Some(tenant) = self.seed.tenants.iter_mut().find(|t| t.id == tenant_id) else {
            return;
        };
        tenant.delegations.retain(|d| {
            !(d.owner.eq_ignore_ascii_case(owner) && d.delegate.eq_ignore_ascii_case(delegate))
        });
        if let Some(grant) = grant {
            tenant.delegations.push(grant);
        }
    }

    pub fn has_consent(&self, tenant_id: &str, user_id: &str) -> bool {
        self.admin_consents.contains(tenant_id)
            || self
                .user_consents
                .contains(&(tenant_id.to_owned(), user_id.to_owned()))
    }
}
