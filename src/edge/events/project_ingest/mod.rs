//! One Durable Object per project (`PROJECT_INGEST`, named by the project id): it admits
//! event batches exactly (key, project status, 24 h `event_id` dedup, the key's token bucket,
//! the project's rate and monthly quota), holds every admitted batch durably in its own
//! SQLite storage, and flushes batches to D1 in large groups.
//!
//! Admitting a batch costs one local transaction: every check and every write happen with
//! no await between them, so concurrent batches are decided one after the other, and the
//! output gate holds the answer until the writes are durable. An alarm moves pending batches
//! to D1 shortly after; the flush's id and range are stored before D1 is called, so a flush
//! retried after a crash repeats the same flush, which D1 applies once.
//!
//! Ceiling: one object serialises its project, about 1,000 requests/s (500,000 events/s at
//! 500-event batches). A tenant above that is spread over shards named `project_id#n`, each
//! with its own buffer and a share of the rate and quota (docs/events.md).
//!
//! - `client`: the worker's side (what the rest of the program calls);
//! - `protocol`: the calls, the header and the bodies both sides use;
//! - `object`: the Durable Object: its calls, its alarm, its startup;
//! - `admission`: deciding and holding a batch;
//! - `flush`: moving held batches to D1, feeding event-fed monitors;
//! - `stats`: what the object answers about itself (its state, the month's usage);
//! - `lookups`: the key and the project, remembered from D1;
//! - `memory`: the object and what it keeps in memory;
//! - `tables`: its own SQLite tables (the schema, meter rows, pending counts).

mod admission;
pub mod client;
mod flush;
mod lookups;
mod memory;
mod object;
pub mod protocol;
mod stats;
mod tables;
