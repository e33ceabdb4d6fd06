//! The demo tenant's people and items (`m365_sim::Seed::contoso`), and the request bodies the
//! sidebar sends about them — one place instead of a copy per suite.

use serde_json::{Value, json};

pub const OLGA: &str = "olga@contoso.com";
pub const ANN: &str = "ann@contoso.com";
pub const ARTHUR: &str = "arthur@contoso.com";
pub const RITA: &str = "rita@contoso.com";
pub const SAM: &str = "sam@contoso.com";
pub const OTTO: &str = "otto@contoso.com";
pub const ADELE: &str = "adele@contoso.com";

pub const OLGA_ID: &str = "00000001-aaaa-4bbb-8ccc-000000000001";
pub const ANN_ID: &str = "00000002-aaaa-4bbb-8ccc-000000000002";
pub const ARTHUR_ID: &str = "00000003-aaaa-4bbb-8ccc-000000000003";
pub const SAM_ID: &str = "00000005-aaaa-4bbb-8ccc-000000000005";
pub const OTTO_ID: &str = "00000006-aaaa-4bbb-8ccc-000000000006";

/// The seeded items, by number (`Seed::contoso`).
pub mod items {
    /// Olga's review, created by Olga.
    pub const OLGAS_REVIEW: u8 = 1;
    /// Created by Ann in Olga's calendar (organized by Olga).
    pub const ANNS_CALL_FOR_OLGA: u8 = 2;
    /// Created by Arthur in Olga's calendar.
    pub const ARTHURS_FOLLOW_UP: u8 = 3;
    /// An invitation Olga received from Fabrikam.
    pub const FABRIKAM_INVITATION: u8 = 4;
    /// Olga's private appointment.
    pub const OLGAS_PRIVATE: u8 = 5;
    /// Otto's meeting (Otto's sync is off).
    pub const OTTOS_BOARD_PREP: u8 = 6;
}

/// The REST id of seeded item `n`, as Office.js `convertToRestId` gives it.
pub fn seeded(n: u8) -> String {
    m365_sim::seed::demo_event_id(n)
}

/// The item the sidebar names: the owner's mailbox and the item's REST id.
pub fn item(owner: &str, item_id: &str) -> Value {
    json!({ "owner": owner, "itemId": item_id })
}

/// A seeded item of `owner`'s calendar, as the sidebar names it.
pub fn seeded_item(owner: &str, n: u8) -> Value {
    item(owner, &seeded(n))
}

/// A new meeting in Olga's calendar (made by Olga) tomorrow, as the sidebar names it.
pub fn new_meeting(app: &crate::TestApp, subject: &str) -> Value {
    let id = app.simulator.outlook().create(
        OLGA,
        &m365_sim::outlook::NewMeeting::new(subject, day(1), 60),
    );
    item(OLGA, &id)
}

/// 09:00 UTC `days` from today, in seconds since the epoch: meetings are placed relative to the
/// clock, never on fixed dates (inside the synced window unless `days` says otherwise).
pub fn day(days: i64) -> i64 {
    use m365_sim::clock::{DAY_S, now_s};
    (now_s().div_euclid(DAY_S) + days) * DAY_S + 9 * 3600
}

/// A Save of `item` linking `records`.
pub fn save(item: Value, records: &[&str]) -> Value {
    json!({ "item": item, "linkRecordIds": records })
}

/// Fabrikam, another tenant, and Fiona, its person.
pub const FABRIKAM: &str = "fabrikam-tid";
pub const FIONA_ID: &str = "fiona-oid";

/// Fiona of Fabrikam (another tenant), known to Liaison and signed in: her session token.
pub async fn fiona(app: &crate::TestApp) -> String {
    fiona_session(app, false).await
}

/// Fiona signed in as an administrator of Fabrikam: her session token.
pub async fn fiona_admin(app: &crate::TestApp) -> String {
    fiona_session(app, true).await
}

async fn fiona_session(app: &crate::TestApp, is_admin: bool) -> String {
    use liaison_server::store::{Tenant, TenantId, User, UserId, UserKey};
    let fabrikam = TenantId::new(FABRIKAM);
    let fiona = UserId::new(FIONA_ID);
    app.store
        .upsert_tenant(&Tenant::new(&fabrikam, "Fabrikam"))
        .await
        .unwrap();
    app.store
        .upsert_user(&User {
            tenant_id: fabrikam.clone(),
            id: fiona.clone(),
            mailbox: "fiona@fabrikam.com".into(),
            display_name: "Fiona".into(),
            sync_enabled: true,
        })
        .await
        .unwrap();
    let (token, _) = liaison_server::auth::sessions::start(
        app.store.as_ref(),
        &UserKey::new(fabrikam, fiona),
        is_admin,
        None,
    )
    .await
    .unwrap();
    token
}
