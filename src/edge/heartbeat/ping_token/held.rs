//! A token object's own storage: its pings, in a ring of slots (one row written per ping,
//! in place: nothing is deleted once D1 has them), a spill table for the rare ping whose slot
//! still holds one D1 has not seen, and the checkpoint of its ledger, written once per flush,
//! which also says up to where D1 has the pings (`flushed_seq`). Every statement on these
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
    CREATE TABLE IF NOT EXISTS ring (slot INTEGER PRIMARY KEY, seq INTEGER NOT NULL, ping TEXT NOT NULL); \
    CREATE TABLE IF NOT EXISTS ledger (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL);";
const SPILL_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS spill (seq INTEGER PRIMARY KEY, ping TEXT NOT NULL)";

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

fn seq_value(seq: u64) -> worker::SqlStorageValue {
    i64::try_from(seq).unwrap_or(i64::MAX).into()
}

fn has_table(sql: &SqlStorage, name: &str) -> Result<bool> {
    let found: Vec<serde_json::Value> = sql
        .exec(
            "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?",
            vec![name.into()],
        )?
        .to_array()?;
    Ok(!found.is_empty())
}

/// The pings D1 does not have yet (sequence `flushed_seq` and after), oldest first, at most
/// `max_pings`.
pub(super) fn held_pings(sql: &SqlStorage, flushed_seq: u64, max_pings: usize) -> Result<Vec<HeldPing>> {
    #[derive(Deserialize)]
    struct Row {
        ping: String,
    }
    let limit = i64::try_from(max_pings).unwrap_or(-1);
    let query = match has_table(sql, "spill")? {
        true => {
            "SELECT seq, ping FROM ring WHERE seq >= ?1 UNION ALL SELECT seq, ping FROM spill ORDER BY seq LIMIT ?2"
        }
        false => "SELECT seq, ping FROM ring WHERE seq >= ?1 ORDER BY seq LIMIT ?2",
    };
    sql.exec(query, vec![seq_value(flushed_seq), limit.into()])?
        .to_array::<Row>()?
        .iter()
        .map(|row| serde_json::from_str(&row.ping).map_err(internal))
        .collect()
}

/// Whether any ping is held.
pub(super) fn any_held(sql: &SqlStorage, flushed_seq: u64) -> Result<bool> {
    Ok(!held_pings(sql, flushed_seq, 1)?.is_empty())
}

/// Holds a ping in its slot of the ring (`slots` of them), over a ping D1 already has; when
/// the slot still holds one D1 lacks (D1 has refused flushes for a whole ring of pings), in
/// the spill table. Answers the rows written.
pub(super) fn hold(sql: &SqlStorage, slots: u64, flushed_seq: u64, held: &HeldPing) -> Result<usize> {
    let json = serde_json::to_string(held).map_err(internal)?;
    let slot = held.seq % slots.max(1);
    let written = sql
        .exec(
            "INSERT INTO ring (slot, seq, ping) VALUES (?1, ?2, ?3) \
             ON CONFLICT (slot) DO UPDATE SET seq = excluded.seq, ping = excluded.ping WHERE ring.seq < ?4",
            vec![
                seq_value(slot),
                seq_value(held.seq),
                json.clone().into(),
                seq_value(flushed_seq),
            ],
        )?
        .rows_written();
    if written > 0 {
        return Ok(written);
    }
    let created = sql.exec(SPILL_SCHEMA, None)?.rows_written();
    let spilled = sql
        .exec(
            "INSERT INTO spill (seq, ping) VALUES (?, ?)",
            vec![seq_value(held.seq), json.into()],
        )?
        .rows_written();
    Ok(created + spilled)
}

/// Forgets spilled pings up to sequence `upto` (D1 has them); answers the rows written.
pub(super) fn release_spill(sql: &SqlStorage, upto: u64) -> Result<usize> {
    if !has_table(sql, "spill")? {
        return Ok(0);
    }
    Ok(sql
        .exec("DELETE FROM spill WHERE seq <= ?", vec![seq_value(upto)])?
        .rows_written())
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
    flushed_seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    binding: Option<&'a SavedBinding>,
}

/// Writes the ledger, the sequence below which D1 has every ping, and the binding.
pub(super) fn write_checkpoint(
    sql: &SqlStorage,
    ledger: &Ledger,
    flushed_seq: u64,
    binding: Option<&SavedBinding>,
) -> Result<()> {
    let state = serde_json::to_string(&CheckpointOut {
        ledger,
        flushed_seq,
        binding,
    })
    .map_err(internal)?;
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
    spill_all(sql, &held)?;
    write_checkpoint(sql, &ledger, ledger.next_seq, None)?;
    storage.delete_multiple(keys).await?;
    Ok(())
}

/// Puts pings D1 does not have yet in the spill table (pings an object of an older layout held).
fn spill_all(sql: &SqlStorage, held: &[HeldPing]) -> Result<()> {
    if held.is_empty() {
        return Ok(());
    }
    sql.exec(SPILL_SCHEMA, None)?;
    for ping in held {
        let json = serde_json::to_string(ping).map_err(internal)?;
        sql.exec(
            "INSERT OR IGNORE INTO spill (seq, ping) VALUES (?, ?)",
            vec![seq_value(ping.seq), json.into()],
        )?;
    }
    Ok(())
}

/// Objects written before the ring kept held pings in rows of a flush window's pings (`held`):
/// move them to the spill table, in one transaction with the table's removal. Their ledger
/// checkpoint has no `flushed_seq`, and every ping it covers that is not held is in D1.
fn adopt_held_rows(sql: &SqlStorage) -> Result<()> {
    if !has_table(sql, "held")? {
        return Ok(());
    }
    #[derive(Deserialize)]
    struct Row {
        pings: String,
    }
    let mut held = Vec::new();
    for row in sql
        .exec("SELECT pings FROM held ORDER BY batch", None)?
        .to_array::<Row>()?
    {
        held.extend(serde_json::from_str::<Vec<HeldPing>>(&row.pings).map_err(internal)?);
    }
    spill_all(sql, &held)?;
    sql.exec("DROP TABLE held", None)?;
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
            "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name IN ('ring', 'held')",
            None,
        )?
        .to_array()?;
    if found.is_empty() && storage.get::<u64>(LEGACY_SEQ_KEY).await?.is_none() {
        return Ok(false);
    }
    create_tables(sql)?;
    adopt_held_rows(sql)?;
    adopt_legacy_keys(storage, sql).await?;
    Ok(true)
}

/// What the last flush left: the ledger (a new token's when none was written), the sequence
/// below which D1 has every ping, and the binding saved with them, if this build can use it.
pub(super) struct Checkpoint {
    pub ledger: Ledger,
    pub flushed_seq: u64,
    pub binding: Option<SavedBinding>,
}

pub(super) fn read_checkpoint(sql: &SqlStorage) -> Result<Checkpoint> {
    #[derive(Deserialize)]
    struct Row {
        state: String,
    }
    let checkpoint: Vec<Row> = sql.exec("SELECT state FROM ledger WHERE id = 1", None)?.to_array()?;
    let Some(row) = checkpoint.first() else {
        return Ok(Checkpoint {
            ledger: Ledger::default(),
            flushed_seq: 0,
            binding: None,
        });
    };
    let mut json: serde_json::Value = serde_json::from_str(&row.state).map_err(internal)?;
    let fields = json.as_object_mut();
    let (binding, flushed_seq) = match fields {
        Some(fields) => (
            fields
                .remove("binding")
                .and_then(|saved| serde_json::from_value::<SavedBinding>(saved).ok())
                .filter(|saved| saved.columns == columns_fingerprint()),
            fields.remove("flushed_seq").and_then(|seq| seq.as_u64()),
        ),
        None => (None, None),
    };
    let ledger: Ledger = serde_json::from_value(json).map_err(internal)?;
    Ok(Checkpoint {
        // A checkpoint written before the ring: D1 has every ping it covers but the held ones,
        // which now wait in the spill table.
        flushed_seq: flushed_seq.unwrap_or(ledger.next_seq),
        ledger,
        binding,
    })
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
