//! The management API: projects and keys, monitors (the API's heartbeats), channels. Each
//! handler parses, authorizes, calls the edge or core, and shapes the answer.

pub mod channels;
pub mod event_queries;
pub mod monitors;
pub mod project_limits;
pub mod projects;
