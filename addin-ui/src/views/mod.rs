//! The pane's screens: the item view and the Organizer's own settings.

pub mod item;
pub mod settings;
mod text;
