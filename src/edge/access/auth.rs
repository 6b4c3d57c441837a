//! Who is calling: the deploy-time admin, or a project's API key.

use worker::{Env, Request, Result};

use crate::core::access::credentials::{is_admin_token, parse_api_key, parse_basic};
use crate::core::access::scope::Scope;
use crate::edge::access::api_keys::find_live_key;
use crate::edge::access::key_use::note_use;
use crate::edge::db::{database, now_ms};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Admin,
    Key { project_id: String, scope: Scope },
}

/// The credential of an `Authorization: Bearer <credential>` header.
pub fn bearer(req: &Request) -> Option<String> {
    let header = req.headers().get("Authorization").ok()??;
    let (scheme, credential) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| credential.trim().to_string())
}

/// The password of an `Authorization: Basic` header (the systems API sends an API key there).
pub fn basic_password(req: &Request) -> Option<String> {
    parse_basic(&req.headers().get("Authorization").ok()??).map(|(_, password)| password)
}

/// Resolves a presented credential; `None` when it is not a valid, live credential.
pub async fn authenticate(env: &Env, credential: &str) -> Result<Option<Principal>> {
    let admin = env.secret("ADMIN_TOKEN").map(|s| s.to_string()).unwrap_or_default();
    if is_admin_token(credential, &admin) {
        return Ok(Some(Principal::Admin));
    }
    let Some(presented) = parse_api_key(credential) else {
        return Ok(None);
    };
    let Some(stored) = find_live_key(&database(env)?, presented.id).await? else {
        return Ok(None);
    };
    if !presented.matches(&stored.secret_hash) {
        return Ok(None);
    }
    note_use(presented.id, stored.last_used_at, now_ms());
    Ok(Scope::parse(&stored.scope).map(|scope| Principal::Key {
        project_id: stored.project_id,
        scope,
    }))
}
