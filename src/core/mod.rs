//! The pure core: no `worker` types, so all of it builds and tests natively.

pub mod allowed_origins;
pub mod badge;
pub mod beacon;
pub mod credentials;
pub mod cron;
pub mod cron_pattern;
pub mod delivery;
pub mod event;
pub mod event_clock;
pub mod event_dedup;
pub mod event_query;
pub mod event_rate;
pub mod event_store;
pub mod health;
pub mod ingest_admission;
pub mod key_use;
pub mod metrics;
pub mod monitor;
#[cfg(test)]
mod openapi_contract;
pub mod paging;
pub mod ping;
pub mod project_limits;
pub mod rate_window;
pub mod rollup;
pub mod routes;
pub mod run;
pub mod scope;
pub mod session;
pub mod signature;
pub mod statistic;
pub mod status;
pub mod time;
pub mod token_bucket;
pub mod url_parts;
pub mod validation;
