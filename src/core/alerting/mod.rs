//! Telling people: where an alert may be sent (outbound URLs), how it is signed, and when a
//! failed delivery is tried again. A new channel kind's rendering goes here.

pub mod delivery;
pub mod outbound_url;
pub mod signature;
