//! Dashboard sessions at the edge: the deploy secret that signs them, opening one at the key's
//! session epoch, whether the key a session was opened with is still live and not signed out
//! of since (checked on every request, so revoking the key or signing out ends its sessions
//! on the next one), and sign-out.

use worker::{Env, Result};

use crate::core::access::scope::Scope;
use crate::core::access::session::Session;
use crate::edge::access::api_keys::{end_sessions, find_live_key};
use crate::edge::access::key_use::note_use;
use crate::edge::db::{database, now_ms};

/// `SESSION_SECRET`, when the deployment has one that is not empty.
pub fn session_secret(env: &Env) -> Option<String> {
    env.secret("SESSION_SECRET")
        .map(|s| s.to_string())
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// A session of a key that has just authenticated, at the key's current epoch; `None` when the
/// key stopped being live in between.
pub async fn open_session(env: &Env, key_id: &str, project_id: &str, scope: Scope) -> Result<Option<Session>> {
    let Some(stored) = find_live_key(&database(env)?, key_id).await? else {
        return Ok(None);
    };
    Ok(Some(Session::starting(
        key_id,
        project_id,
        scope,
        stored.session_epoch,
        now_ms(),
    )))
}

/// The session, when its key is still live, in the same project, with the same scope, and not
/// signed out of since the session opened.
pub async fn live_session(env: &Env, session: Session) -> Result<Option<Session>> {
    let Some(stored) = find_live_key(&database(env)?, &session.key_id).await? else {
        return Ok(None);
    };
    if stored.project_id != session.project_id
        || Scope::parse(&stored.scope) != Some(session.scope)
        || !session.current_for(stored.session_epoch)
    {
        return Ok(None);
    }
    note_use(&session.key_id, stored.last_used_at, now_ms());
    Ok(Some(session))
}

/// Signs out: ends every session of the session's key, copies of any cookie included.
pub async fn sign_out(env: &Env, session: &Session) -> Result<()> {
    end_sessions(&database(env)?, &session.key_id, session.epoch).await
}
