//! The management API: projects and keys, dashboard sessions, monitors (the API's
//! heartbeats), channels and event routes, status badges and Prometheus metrics. Each
//! handler parses, authorizes, calls the edge or core, and shapes the answer.

pub mod acknowledge;
pub mod badges;
pub mod channels;
pub mod event_queries;
pub mod event_routes;
pub mod maintenance;
pub mod metrics;
pub mod monitors;
pub mod project_limits;
pub mod projects;
pub mod read_your_writes;
pub mod sessions;
