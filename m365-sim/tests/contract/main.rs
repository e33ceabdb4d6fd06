//! The simulator's contract with Microsoft's documents, one test binary: identity (tokens,
//! keys, consent), discovery documents, and Graph (users, calendars, events, paging, faults).

mod discovery;
mod graph;
mod identity;
