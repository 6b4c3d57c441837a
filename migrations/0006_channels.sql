-- Notification channels (signed webhooks) and the outbox of their deliveries.

CREATE TABLE channels (
  id         TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  kind       TEXT NOT NULL CHECK (kind IN ('webhook')),
  name       TEXT NOT NULL,
  url        TEXT NOT NULL,
  -- The HMAC key: signing needs it as is, so it is stored, and shown only at creation.
  secret     TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX channels_by_project ON channels (project_id, created_at);

-- JSON array of channel ids the monitor notifies; NULL means all of the project's channels.
ALTER TABLE monitors ADD COLUMN channels TEXT;

CREATE TABLE deliveries (
  id              INTEGER PRIMARY KEY,
  channel_id      TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  -- NULL for a channel test.
  flip_id         INTEGER REFERENCES flips(id) ON DELETE CASCADE,
  event           TEXT NOT NULL,
  -- Frozen at the first attempt, so every retry sends the same body.
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
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_channel ON deliveries (channel_id, created_at);
