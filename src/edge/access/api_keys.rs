//! API keys: stored as a public id plus the SHA-256 of the secret, never the key itself.

use worker::{D1Database, Result};

use crate::core::access::scope::Scope;
use crate::edge::cost_meter;
use crate::edge::db::{int, json_list, text};
use crate::edge::row_fields::row_fields;
use crate::edge::rows::{FirstRow, Rows};

pub struct StoredKey<'a> {
    pub id: &'a str,
    pub project_id: &'a str,
    pub name: &'a str,
    pub scope: Scope,
    pub secret_hash: &'a str,
    pub created_at: i64,
    /// JSON array of the origins a browser key may be used from; `None`: any.
    pub allowed_origins: Option<&'a str>,
}

pub async fn insert_key(db: &D1Database, key: &StoredKey<'_>) -> Result<()> {
    db.prepare(
        "INSERT INTO api_keys (id, project_id, name, scope, secret_hash, created_at, allowed_origins) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .bind(&[
        text(key.id),
        text(key.project_id),
        text(key.name),
        text(key.scope.as_str()),
        text(key.secret_hash),
        int(key.created_at),
        crate::edge::db::opt_text(key.allowed_origins),
    ])?
    .run()
    .await?;
    Ok(())
}

#[derive(Debug)]
pub struct KeyForAuth {
    pub project_id: String,
    pub scope: String,
    pub secret_hash: String,
    pub last_used_at: Option<i64>,
    /// Raised by every sign-out; sessions opened at another epoch are over.
    pub session_epoch: i64,
}
row_fields!(KeyForAuth {
    project_id,
    scope,
    secret_hash,
    last_used_at,
    session_epoch
});

/// The live key with this id, in an active project. Runs on every authenticated request
/// (primary-key lookup), so revocation takes effect on the very next one.
pub async fn find_live_key(db: &D1Database, id: &str) -> Result<Option<KeyForAuth>> {
    let found = db
        .prepare(
            "SELECT k.project_id, k.scope, k.secret_hash, k.last_used_at, k.session_epoch FROM api_keys k \
         JOIN projects p ON p.id = k.project_id \
         WHERE k.id = ?1 AND k.revoked_at IS NULL AND p.status = 'active'",
        )
        .bind(&[text(id)])?
        .first_row()
        .await;
    cost_meter::d1_statements(1);
    found
}

/// A key as its project's owners see it: never its secret or hash.
#[derive(Debug)]
pub struct ListedKey {
    pub id: String,
    pub name: String,
    pub scope: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// JSON array, or NULL for any origin.
    pub allowed_origins: Option<String>,
}
row_fields!(ListedKey {
    id,
    name,
    scope,
    created_at,
    last_used_at,
    revoked_at,
    allowed_origins
});

/// Every key of the project, revoked ones included, newest first (api_keys_by_project_created;
/// keys made in the same millisecond in the order they were inserted).
pub async fn list_keys(db: &D1Database, project_id: &str) -> Result<Vec<ListedKey>> {
    db.prepare(
        "SELECT id, name, scope, created_at, last_used_at, revoked_at, allowed_origins FROM api_keys \
         WHERE project_id = ?1 ORDER BY created_at DESC, rowid DESC",
    )
    .bind(&[text(project_id)])?
    .all()
    .await?
    .rows()
}

/// The scopes of those of `ids` that are the project's keys (another project's are left out).
pub async fn scopes_of_own_keys(db: &D1Database, project_id: &str, ids: &[String]) -> Result<Vec<Option<Scope>>> {
    struct Row {
        scope: String,
    }
    row_fields!(Row { scope });
    let rows: Vec<Row> = db
        .prepare("SELECT scope FROM api_keys WHERE project_id = ?1 AND id IN (SELECT value FROM json_each(?2))")
        .bind(&[text(project_id), json_list(ids)])?
        .all()
        .await?
        .rows()?;
    Ok(rows.into_iter().map(|r| Scope::parse(&r.scope)).collect())
}

/// Stores that the keys were used at `now`, unless a use within the last hour already is:
/// concurrent requests that all saw a stale time write once.
pub async fn record_key_uses(db: &D1Database, ids: &[String], now: i64) -> Result<()> {
    let stale_before = now - crate::core::access::key_use::KEY_USE_RESOLUTION_MS;
    let statements = ids
        .iter()
        .map(|id| {
            db.prepare(
                "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?3)",
            )
            .bind(&[text(id), int(now), int(stale_before)])
        })
        .collect::<Result<Vec<_>>>()?;
    if !statements.is_empty() {
        cost_meter::d1_results(&db.batch(statements).await?);
    }
    Ok(())
}

/// Ends every dashboard session of the key (sign-out), when `epoch` is still its epoch: a
/// session that has already ended cannot end the ones opened after it. Primary-key update.
pub async fn end_sessions(db: &D1Database, id: &str, epoch: i64) -> Result<()> {
    db.prepare("UPDATE api_keys SET session_epoch = session_epoch + 1 WHERE id = ?1 AND session_epoch = ?2")
        .bind(&[text(id), int(epoch)])?
        .run()
        .await?;
    Ok(())
}

/// Revokes a live key; `project_id` limits it to one project. Returns the key's project when
/// one was revoked (its ingest object is told next).
pub async fn revoke_key(db: &D1Database, id: &str, project_id: Option<&str>, now: i64) -> Result<Option<String>> {
    db.prepare(
        "UPDATE api_keys SET revoked_at = ?2 \
         WHERE id = ?1 AND revoked_at IS NULL AND (?3 IS NULL OR project_id = ?3) RETURNING project_id",
    )
    .bind(&[text(id), int(now), crate::edge::db::opt_text(project_id)])?
    .first_value("project_id")
    .await
}
