//! Microsoft Graph, simulated: users, calendars, `calendarPermissions`, events CRUD (with
//! `iCalUId`, `changeKey`, series and occurrences), `calendarView` and `calendarView/delta`,
//! master categories, `getSchedule`, the creator's `PidTagCreatorEntryId` ([`entry_id`]), `$batch` and subscriptions. Delegated access follows the
//! seeded delegate grants and the token's scopes, as Exchange would.

mod access;
mod batch;
mod categories;
mod delta;
pub mod entry_id;
mod events;
mod schedule;
mod subscriptions;
mod users;

pub use access::{not_found_route, rewrite_me};
pub use batch::batch;
pub use categories::{create_category, list_categories};
pub use delta::calendar_view_delta;
pub use events::{
    calendar_view, create_event, delete_event, get_event, list_events, permanent_delete_event,
    update_event,
};
pub use schedule::get_schedule;
pub use subscriptions::{create_subscription, delete_subscription, renew_subscription};
pub use users::{calendar_permissions, get_calendar, get_user, list_calendars, list_users};
