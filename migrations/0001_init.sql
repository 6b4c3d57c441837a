-- edgebeat schema. Timestamps are integer milliseconds since the Unix epoch (UTC).

CREATE TABLE projects (
  id                  TEXT PRIMARY KEY,
  name                TEXT NOT NULL,
  status              TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
  event_rate_per_min  INTEGER NOT NULL DEFAULT 120000,
  monthly_event_quota INTEGER,
  created_at          INTEGER NOT NULL
);

-- Keys are found by their public id (primary key); only the secret's SHA-256 is stored.
CREATE TABLE api_keys (
  id          TEXT PRIMARY KEY,
  project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  scope       TEXT NOT NULL CHECK (scope IN ('manage', 'read', 'ingest')),
  secret_hash TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);
CREATE INDEX api_keys_by_project ON api_keys (project_id);

CREATE TABLE monitors (
  id            TEXT PRIMARY KEY,
  project_id    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  -- Ping URLs carry this token; unique, and the lookup every new token's object makes.
  ping_token    TEXT NOT NULL UNIQUE,
  interval_s    INTEGER NOT NULL,
  grace_s       INTEGER NOT NULL DEFAULT 60,
  enabled       INTEGER NOT NULL DEFAULT 1,
  paused        INTEGER NOT NULL DEFAULT 0,
  status        TEXT NOT NULL DEFAULT 'new',
  last_ping_at  INTEGER,
  next_due_at   INTEGER,
  n_pings       INTEGER NOT NULL DEFAULT 0,
  last_value    REAL,
  last_value_at INTEGER,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
-- Listing a project's monitors in creation order, and counting them.
CREATE INDEX monitors_by_project ON monitors (project_id, created_at, id);
-- The sweep reads only monitors that are due.
CREATE INDEX monitors_by_next_due ON monitors (next_due_at) WHERE next_due_at IS NOT NULL;

CREATE TABLE pings (
  id          TEXT PRIMARY KEY,
  monitor_id  TEXT NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
  received_at INTEGER NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('tick', 'success', 'start', 'fail', 'log')),
  source      TEXT NOT NULL,
  method      TEXT NOT NULL,
  value       REAL,
  message     TEXT,
  exit_status INTEGER,
  run_id      TEXT,
  duration_ms INTEGER,
  client_ip   TEXT,
  user_agent  TEXT
);
-- A monitor's pings in time order (events listing, statistics, cascade deletes).
CREATE INDEX pings_by_monitor ON pings (monitor_id, received_at);

-- One row per Cron Trigger run, keyed by its scheduled time.
CREATE TABLE sweep_runs (
  scheduled_at INTEGER PRIMARY KEY,
  started_at   INTEGER NOT NULL,
  finished_at  INTEGER NOT NULL,
  due_monitors INTEGER NOT NULL
);
