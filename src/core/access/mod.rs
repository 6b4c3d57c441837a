//! Who may do what: the secrets edgebeat hands out, key scopes, dashboard sessions, the
//! origins a browser key may send from, and when a key's use is worth recording.

pub mod allowed_origins;
pub mod credentials;
pub mod key_use;
pub mod scope;
pub mod session;
