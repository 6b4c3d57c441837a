//! Notification channels of a project in D1, and the one writer of their rows: each row is a
//! kind, its fields as JSON (secrets included: sending needs them), switches for what it is
//! told, and whether it is failing. Their deliveries are the outbox's (`outbox.rs`).

use worker::{D1Database, D1PreparedStatement, Result};

use crate::edge::db::{changed_one, int, json_list, text};
use crate::edge::row_fields::row_fields;
use crate::edge::rows::{FirstRow, Rows};

const COLUMNS: &str = "id, kind, name, config, secret, notify_down, notify_up, notify_errors, status, \
    failing_reason, failing_since, created_at";

#[derive(Debug, Clone)]
pub struct Channel {
    pub id: String,
    pub kind: String,
    pub name: String,
    /// The kind's fields, a JSON object.
    pub config: String,
    /// The webhook kind's signing key.
    pub secret: String,
    pub notify_down: i64,
    pub notify_up: i64,
    pub notify_errors: i64,
    /// `ok` or `failing`.
    pub status: String,
    pub failing_reason: Option<String>,
    pub failing_since: Option<i64>,
    pub created_at: i64,
}
row_fields!(Channel {
    id,
    kind,
    name,
    config,
    secret,
    notify_down,
    notify_up,
    notify_errors,
    status,
    failing_reason,
    failing_since,
    created_at
});

/// A channel to create.
pub struct NewChannel<'a> {
    pub id: &'a str,
    pub project_id: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub config: &'a str,
    pub secret: &'a str,
    pub notify: [bool; 3],
    pub now: i64,
}

pub async fn insert_channel(db: &D1Database, c: &NewChannel<'_>) -> Result<()> {
    let [down, up, errors] = c.notify.map(|on| int(i64::from(on)));
    db.prepare(
        "INSERT INTO channels (id, project_id, kind, name, config, secret, notify_down, notify_up, notify_errors, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .bind(&[
        text(c.id),
        text(c.project_id),
        text(c.kind),
        text(c.name),
        text(c.config),
        text(c.secret),
        down,
        up,
        errors,
        int(c.now),
    ])?
    .run()
    .await?;
    Ok(())
}

pub async fn list_channels(db: &D1Database, project_id: &str) -> Result<Vec<Channel>> {
    db.prepare(format!(
        "SELECT {COLUMNS} FROM channels WHERE project_id = ?1 ORDER BY created_at, id"
    ))
    .bind(&[text(project_id)])?
    .all()
    .await?
    .rows()
}

pub async fn find_channel(db: &D1Database, project_id: &str, id: &str) -> Result<Option<Channel>> {
    db.prepare(format!(
        "SELECT {COLUMNS} FROM channels WHERE id = ?1 AND project_id = ?2"
    ))
    .bind(&[text(id), text(project_id)])?
    .first_row()
    .await
}

/// The channels named by `ids` (those the notifier is about to send through), whatever their
/// project: the ids come from deliveries, which only their own project's flips queue.
pub async fn channels_by_ids(db: &D1Database, ids: &[String]) -> Result<Vec<Channel>> {
    db.prepare(format!(
        "SELECT {COLUMNS} FROM channels WHERE id IN (SELECT value FROM json_each(?1))"
    ))
    .bind(&[json_list(ids)])?
    .all()
    .await?
    .rows()
}

pub async fn delete_channel(db: &D1Database, project_id: &str, id: &str) -> Result<bool> {
    let result = db
        .prepare("DELETE FROM channels WHERE id = ?1 AND project_id = ?2")
        .bind(&[text(id), text(project_id)])?
        .run()
        .await?;
    changed_one(&result)
}

/// How many of `ids` are channels of the project.
pub async fn count_own_channels(db: &D1Database, project_id: &str, ids: &[String]) -> Result<usize> {
    let n: Option<i64> = db
        .prepare("SELECT COUNT(*) AS n FROM channels WHERE project_id = ?1 AND id IN (SELECT value FROM json_each(?2))")
        .bind(&[text(project_id), json_list(ids)])?
        .first_value("n")
        .await?;
    Ok(n.unwrap_or(0) as usize)
}

/// The monitors that use a channel, per channel of the project: how many, and the first few
/// by name (a monitor with no channel list uses every channel of its project).
#[derive(Debug, Clone)]
pub struct ChannelUsers {
    pub channel_id: String,
    pub monitors: i64,
    /// JSON array of `{"unique_key", "name"}`, at most `USERS_SHOWN`.
    pub sample: String,
}
row_fields!(ChannelUsers {
    channel_id,
    monitors,
    sample
});

const USERS_SHOWN: i64 = 10;

pub async fn channel_users(db: &D1Database, project_id: &str) -> Result<Vec<ChannelUsers>> {
    db.prepare(
        "SELECT channel_id, COUNT(*) AS monitors, \
           json_group_array(CASE WHEN rn <= ?2 THEN json_object('unique_key', unique_key, 'name', name) END) AS sample \
         FROM (SELECT c.id AS channel_id, m.unique_key, m.name, \
                 ROW_NUMBER() OVER (PARTITION BY c.id ORDER BY m.name, m.unique_key) AS rn \
               FROM channels c JOIN monitors m ON m.project_id = c.project_id \
               WHERE c.project_id = ?1 AND (m.channels IS NULL OR c.id IN (SELECT value FROM json_each(m.channels)))) \
         GROUP BY channel_id",
    )
    .bind(&[text(project_id), int(USERS_SHOWN)])?
    .all()
    .await?
    .rows()
}

/// A permanent refusal: the channel is failing, with the service's reason, from `now` (the
/// first time only: `failing_since` keeps when it started).
pub fn mark_failing(db: &D1Database, id: &str, reason: &str, now: i64) -> Result<D1PreparedStatement> {
    db.prepare(
        "UPDATE channels SET status = 'failing', failing_reason = ?2, \
           failing_since = CASE WHEN status = 'failing' THEN failing_since ELSE ?3 END WHERE id = ?1",
    )
    .bind(&[text(id), text(reason), int(now)])
}

/// A test went through: the channel works again.
pub fn clear_failing(db: &D1Database, id: &str) -> Result<D1PreparedStatement> {
    db.prepare("UPDATE channels SET status = 'ok', failing_reason = NULL, failing_since = NULL WHERE id = ?1")
        .bind(&[text(id)])
}

/// The service asked to wait: nothing goes to the channel before `until`.
pub fn hold(db: &D1Database, id: &str, until: i64) -> Result<D1PreparedStatement> {
    db.prepare("UPDATE channels SET hold_until = MAX(hold_until, ?2) WHERE id = ?1")
        .bind(&[text(id), int(until)])
}
