//! The ping formats: beacon, heartbeat API ping, cron-job ping, system heartbeat, and what
//! every ping records about its request.

pub mod beacon;
pub mod cron_ping;
pub mod heartbeat_ping;
pub mod ping_request;
pub mod system_heartbeat;
