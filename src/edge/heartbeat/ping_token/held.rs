//! A token object's own storage: the held pings (one row per flush window's pings, appended
//! to) and the checkpoint of its ledger, written once per flush. Every statement on these
//! tables is here.

use serde::{Deserialize, Serialize};
use worker::{ListOptions, Result, SqlStorage, Storage};

use crate::core::heartbeat::ping::PendingPing;
use crate::core::heartbeat::rate_window::RateWindow;
use crate::core::heartbeat::token_ledger::Ledger;
use crate::edge::cost_meter;
use crate::edge::durable::internal;
use crate::edge::heartbeat::monitor_state::{StoredState, STATE_COLUMNS};

const SCHEMA: &str = "\
    CREATE TABLE IF NOT EXISTS held (batch INTEGER PRIMARY KEY, n INTEGER NOT NULL, pings TEXT NOT NULL); \
    CREATE TABLE IF NOT EXISTS ledger (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL);";

/// Keys of the key-value layout objects used before the SQL tables (read once, moved over).
const LEGACY_WINDOW_KEY: &str = "window";
const LEGACY_SEQ_KEY: &str = "seq";
const LEGACY_RUNS_KEY: &str = "runs";
const LEGACY_PENDING_PREFIX: &str = "p:";

/// A held ping with its place in the ledger (the extra field is ignored by D1's insert).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct HeldPing {
    pub seq: u64,
    #[serde(flatten)]
    pub ping: PendingPing,
}

/// Held rows, oldest first: (batch number, its pings), as many rows as hold at most
/// `max_pings` pings (at least one row).
pub(super) fn held_rows(sql: &SqlStorage, max_pings: usize) -> Result<Vec<(i64, Vec<HeldPing>)>> {
    #[derive(Deserialize)]
    struct Row {
        batch: i64,
        n: i64,
        pings: String,
    }
    // Every row holds at least one ping; LIMIT -1 is no limit.
    let row_limit = i64::try_from(max_pings).unwrap_or(-1);
    let mut rows = Vec::new();
    let mut total = 0;
    for row in sql
        .exec(
            "SELECT batch, n, pings FROM held ORDER BY batch LIMIT ?",
            vec![row_limit.into()],
        )?
        .to_array::<Row>()?
    {
        if !rows.is_empty() && total + row.n as usize > max_pings {
            break;
        }
        total += row.n as usize;
        rows.push((row.batch, serde_json::from_str(&row.pings).map_err(internal)?));
    }
    Ok(rows)
}

/// The token's monitor as D1 last answered it (the lookup, or the row a flush read back), kept
/// in the checkpoint so an object started again (evicted while idle, as a cron job's token is
/// between pings) takes its next ping without asking D1 again. It expires as the memory of
/// the lookup does, from when D1 was asked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct SavedBinding {
    pub monitor_id: String,
    pub methods: Vec<String>,
    pub last_ping_at: i64,
    pub checked_at: i64,
    pub monitor: StoredState,
    /// The monitor columns this build reads: a binding saved by a build that read others is
    /// looked up again.
    pub columns: u64,
}

/// A fingerprint of the monitor columns this build reads (FNV-1a).
pub(super) fn columns_fingerprint() -> u64 {
    STATE_COLUMNS.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

#[derive(Serialize)]
struct CheckpointOut<'a> {
    #[serde(flatten)]
    ledger: &'a Ledger,
    #[serde(skip_serializing_if = "Option::is_none")]
    binding: Option<&'a SavedBinding>,
}

pub(super) fn write_checkpoint(sql: &SqlStorage, ledger: &Ledger, binding: Option<&SavedBinding>) -> Result<()> {
    let state = serde_json::to_string(&CheckpointOut { ledger, binding }).map_err(internal)?;
    sql.exec(
        "INSERT INTO ledger (id, state) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state",
        vec![state.into()],
    )?;
    cost_meter::object_rows(1);
    Ok(())
}

/// Objects written before the SQL tables kept the ledger and pending pings as keys: move
/// them into the tables once, in one transaction with their deletion.
async fn adopt_legacy_keys(storage: &Storage, sql: &SqlStorage) -> Result<()> {
    let Some(next_seq) = storage.get::<u64>(LEGACY_SEQ_KEY).await? else {
        return Ok(());
    };
    let ledger = Ledger {
        window: storage
            .get(LEGACY_WINDOW_KEY)
            .await?
            .unwrap_or_else(RateWindow::for_pings),
        runs: storage.get(LEGACY_RUNS_KEY).await?.unwrap_or_default(),
        next_seq,
    };
    let listed = storage
        .list_with_options(ListOptions::new().prefix(LEGACY_PENDING_PREFIX))
        .await?;
    let mut keys = vec![
        LEGACY_SEQ_KEY.to_string(),
        LEGACY_WINDOW_KEY.into(),
        LEGACY_RUNS_KEY.into(),
    ];
    let mut held = Vec::new();
    for entry in listed.entries() {
        let pair: js_sys::Array = entry?.into();
        let key = pair.get(0).as_string().unwrap_or_default();
        let ping: PendingPing = serde_wasm_bindgen::from_value(pair.get(1))?;
        let seq = u64::from_str_radix(key.trim_start_matches(LEGACY_PENDING_PREFIX), 16).map_err(internal)?;
        held.push(HeldPing { seq, ping });
        keys.push(key);
    }
    if !held.is_empty() {
        let n = held.len() as i64;
        let json = serde_json::to_string(&held).map_err(internal)?;
        sql.exec(
            "INSERT INTO held (batch, n, pings) VALUES (0, ?, ?)",
            vec![n.into(), json.into()],
        )?;
    }
    write_checkpoint(sql, &ledger, None)?;
    storage.delete_multiple(keys).await?;
    Ok(())
}

/// Creates the tables, when the first ping is held.
pub(super) fn create_tables(sql: &SqlStorage) -> Result<()> {
    cost_meter::object_rows(sql.exec(SCHEMA, None)?.rows_written());
    Ok(())
}

/// Opens the object's tables, moving an old object's keys into them; answers whether there
/// are any. A token that never held a ping has none, and asking it (the sweep does, for each
/// monitor it is about to call late) writes nothing.
pub(super) async fn open_tables(storage: &Storage, sql: &SqlStorage) -> Result<bool> {
    let found: Vec<serde_json::Value> = sql
        .exec(
            "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'held'",
            None,
        )?
        .to_array()?;
    if found.is_empty() && storage.get::<u64>(LEGACY_SEQ_KEY).await?.is_none() {
        return Ok(false);
    }
    create_tables(sql)?;
    adopt_legacy_keys(storage, sql).await?;
    Ok(true)
}

/// The ledger as the last flush left it (a new token's when none was written), and the binding
/// saved with it, if this build can use it.
pub(super) fn read_checkpoint(sql: &SqlStorage) -> Result<(Ledger, Option<SavedBinding>)> {
    #[derive(Deserialize)]
    struct Row {
        state: String,
    }
    let checkpoint: Vec<Row> = sql.exec("SELECT state FROM ledger WHERE id = 1", None)?.to_array()?;
    let Some(row) = checkpoint.first() else {
        return Ok((Ledger::default(), None));
    };
    let mut json: serde_json::Value = serde_json::from_str(&row.state).map_err(internal)?;
    let binding = json
        .as_object_mut()
        .and_then(|fields| fields.remove("binding"))
        .and_then(|saved| serde_json::from_value::<SavedBinding>(saved).ok())
        .filter(|saved| saved.columns == columns_fingerprint());
    Ok((serde_json::from_value(json).map_err(internal)?, binding))
}

/// Forgets the saved binding (the token was retired, or its monitor changed), leaving the
/// ledger as it is.
pub(super) fn forget_binding(sql: &SqlStorage) -> Result<()> {
    let cursor = sql.exec(
        "UPDATE ledger SET state = json_remove(state, '$.binding') WHERE id = 1 AND json_extract(state, '$.binding') IS NOT NULL",
        None,
    )?;
    cost_meter::object_rows(cursor.rows_written());
    Ok(())
}

/// Whether any ping is held.
pub(super) fn any_held(sql: &SqlStorage) -> Result<bool> {
    any_held_upto(sql, i64::MAX)
}

/// The newest held row's batch number (none held: `None`).
pub(super) fn last_held_batch(sql: &SqlStorage) -> Result<Option<i64>> {
    #[derive(Deserialize)]
    struct Row {
        batch: Option<i64>,
    }
    let rows: Vec<Row> = sql.exec("SELECT MAX(batch) AS batch FROM held", None)?.to_array()?;
    Ok(rows.first().and_then(|row| row.batch))
}

/// Whether any row up to batch `upto` is still held.
pub(super) fn any_held_upto(sql: &SqlStorage, upto: i64) -> Result<bool> {
    let held: Vec<serde_json::Value> = sql
        .exec("SELECT 1 AS held FROM held WHERE batch <= ? LIMIT 1", vec![upto.into()])?
        .to_array()?;
    Ok(!held.is_empty())
}

/// Holds a ping as the `n`th of row `batch`: the first inserts the row, the others append to it.
pub(super) fn hold(sql: &SqlStorage, batch: i64, n: u32, held: &HeldPing) -> Result<()> {
    let json = serde_json::to_string(held).map_err(internal)?;
    if n == 1 {
        sql.exec(
            "INSERT INTO held (batch, n, pings) VALUES (?, 1, json_array(json(?)))",
            vec![batch.into(), json.into()],
        )?;
    } else {
        sql.exec(
            "UPDATE held SET n = n + 1, pings = json_insert(pings, '$[#]', json(?)) WHERE batch = ?",
            vec![json.into(), batch.into()],
        )?;
    }
    Ok(())
}

/// Forgets the rows up to `upto` (D1 has their pings); answers the rows written.
pub(super) fn release(sql: &SqlStorage, upto: i64) -> Result<usize> {
    let deleted = sql.exec("DELETE FROM held WHERE batch <= ?", vec![upto.into()])?;
    Ok(deleted.rows_written())
}
