//! Projects, API keys (stored as hashes), who is calling, key use, dashboard sessions.

pub mod api_keys;
pub mod auth;
pub mod key_use;
pub mod projects;
pub mod session;
