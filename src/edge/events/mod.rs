//! Events at the edge: the project's Durable Object that admits and holds accepted events,
//! and their rows in D1.

pub mod event_rows;
pub mod project_ingest;
