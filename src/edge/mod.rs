//! The edge: everything that touches the Workers runtime (D1, Durable Objects, entry points).

pub mod access;
pub mod alerting;
pub mod cost_meter;
pub mod db;
pub mod durable;
pub mod events;
pub mod faults;
pub mod heartbeat;
pub mod js_value;
pub mod object_fetch;
pub mod random;
pub mod row_fields;
pub mod rows;
pub mod vars;
