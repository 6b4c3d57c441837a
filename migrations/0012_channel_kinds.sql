-- Channel kinds beyond the signed webhook (Slack, Telegram, PagerDuty, email...): each
-- channel keeps its kind's fields as one JSON object, switches for what it is told, and a
-- failing state set by a permanent answer (a revoked token) and cleared by a good test.
--
-- SQLite cannot change a CHECK constraint in place, so `channels` is rebuilt. Dropping it
-- would cascade to `deliveries` (its implicit DELETE runs foreign-key actions), so the
-- deliveries are set aside in a table without references first and put back after.

CREATE TABLE deliveries_kept AS SELECT * FROM deliveries;
DROP TABLE deliveries;

CREATE TABLE channels_rebuilt (
  id             TEXT PRIMARY KEY,
  project_id     TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  kind           TEXT NOT NULL CHECK (kind IN ('webhook', 'slack', 'discord', 'teams', 'google_chat',
                   'mattermost', 'telegram', 'ntfy', 'gotify', 'pushover', 'pagerduty', 'opsgenie',
                   'matrix', 'email')),
  name           TEXT NOT NULL,
  -- The kind's fields as a JSON object, secrets included: sending needs them as they are.
  -- The API shows secret fields once, at creation.
  config         TEXT NOT NULL,
  -- The webhook kind's HMAC key (every channel has one; only webhooks sign with it).
  secret         TEXT NOT NULL,
  notify_down    INTEGER NOT NULL DEFAULT 1,
  notify_up      INTEGER NOT NULL DEFAULT 1,
  -- Error-event digests go only to channels that opt in (channels made before kept them).
  notify_errors  INTEGER NOT NULL DEFAULT 0,
  status         TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'failing')),
  failing_reason TEXT,
  failing_since  INTEGER,
  -- The service asked to wait (429 with Retry-After): nothing is sent to it before this.
  hold_until     INTEGER NOT NULL DEFAULT 0,
  created_at     INTEGER NOT NULL
);
INSERT INTO channels_rebuilt (id, project_id, kind, name, config, secret, notify_errors, created_at)
  SELECT id, project_id, kind, name, json_object('url', url, 'method', 'POST'), secret, 1, created_at FROM channels;
DROP TABLE channels;
ALTER TABLE channels_rebuilt RENAME TO channels;
CREATE INDEX channels_by_project ON channels (project_id, created_at);

CREATE TABLE deliveries (
  -- Never reused (AUTOINCREMENT): receivers drop duplicates by X-Edgebeat-Delivery, so a
  -- number once given to a delivery must never name another (a rowid is reused after the
  -- newest row is deleted with its monitor or channel).
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  channel_id      TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  -- NULL for a channel test or an error digest.
  flip_id         INTEGER REFERENCES flips(id) ON DELETE CASCADE,
  event           TEXT NOT NULL,
  -- Frozen when queued (or at the first attempt for rows queued before 0012), so every
  -- retry sends the same alert.
  payload         TEXT,
  status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_status     INTEGER,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  finished_at     INTEGER,
  -- One delivery per flip and channel.
  UNIQUE (channel_id, flip_id)
);
INSERT INTO deliveries SELECT * FROM deliveries_kept;
DROP TABLE deliveries_kept;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_channel ON deliveries (channel_id, created_at);
