//! The edge: everything that touches the Workers runtime (D1, Durable Objects, entry points).

pub mod api_keys;
pub mod auth;
pub mod channels;
pub mod db;
pub mod durable;
pub mod events;
pub mod faults;
pub mod key_use;
pub mod meter;
pub mod monitor_health;
pub mod monitor_state;
pub mod monitors;
pub mod notifier;
pub mod outbox;
pub mod ping_flush;
pub mod ping_pruning;
pub mod ping_token;
pub mod pings;
pub mod project_ingest;
pub mod projects;
pub mod random;
pub mod session;
pub mod sweep;
pub mod zone;
