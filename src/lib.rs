//! edgebeat: heartbeat and event ingestion on Cloudflare Workers.
//!
//! - `core`: pure domain logic (rate windows, credentials, validation, routes, time).
//! - `edge`: D1 queries, Durable Objects, the fetch and cron entry points (wasm only).
//! - `dialects`: one module per ingestion/management API; they translate shapes only.

pub mod core;

#[cfg(target_arch = "wasm32")]
mod dialects;
#[cfg(target_arch = "wasm32")]
mod edge;
