//! The records service's state: its stores, and who is asking.

use std::sync::Arc;

use crate::store::{
    CalendarStore, ChangeFeed, CrmStore, GrowthWatch, IdentityStore, Maintenance, RecordStore, User,
};

/// Who is asking: the signed-in user, and whether they hold `Liaison.Admin`.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    pub user: &'a User,
    pub is_admin: bool,
}

pub struct Records {
    pub records: Arc<dyn RecordStore>,
    pub crm: Arc<dyn CrmStore>,
    pub identity: Arc<dyn IdentityStore>,
    pub feed: Arc<dyn ChangeFeed>,
    pub calendars: Arc<dyn CalendarStore>,
    /// For the planner's statistics after large imports.
    pub maintenance: Arc<dyn Maintenance>,
    pub growth: GrowthWatch,
}
