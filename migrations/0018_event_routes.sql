-- Event routing (issue 18, rule 8): per project, an ordered list of rules saying which events
-- are told to which channels, and how (immediate, a 10-minute digest, or the daily rollup).
-- A project without a row keeps the defaults: error digests to channels with notify_errors.

CREATE TABLE event_routes (
  project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
  -- JSON array of {match: {type, name_glob}, channels, mode}; the first rule that matches decides.
  routes     TEXT NOT NULL,
  -- Whether a rule sends the daily rollup: the cron looks only at such projects.
  has_daily  INTEGER NOT NULL DEFAULT 0,
  -- Start (ms) of the UTC day whose first cron run last queued this project's rollup (of the
  -- day before it): the cron's cheap test of what is due.
  rollup_day INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX event_routes_rollup_due ON event_routes (rollup_day) WHERE has_daily = 1;

-- Digests of routed events, per channel, type and name: at most one message per 10 minutes.
-- No reference to channels: a flush writes here in the same transaction as its events, and
-- only for channels that exist (joined), so a channel deleted meanwhile can never fail it.
CREATE TABLE routed_digests (
  channel_id   TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('event', 'error')),
  name         TEXT NOT NULL,
  project_id   TEXT NOT NULL,
  pending      INTEGER NOT NULL DEFAULT 0,
  last_message TEXT,
  last_at      INTEGER,
  notified_at  INTEGER,
  PRIMARY KEY (channel_id, kind, name)
) WITHOUT ROWID;
-- The cron finds digests with events waiting whose quiet period is over; a flush, its project's.
CREATE INDEX routed_digests_waiting ON routed_digests (notified_at) WHERE pending > 0;
CREATE INDEX routed_digests_by_project ON routed_digests (project_id) WHERE pending > 0;

-- One daily rollup per channel and UTC day, whatever the cron runs: the unique key that makes
-- queueing it idempotent.
CREATE TABLE daily_rollup_sends (
  channel_id TEXT NOT NULL,
  -- The day the rollup covers: '2026-12-02'.
  day        TEXT NOT NULL,
  at         INTEGER NOT NULL,
  PRIMARY KEY (channel_id, day)
) WITHOUT ROWID;
