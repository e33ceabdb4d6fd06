//! The pane's screens.

pub mod item;
