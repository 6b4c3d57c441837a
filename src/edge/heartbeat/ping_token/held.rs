//! A token object's own storage, which is its monitor's ping history: the newest pings in a
//! ring of slots (one row written per ping, in place, nothing deleted), a spill table for the
//! rare ping whose slot still holds one that D1 has not applied or whose hour is not rolled
//! yet, the hourly figures of rolled pings (`hours`, so pings that left the ring still count),
//! and the checkpoint of its ledger, written once per flush, which also says up to where D1 has
//! applied the pings to the monitor (`flushed_seq`) and up to where they are rolled
//! (`rolled_seq`). Every statement on these tables is here.

use serde::{Deserialize, Serialize};
use worker::{ListOptions, Result, SqlStorage, Storage};

use crate::core::heartbeat::ping::{PendingPing, PingKind, StoredPingJson};
use crate::core::heartbeat::ping_log::{figures_by_hour, HourFigures, LogAnswer, LogQuery, LoggedPing};
use crate::core::heartbeat::rate_window::RateWindow;
use crate::core::heartbeat::token_ledger::Ledger;
use crate::edge::cost_meter;
use crate::edge::durable::internal;
use crate::edge::heartbeat::monitor_state::{StoredState, STATE_COLUMNS};
use crate::edge::row_fields::row_fields;
use crate::edge::rows::Rows;

const SCHEMA: &str = "\
    CREATE TABLE IF NOT EXISTS ring (slot INTEGER PRIMARY KEY, seq INTEGER NOT NULL, \
      received_at INTEGER NOT NULL, kind TEXT NOT NULL, ping TEXT NOT NULL); \
    CREATE TABLE IF NOT EXISTS ledger (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL);";
const SPILL_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS spill (seq INTEGER PRIMARY KEY, \
    received_at INTEGER NOT NULL, kind TEXT NOT NULL, ping TEXT NOT NULL)";
const HOURS_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS hours (hour INTEGER PRIMARY KEY, pings INTEGER NOT NULL, \
    check_ins INTEGER NOT NULL, fails INTEGER NOT NULL)";
/// Every ping the object keeps, ring and spill.
const KEPT: &str =
    "(SELECT seq, received_at, kind, ping FROM ring UNION ALL SELECT seq, received_at, kind, ping FROM spill)";
const CHECK_INS: &str = "kind IN ('tick', 'success', 'fail')";

/// Keys of the key-value layout objects used before the SQL tables (read once, moved over).
const LEGACY_WINDOW_KEY: &str = "window";
const LEGACY_SEQ_KEY: &str = "seq";
const LEGACY_RUNS_KEY: &str = "runs";
const LEGACY_PENDING_PREFIX: &str = "p:";

/// A ping held in the ring with its place in the ledger: written as the ping with its `seq`
/// beside its fields (D1's insert ignores the extra field), read through the ping's stored
/// form (`StoredPingJson`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "StoredPingJson")]
pub(super) struct HeldPing {
    pub seq: u64,
    #[serde(flatten)]
    pub ping: PendingPing,
}

impl TryFrom<StoredPingJson> for HeldPing {
    type Error = &'static str;

    fn try_from(mut json: StoredPingJson) -> std::result::Result<Self, &'static str> {
        let seq = json.seq.take().ok_or("a held ping without its seq")?;
        Ok(HeldPing {
            seq,
            ping: PendingPing::from(json),
        })
    }
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
        .rows()?;
    Ok(!found.is_empty())
}

/// The pings D1 has not applied yet (sequence `flushed_seq` and after), oldest first, at most
/// `max_pings`.
pub(super) fn held_pings(sql: &SqlStorage, flushed_seq: u64, max_pings: usize) -> Result<Vec<HeldPing>> {
    struct Row {
        ping: String,
    }
    row_fields!(Row { ping });
    let limit = i64::try_from(max_pings).unwrap_or(-1);
    let query = format!("SELECT ping FROM {} WHERE seq >= ?1 ORDER BY seq LIMIT ?2", kept(sql)?);
    sql.exec(&query, vec![seq_value(flushed_seq), limit.into()])?
        .rows::<Row>()?
        .iter()
        .map(|row| serde_json::from_str(&row.ping).map_err(internal))
        .collect()
}

/// Whether any ping is held.
pub(super) fn any_held(sql: &SqlStorage, flushed_seq: u64) -> Result<bool> {
    Ok(!held_pings(sql, flushed_seq, 1)?.is_empty())
}

/// The pings the object keeps, as a table expression (the spill table only once it exists).
fn kept(sql: &SqlStorage) -> Result<&'static str> {
    Ok(match has_table(sql, "spill")? {
        true => KEPT,
        false => "ring",
    })
}

/// A serde enum's name (`tick`, `beacon`...).
fn name_of<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Holds a ping in its slot of the ring (`slots` of them), over a ping that D1 has applied and
/// whose hour is rolled (sequence below `free_below`); otherwise (D1 has refused flushes for a
/// whole ring of pings) in the spill table. Answers the rows written.
pub(super) fn hold(sql: &SqlStorage, slots: u64, free_below: u64, held: &HeldPing) -> Result<usize> {
    let json = serde_json::to_string(held).map_err(internal)?;
    let slot = held.seq % slots.max(1);
    let (at, kind) = (held.ping.received_at, name_of(&held.ping.input.kind));
    let written = sql
        .exec(
            "INSERT INTO ring (slot, seq, received_at, kind, ping) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (slot) DO UPDATE SET seq = excluded.seq, received_at = excluded.received_at, \
               kind = excluded.kind, ping = excluded.ping WHERE ring.seq < ?6",
            vec![
                seq_value(slot),
                seq_value(held.seq),
                at.into(),
                kind.clone().into(),
                json.clone().into(),
                seq_value(free_below),
            ],
        )?
        .rows_written();
    if written > 0 {
        return Ok(written);
    }
    let created = sql.exec(SPILL_SCHEMA, None)?.rows_written();
    let spilled = sql
        .exec(
            "INSERT INTO spill (seq, received_at, kind, ping) VALUES (?, ?, ?, ?)",
            vec![seq_value(held.seq), at.into(), kind.into(), json.into()],
        )?
        .rows_written();
    Ok(created + spilled)
}

/// Forgets spilled pings below sequence `below` (applied, rolled, and out of the newest
/// `slots`); answers the rows written.
pub(super) fn release_spill(sql: &SqlStorage, below: u64) -> Result<usize> {
    if !has_table(sql, "spill")? {
        return Ok(0);
    }
    Ok(sql
        .exec("DELETE FROM spill WHERE seq < ?", vec![seq_value(below)])?
        .rows_written())
}

/// (sequence, time) of the pings not rolled into hourly figures yet, oldest first.
pub(super) fn unrolled(sql: &SqlStorage, rolled_seq: u64) -> Result<Vec<(u64, i64)>> {
    struct Row {
        seq: i64,
        received_at: i64,
    }
    row_fields!(Row { seq, received_at });
    let query = format!(
        "SELECT seq, received_at FROM {} WHERE seq >= ? ORDER BY seq",
        kept(sql)?
    );
    Ok(sql
        .exec(&query, vec![seq_value(rolled_seq)])?
        .rows::<Row>()?
        .into_iter()
        .map(|r| (r.seq.max(0) as u64, r.received_at))
        .collect())
}

struct KindRow {
    received_at: i64,
    kind: PingKind,
}
row_fields!(KindRow { received_at, kind });

/// Adds the pings of sequence `from..upto` to the hourly figures; answers the rows written.
pub(super) fn roll(sql: &SqlStorage, from: u64, upto: u64) -> Result<usize> {
    let query = format!(
        "SELECT received_at, kind FROM {} WHERE seq >= ? AND seq < ?",
        kept(sql)?
    );
    let pings: Vec<KindRow> = sql.exec(&query, vec![seq_value(from), seq_value(upto)])?.rows()?;
    let mut written = sql.exec(HOURS_SCHEMA, None)?.rows_written();
    for h in figures_by_hour(pings.iter().map(|p| (p.received_at, p.kind))) {
        written += sql
            .exec(
                "INSERT INTO hours (hour, pings, check_ins, fails) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (hour) DO UPDATE SET pings = pings + excluded.pings, \
                   check_ins = check_ins + excluded.check_ins, fails = fails + excluded.fails",
                vec![h.hour.into(), h.pings.into(), h.check_ins.into(), h.fails.into()],
            )?
            .rows_written();
    }
    Ok(written)
}

/// Which kept pings a reader sees: the newest `slots` (sequence `from_seq` on), none received
/// before `min_at` (`PING_RETENTION_DAYS`); `rolled_seq`: pings below it are in `hours`.
pub(super) struct Visible {
    pub from_seq: u64,
    pub min_at: i64,
    pub rolled_seq: u64,
}

/// The object's answer to a history query (`core::heartbeat::ping_log`), over the pings a
/// reader sees.
pub(super) fn answer_query(sql: &SqlStorage, q: &LogQuery, v: &Visible) -> Result<LogAnswer> {
    let visible = format!(
        "{} WHERE seq >= {} AND received_at >= {}",
        kept(sql)?,
        v.from_seq,
        v.min_at
    );
    let mut answer = LogAnswer::default();
    if q.limit > 0 {
        struct Row {
            ping: String,
        }
        row_fields!(Row { ping });
        let only = match q.check_ins_only {
            true => format!(" AND {CHECK_INS}"),
            false => String::new(),
        };
        let query = format!(
            "SELECT ping FROM {visible} AND received_at > ?1 AND received_at <= ?2{only} ORDER BY seq LIMIT ?3"
        );
        let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
        for row in sql
            .exec(&query, vec![q.after.into(), q.until.into(), limit.into()])?
            .rows::<Row>()?
        {
            let held: HeldPing = serde_json::from_str(&row.ping).map_err(internal)?;
            answer.pings.push(match q.kinds_only {
                true => LoggedPing::kind_at(held.ping.received_at, held.ping.input.kind),
                false => logged(held.ping),
            });
        }
    }
    struct At {
        at: Option<i64>,
    }
    row_fields!(At { at });
    let at = |query: String, bind: Vec<worker::SqlStorageValue>| -> Result<Option<i64>> {
        Ok(sql.exec(&query, bind)?.rows::<At>()?.first().and_then(|r| r.at))
    };
    if let Some(before) = q.anchor_before {
        answer.anchor = at(
            format!("SELECT MAX(received_at) AS at FROM {visible} AND received_at < ? AND {CHECK_INS}"),
            vec![before.into()],
        )?;
    }
    answer.oldest = at(format!("SELECT MIN(received_at) AS at FROM {visible}"), vec![])?;
    if let Some((from, until)) = q.pruned_hours {
        answer.pruned = pruned_hours(sql, &visible, v.rolled_seq, from, until)?;
    }
    if let Some((from, until)) = q.count {
        struct Count {
            n: i64,
        }
        row_fields!(Count { n });
        let seen = sql
            .exec(
                &format!("SELECT COUNT(*) AS n FROM {visible} AND received_at >= ? AND received_at < ?"),
                vec![from.into(), until.into()],
            )?
            .rows::<Count>()?
            .first()
            .map_or(0, |c| c.n);
        let pruned: i64 = pruned_hours(sql, &visible, v.rolled_seq, from, until)?
            .iter()
            .map(|h| h.pings)
            .sum();
        answer.count = seen + pruned;
    }
    Ok(answer)
}

/// Figures of the pings no longer seen, per hour in `[from, until)`: an hour's rolled figures
/// less its rolled pings still seen (`visible`: the table expression of the pings seen).
fn pruned_hours(sql: &SqlStorage, visible: &str, rolled_seq: u64, from: i64, until: i64) -> Result<Vec<HourFigures>> {
    if !has_table(sql, "hours")? {
        return Ok(Vec::new());
    }
    let rolled: Vec<HourFigures> = sql
        .exec(
            "SELECT hour, pings, check_ins, fails FROM hours WHERE hour >= ? AND hour < ? ORDER BY hour",
            vec![from.into(), until.into()],
        )?
        .rows()?;
    if rolled.is_empty() {
        return Ok(rolled);
    }
    let seen: Vec<KindRow> = sql
        .exec(
            &format!("SELECT received_at, kind FROM {visible} AND seq < ? AND received_at >= ? AND received_at < ?"),
            vec![seq_value(rolled_seq), from.into(), until.into()],
        )?
        .rows()?;
    let seen = figures_by_hour(seen.iter().map(|p| (p.received_at, p.kind)));
    Ok(rolled
        .into_iter()
        .map(|h| match seen.iter().find(|s| s.hour == h.hour) {
            Some(s) => h.less(s),
            None => h,
        })
        .filter(|h| h.pings > 0)
        .collect())
}

/// Every ping of the object's history (for moving them elsewhere), and the hourly figures of
/// the pings it no longer keeps.
pub(super) fn everything(sql: &SqlStorage, marks: &Marks) -> Result<(Vec<PendingPing>, Vec<HourFigures>)> {
    struct Row {
        ping: String,
    }
    row_fields!(Row { ping });
    let kept = kept(sql)?;
    let mut pings = Vec::new();
    for row in sql
        .exec(
            &format!("SELECT ping FROM {kept} WHERE seq >= ? ORDER BY seq"),
            vec![seq_value(marks.log_from_seq)],
        )?
        .rows::<Row>()?
    {
        pings.push(serde_json::from_str::<HeldPing>(&row.ping).map_err(internal)?.ping);
    }
    let all = format!("{kept} WHERE seq >= {}", marks.log_from_seq);
    let pruned = pruned_hours(sql, &all, marks.rolled_seq, i64::MIN, i64::MAX)?;
    Ok((pings, pruned))
}

fn logged(ping: PendingPing) -> LoggedPing {
    LoggedPing {
        received_at: ping.received_at,
        kind: ping.input.kind,
        source: name_of(&ping.input.source),
        method: ping.input.method,
        value: ping.input.value,
        message: ping.input.message,
        exit_status: ping.input.exit_status,
        run_id: ping.input.run_id,
        duration_ms: ping.duration_ms,
    }
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
    /// The deadline the monitor's shard held durably, and the last one told (an object evicted
    /// between a minute-apart cron job's pings stays calm after its restart).
    #[serde(default)]
    pub watched: Option<i64>,
    #[serde(default)]
    pub told: Option<i64>,
    /// The token the object is named by (a flush after a restart tells its shard of a hold).
    #[serde(default)]
    pub token: Option<String>,
}

/// A fingerprint of the monitor columns this build reads (FNV-1a).
pub(super) fn columns_fingerprint() -> u64 {
    STATE_COLUMNS.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Where the object's pings stand, by sequence number: D1 has applied every ping below
/// `flushed_seq` to the monitor; every ping below `rolled_seq` is in the hourly figures; pings
/// below `log_from_seq` are not the object's history but D1's (builds before the ring copied
/// each ping to D1's `pings` table).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Marks {
    pub flushed_seq: u64,
    pub rolled_seq: u64,
    pub log_from_seq: u64,
}

impl Marks {
    /// A ring slot may take a new ping over one below this.
    pub fn free_below(&self) -> u64 {
        self.flushed_seq.min(self.rolled_seq)
    }
}

#[derive(Serialize)]
struct CheckpointOut<'a> {
    #[serde(flatten)]
    ledger: &'a Ledger,
    #[serde(flatten)]
    marks: Marks,
    #[serde(skip_serializing_if = "Option::is_none")]
    binding: Option<&'a SavedBinding>,
}

/// Writes the ledger, the marks and the binding.
pub(super) fn write_checkpoint(
    sql: &SqlStorage,
    ledger: &Ledger,
    marks: Marks,
    binding: Option<&SavedBinding>,
) -> Result<()> {
    let state = serde_json::to_string(&CheckpointOut { ledger, marks, binding }).map_err(internal)?;
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
        let ping: PendingPing = crate::edge::js_value::from_js(pair.get(1))?;
        let seq = u64::from_str_radix(key.trim_start_matches(LEGACY_PENDING_PREFIX), 16).map_err(internal)?;
        held.push(HeldPing { seq, ping });
        keys.push(key);
    }
    spill_all(sql, &held)?;
    let marks = Marks {
        flushed_seq: ledger.next_seq,
        rolled_seq: ledger.next_seq,
        log_from_seq: ledger.next_seq,
    };
    write_checkpoint(sql, &ledger, marks, None)?;
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
            "INSERT OR IGNORE INTO spill (seq, received_at, kind, ping) VALUES (?, ?, ?, ?)",
            vec![
                seq_value(ping.seq),
                ping.ping.received_at.into(),
                name_of(&ping.ping.input.kind).into(),
                json.into(),
            ],
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
    struct Row {
        pings: String,
    }
    row_fields!(Row { pings });
    let mut held = Vec::new();
    for row in sql.exec("SELECT pings FROM held ORDER BY batch", None)?.rows::<Row>()? {
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
    let found = has_table(sql, "ring")? || has_table(sql, "held")?;
    if !found && storage.get::<u64>(LEGACY_SEQ_KEY).await?.is_none() {
        return Ok(false);
    }
    create_tables(sql)?;
    adopt_held_rows(sql)?;
    adopt_legacy_keys(storage, sql).await?;
    Ok(true)
}

/// What the last flush left: the ledger (a new token's when none was written), the marks, and
/// the binding saved with them, if this build can use it.
pub(super) struct Checkpoint {
    pub ledger: Ledger,
    pub marks: Marks,
    pub binding: Option<SavedBinding>,
}

pub(super) fn read_checkpoint(sql: &SqlStorage) -> Result<Checkpoint> {
    struct Row {
        state: String,
    }
    row_fields!(Row { state });
    let checkpoint: Vec<Row> = sql.exec("SELECT state FROM ledger WHERE id = 1", None)?.rows()?;
    let Some(row) = checkpoint.first() else {
        return Ok(Checkpoint {
            ledger: Ledger::default(),
            marks: Marks::default(),
            binding: None,
        });
    };
    let mut json: serde_json::Value = serde_json::from_str(&row.state).map_err(internal)?;
    let mut take = |field: &str| json.as_object_mut().and_then(|fields| fields.remove(field));
    let binding = take("binding")
        .and_then(|saved| serde_json::from_value::<SavedBinding>(saved).ok())
        .filter(|saved| saved.columns == columns_fingerprint());
    let flushed = take("flushed_seq").and_then(|seq| seq.as_u64());
    let rolled = take("rolled_seq").and_then(|seq| seq.as_u64());
    let log_from = take("log_from_seq").and_then(|seq| seq.as_u64());
    let ledger: Ledger = serde_json::from_value(json).map_err(internal)?;
    // A checkpoint of an older build: D1 has every ping it covers but the held ones (which now
    // wait in the spill table), and D1's pings table is their history.
    let oldest_spilled = match flushed {
        None if has_table(sql, "spill")? => sql
            .exec("SELECT MIN(seq) AS seq FROM spill", None)?
            .rows::<serde_json::Value>()?
            .first()
            .and_then(|row| row["seq"].as_u64()),
        _ => None,
    };
    let flushed_seq = flushed
        .unwrap_or(ledger.next_seq)
        .min(oldest_spilled.unwrap_or(u64::MAX));
    let marks = match (rolled, log_from) {
        (Some(rolled_seq), Some(log_from_seq)) => Marks {
            flushed_seq,
            rolled_seq,
            log_from_seq,
        },
        _ => Marks {
            flushed_seq,
            rolled_seq: flushed_seq,
            log_from_seq: flushed_seq,
        },
    };
    Ok(Checkpoint { ledger, marks, binding })
}

/// Drops what the saved binding says the shard holds (`watched`, `told`): an object started
/// again then does not wait for the calm flush until its shard is told afresh.
pub(super) fn forget_saved_calm(sql: &SqlStorage) -> Result<()> {
    let cursor = sql.exec(
        "UPDATE ledger SET state = json_remove(state, '$.binding.watched', '$.binding.told') \
         WHERE id = 1 AND json_extract(state, '$.binding.watched') IS NOT NULL",
        None,
    )?;
    cost_meter::object_rows(cursor.rows_written());
    Ok(())
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
