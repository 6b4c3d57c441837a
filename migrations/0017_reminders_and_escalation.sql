-- Issue 18, rules 2 and 6: reminders while a monitor stays down, escalation steps, and
-- acknowledgement (core::alerting::policy, core::alerting::planner).

-- The policy: seconds between reminders (NULL: none), at most how many a down period, and
-- the escalation steps as JSON ([{"channels": [...], "after": seconds}], NULL: none).
ALTER TABLE monitors ADD COLUMN realert_every INTEGER;
ALTER TABLE monitors ADD COLUMN realert_max INTEGER NOT NULL DEFAULT 10;
ALTER TABLE monitors ADD COLUMN escalation TEXT;
-- The current down period's progress (core::alerting::planner::Progress), kept on the row
-- the sweep reads anyway, so planning costs no query of its own.
ALTER TABLE monitors ADD COLUMN down_since INTEGER;
ALTER TABLE monitors ADD COLUMN steps_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE monitors ADD COLUMN reminders_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE monitors ADD COLUMN reminded_at INTEGER;
ALTER TABLE monitors ADD COLUMN acknowledged_at INTEGER;
-- A monitor down now was alerted by its down flip (one step at once, before this).
UPDATE monitors SET steps_sent = 1, down_since = (SELECT MAX(f.at) FROM flips f
  WHERE f.monitor_id = monitors.id AND f.to_status = 'down') WHERE status = 'down';

-- A down flip is acknowledged once (the acknowledge link is single use): when, and how
-- ('api', 'link').
ALTER TABLE flips ADD COLUMN acknowledged_at INTEGER;
ALTER TABLE flips ADD COLUMN acknowledged_by TEXT;

-- Deliveries get `seq` (0: the flip's alert; n: reminder n), `step` (the escalation step of
-- a flip's alert, from 0; NULL without escalation) and a `cancelled` status (a reminder still
-- pending when its period was acknowledged or ended). SQLite cannot change a CHECK or a
-- UNIQUE in place, so the table is rebuilt; nothing references it, every row is kept with
-- its id, and AUTOINCREMENT carries on from the old table's sequence.
CREATE TABLE deliveries_counter AS SELECT seq FROM sqlite_sequence WHERE name = 'deliveries';
CREATE TABLE deliveries_rebuilt (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  channel_id      TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  flip_id         INTEGER REFERENCES flips(id) ON DELETE CASCADE,
  seq             INTEGER NOT NULL DEFAULT 0,
  step            INTEGER,
  event           TEXT NOT NULL,
  payload         TEXT,
  status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_status     INTEGER,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  finished_at     INTEGER,
  -- One delivery per flip, channel and reminder number.
  UNIQUE (channel_id, flip_id, seq)
);
INSERT INTO deliveries_rebuilt (id, channel_id, flip_id, seq, event, payload, status, attempts, next_attempt_at,
    last_status, last_error, created_at, finished_at)
  SELECT id, channel_id, flip_id, 0, event, payload, status, attempts, next_attempt_at,
    last_status, last_error, created_at, finished_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_rebuilt RENAME TO deliveries;
-- Ids are never reused: the counter carries on from the old table's, even past its newest
-- rows deleted with their monitor or channel.
UPDATE sqlite_sequence SET seq = MAX(seq, (SELECT MAX(seq) FROM deliveries_counter)) WHERE name = 'deliveries'
  AND EXISTS (SELECT 1 FROM deliveries_counter);
INSERT INTO sqlite_sequence (name, seq) SELECT 'deliveries', seq FROM deliveries_counter
  WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'deliveries');
DROP TABLE deliveries_counter;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_channel ON deliveries (channel_id, created_at);
CREATE INDEX deliveries_by_flip ON deliveries (flip_id) WHERE flip_id IS NOT NULL;
