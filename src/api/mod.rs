//! The management API: projects and keys, dashboard sessions, monitors (the API's
//! heartbeats), channels, status badges and Prometheus metrics. Each
//! handler parses, authorizes, calls the edge or core, and shapes the answer.

pub mod badges;
pub mod channels;
pub mod event_queries;
pub mod maintenance;
pub mod metrics;
pub mod monitors;
pub mod project_limits;
pub mod projects;
pub mod sessions;
