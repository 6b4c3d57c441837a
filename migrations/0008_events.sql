-- Events (the events API and the ingest API): one table for both, the rollups kept as they
-- are stored, and what the per-project ingest object needs from D1.

-- The hot table: every stored event is one row here, written in flushes of thousands. Each
-- index and constraint is paid per event, so there are only the ones a query needs: no
-- primary key on id (ids are random UUIDs assigned at acceptance, and a repeated flush is
-- skipped whole by its flush id, see event_flushes) and no foreign key (projects are never
-- deleted; a check would be a lookup per event).
CREATE TABLE events (
  id          TEXT NOT NULL,
  project_id  TEXT NOT NULL,
  -- The client's idempotency id (event_id), when it sent one.
  event_id    TEXT,
  kind        TEXT NOT NULL CHECK (kind IN ('event', 'error')),
  name        TEXT NOT NULL,
  message     TEXT,
  value       REAL,
  -- The event's time after the clock rules; the client's own value is client_ts.
  ts          INTEGER NOT NULL,
  client_ts   INTEGER,
  received_at INTEGER NOT NULL,
  -- Which API sent it: events, ingest or beacon.
  source      TEXT NOT NULL,
  -- The event as sent, unknown fields included.
  document    TEXT NOT NULL
);
-- Listing newest first, all events or those of a type (read in this order, filtered), or of
-- one name; the cursor is (ts, id).
CREATE INDEX events_by_project_ts ON events (project_id, ts, id);
CREATE INDEX events_by_project_name_ts ON events (project_id, name, ts, id);
-- Retention prunes by arrival (a client's ts may be anything), oldest first, in chunks.
CREATE INDEX events_by_received_at ON events (received_at);

-- Count, sum, min and max of value per name, kind, hour and day: maintained by each flush,
-- kept after raw events are pruned.
CREATE TABLE event_rollups (
  project_id TEXT NOT NULL,
  name       TEXT NOT NULL,
  kind       TEXT NOT NULL,
  bucket     TEXT NOT NULL CHECK (bucket IN ('hour', 'day')),
  start_ms   INTEGER NOT NULL,
  count      INTEGER NOT NULL,
  sum        REAL NOT NULL,
  min        REAL,
  max        REAL,
  PRIMARY KEY (project_id, name, bucket, start_ms, kind)
) WITHOUT ROWID;

-- A flush is applied once: its id is recorded in the same transaction as its events and
-- increments, and a repeated flush (the same id, after a crash or a lost answer) skips them.
CREATE TABLE event_flushes (
  id TEXT PRIMARY KEY,
  at INTEGER NOT NULL
);
CREATE INDEX event_flushes_by_at ON event_flushes (at);

-- Each name's total count and when it was last seen.
CREATE TABLE event_names (
  project_id TEXT NOT NULL,
  name       TEXT NOT NULL,
  count      INTEGER NOT NULL,
  last_seen  INTEGER NOT NULL,
  PRIMARY KEY (project_id, name)
) WITHOUT ROWID;

-- Events accepted per project and UTC month ('2026-11'), as flushed.
CREATE TABLE project_usage (
  project_id TEXT NOT NULL,
  month      TEXT NOT NULL,
  events     INTEGER NOT NULL,
  PRIMARY KEY (project_id, month)
) WITHOUT ROWID;

-- A monitor may be fed by events of one name (an `error` event is a fail ping).
ALTER TABLE monitors ADD COLUMN event_name TEXT;
CREATE INDEX monitors_by_event_name ON monitors (project_id, event_name) WHERE event_name IS NOT NULL;

-- Error digests: at most one notification per error name per 10 minutes.
CREATE TABLE error_digests (
  project_id    TEXT NOT NULL,
  name          TEXT NOT NULL,
  pending       INTEGER NOT NULL DEFAULT 0,
  last_message  TEXT,
  last_at       INTEGER,
  notified_at   INTEGER,
  PRIMARY KEY (project_id, name)
) WITHOUT ROWID;
-- The cron finds digests with errors waiting whose quiet period is over.
CREATE INDEX error_digests_waiting ON error_digests (notified_at) WHERE pending > 0;

-- The browser scope (send events only, from web pages) and its allowed origins: SQLite
-- cannot change a CHECK constraint in place, so the table is rebuilt.
CREATE TABLE api_keys_v2 (
  id              TEXT PRIMARY KEY,
  project_id      TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name            TEXT NOT NULL,
  scope           TEXT NOT NULL CHECK (scope IN ('manage', 'read', 'ingest', 'browser')),
  secret_hash     TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  revoked_at      INTEGER,
  -- JSON array of origins a browser key may be used from; NULL means any.
  allowed_origins TEXT
);
INSERT INTO api_keys_v2 (id, project_id, name, scope, secret_hash, created_at, revoked_at)
  SELECT id, project_id, name, scope, secret_hash, created_at, revoked_at FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_v2 RENAME TO api_keys;
CREATE INDEX api_keys_by_project ON api_keys (project_id);
