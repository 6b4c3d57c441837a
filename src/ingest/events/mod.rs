//! The event formats: the events API (a batch stored all or none), the ingest API (each
//! event accepted or rejected on its own, and its sendBeacon route), and what they share.

pub mod all_or_none;
pub mod intake;
pub mod per_event;
