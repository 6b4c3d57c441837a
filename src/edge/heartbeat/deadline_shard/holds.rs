//! The tokens a shard knows to hold pings D1 lacks: a token's object whose flush failed says so
//! (`Hold`), and again when one works (`Release`). Unlike deadlines, a hold is written at once:
//! the sweep judges a long-passed deadline without asking the token's object unless its token
//! is held, so a hold lost to a restart could let it call down a monitor whose ping was in time.
//! Holds are rare (a failing D1), so the row each costs does not show in the price of a ping.

use worker::{Result, SqlStorage};

use super::protocol::Hold;
use crate::edge::row_fields::row_fields;
use crate::edge::rows::Rows;

pub const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS holds (token TEXT PRIMARY KEY)";

/// Records a hold (once: a token held already stays as it is); answers the rows written.
pub fn hold(sql: &SqlStorage, hold: &Hold) -> Result<usize> {
    Ok(sql
        .exec(
            "INSERT INTO holds (token) VALUES (?1) ON CONFLICT (token) DO NOTHING",
            vec![hold.token.as_str().into()],
        )?
        .rows_written())
}

/// Forgets a token's hold; answers the rows written.
pub fn release(sql: &SqlStorage, token: &str) -> Result<usize> {
    Ok(sql
        .exec("DELETE FROM holds WHERE token = ?1", vec![token.into()])?
        .rows_written())
}

/// Every token held (they are few: only failing flushes make them).
pub fn held_tokens(sql: &SqlStorage) -> Result<Vec<String>> {
    struct Row {
        token: String,
    }
    row_fields!(Row { token });
    let rows: Vec<Row> = sql.exec("SELECT token FROM holds", None)?.rows()?;
    Ok(rows.into_iter().map(|r| r.token).collect())
}
