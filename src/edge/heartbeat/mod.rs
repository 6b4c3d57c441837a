//! Heartbeats at the edge: monitors and pings in D1 (each table has one writer here), the
//! ping token's Durable Object, the deadline shards, the flush, the sweep (Cron Trigger), pruning, time zones.

pub mod deadline_shard;
pub mod maintenance_windows;
pub mod monitor_health;
pub mod monitor_state;
pub mod monitors;
pub mod ping_flush;
pub mod ping_history;
pub mod ping_pruning;
pub mod ping_token;
pub mod pings;
pub mod sweep;
pub mod zone;
