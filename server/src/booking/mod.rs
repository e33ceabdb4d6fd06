//! Booking links — the source article's "Send calendar availability" and "Send meeting time
//! slots" — as the service [`Bookings`].
//!
//! - `links.rs`: the sidebar makes a link for the item being composed (the server judges
//!   `sendAvailability` on Microsoft's facts for the Organizer's calendar, and takes the item's
//!   From as the initiator only when it is the caller, or the Organizer for someone Microsoft
//!   lets act on their behalf), lists and withdraws links.
//! - `book.rs`: the public page's work — the link by its secret, the Organizer's free times
//!   read from Graph's free/busy with the Organizer's connection when the page opens and again
//!   when an invitee books, the booking (idempotent per page form; the claimed cells make two
//!   racing invitees end with one meeting), the meeting created in the Organizer's calendar
//!   through their connection, and saved to the CRM linked to the invitee's contact or lead.
//! - `offer.rs`: what a link offers, and the free times it leaves.
//! - `freebusy.rs`: one free/busy read shared by the page views that ask while it is under way
//!   (Graph serves four requests at once per mailbox).

mod book;
mod freebusy;
mod links;
pub mod offer;
mod service;

pub use book::{Booked, BookingForm, LinkState, OpenLink};
pub use offer::OfferError;
pub use service::{BookingError, Bookings, DEFAULT_LINK_DAYS, MAX_LINK_DAYS};
