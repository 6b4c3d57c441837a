//! Dashboard sessions at the edge: the deploy secret that signs them, and whether the key a
//! session was opened with is still live (checked on every request, so revoking the key
//! ends its sessions on the next one).

use worker::{Env, Result};

use super::api_keys::find_live_key;
use super::db::{database, now_ms};
use super::key_use::note_use;
use crate::core::scope::Scope;
use crate::core::session::Session;

/// `SESSION_SECRET`, when the deployment has one that is not empty.
pub fn session_secret(env: &Env) -> Option<String> {
    env.secret("SESSION_SECRET")
        .map(|s| s.to_string())
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// The session, when its key is still live, in the same project, with the same scope.
pub async fn live_session(env: &Env, session: Session) -> Result<Option<Session>> {
    let Some(stored) = find_live_key(&database(env)?, &session.key_id).await? else {
        return Ok(None);
    };
    if stored.project_id != session.project_id || Scope::parse(&stored.scope) != Some(session.scope) {
        return Ok(None);
    }
    note_use(&session.key_id, stored.last_used_at, now_ms());
    Ok(Some(session))
}
