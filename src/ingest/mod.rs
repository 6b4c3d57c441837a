//! Ingestion formats: one module per way a ping arrives. Each parses its request into the
//! ping to record and renders the outcome in its own shape.

pub mod beacon;
pub mod cron_ping;
pub mod heartbeat_ping;
pub mod ping_meta;
pub mod system_heartbeat;
