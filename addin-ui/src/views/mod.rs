//! The pane's screens: the item view, the Organizer's own settings, and booking links while
//! a message or meeting is composed.

pub mod booking;
pub mod item;
pub mod settings;
mod text;
