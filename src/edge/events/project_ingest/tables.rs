//! A project object's own SQLite tables: held batches (`pending`), the event ids seen in the
//! last 24 h (`seen`), and one row per meter (`meter`: the project's rate and quota, each
//! key's bucket, the project id, the flush in progress).

use serde::{Deserialize, Serialize};
use worker::{Result, SqlStorage};

use crate::edge::durable::internal;
use crate::edge::row_fields::row_fields;
use crate::edge::rows::Rows;

/// `pending.events` is large (a whole batch) and kept last in each row: SQLite reads a row's
/// columns in order, so the small ones before it are read without walking its overflow pages.
pub(super) const SCHEMA: &str = "\
    CREATE TABLE IF NOT EXISTS pending (seq INTEGER PRIMARY KEY, n INTEGER NOT NULL, bytes INTEGER NOT NULL, \
      names TEXT NOT NULL, events TEXT NOT NULL); \
    CREATE TABLE IF NOT EXISTS seen (event_id TEXT PRIMARY KEY, first_seen INTEGER NOT NULL); \
    CREATE INDEX IF NOT EXISTS seen_by_first_seen ON seen (first_seen); \
    CREATE TABLE IF NOT EXISTS meter (name TEXT PRIMARY KEY, state TEXT NOT NULL);";

pub(super) const METER_PROJECT_ID: &str = "project_id";
pub(super) const METER_PROJECT: &str = "project";
pub(super) const METER_INFLIGHT: &str = "inflight";

pub(super) fn read_meter<T: for<'de> Deserialize<'de>>(sql: &SqlStorage, name: &str) -> Result<Option<T>> {
    struct Row {
        state: String,
    }
    row_fields!(Row { state });
    let rows: Vec<Row> = sql
        .exec("SELECT state FROM meter WHERE name = ?", vec![name.into()])?
        .rows()?;
    rows.first()
        .map(|r| serde_json::from_str(&r.state).map_err(internal))
        .transpose()
}

pub(super) fn write_meter(sql: &SqlStorage, name: &str, value: &impl Serialize) -> Result<()> {
    let state = serde_json::to_string(value).map_err(internal)?;
    sql.exec(
        "INSERT INTO meter (name, state) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET state = excluded.state",
        vec![name.into(), state.into()],
    )?;
    Ok(())
}

/// (batches, events) waiting for D1.
pub(super) fn pending_counts(sql: &SqlStorage) -> Result<(u64, u64)> {
    struct Row {
        batches: i64,
        events: i64,
    }
    row_fields!(Row { batches, events });
    let row: Row = sql
        .exec(
            "SELECT COUNT(*) AS batches, COALESCE(SUM(n), 0) AS events FROM pending",
            None,
        )?
        .one_row()?;
    Ok((row.batches as u64, row.events as u64))
}

/// How many held batches carry events named `name`.
pub(super) fn pending_with_name(sql: &SqlStorage, name: &str) -> Result<i64> {
    struct Row {
        n: i64,
    }
    row_fields!(Row { n });
    let waiting: Row = sql
        .exec(
            "SELECT COUNT(*) AS n FROM pending WHERE EXISTS \
             (SELECT 1 FROM json_each(pending.names) WHERE json_each.value = ?)",
            vec![name.into()],
        )?
        .one_row()?;
    Ok(waiting.n)
}
