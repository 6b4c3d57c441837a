//! Events: the batch formats, their clock and dedup, a project's budgets (rate, quota, a
//! key's bucket), how accepted events are held and stored, queries and rollups.

pub mod event;
pub mod event_clock;
pub mod event_dedup;
pub mod event_query;
pub mod event_rate;
pub mod event_store;
pub mod ingest_admission;
pub mod project_limits;
pub mod rollup;
pub mod token_bucket;
