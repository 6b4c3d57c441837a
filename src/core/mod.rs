//! The pure core: no `worker` types, so all of it builds and tests natively.

pub mod access;
pub mod alerting;
pub mod cached_lookup;
pub mod events;
pub mod flush_schedule;
pub mod heartbeat;
pub mod http_contract;
pub mod join_all;
pub mod stable_sort;
pub mod time;
