-- The status machine (issue 4): what it remembers per monitor, the sweep's index, and flips.

ALTER TABLE monitors ADD COLUMN started_at INTEGER;
ALTER TABLE monitors ADD COLUMN last_signal_at INTEGER;
-- When the clock can next change the monitor's status; NULL when only a ping can.
ALTER TABLE monitors ADD COLUMN check_at INTEGER;
-- Bumped by every status write: concurrent writers (flush, sweeps) never overwrite each other.
ALTER TABLE monitors ADD COLUMN state_version INTEGER NOT NULL DEFAULT 0;

DROP INDEX monitors_by_next_due;
-- The sweep reads only monitors whose check time has come: cost grows with due monitors only.
CREATE INDEX monitors_by_check_at ON monitors (check_at) WHERE check_at IS NOT NULL;

CREATE TABLE flips (
  id          INTEGER PRIMARY KEY,
  monitor_id  TEXT NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
  at          INTEGER NOT NULL,
  from_status TEXT NOT NULL,
  to_status   TEXT NOT NULL,
  reason      TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  -- A flip is one monitor changing into or out of down at one moment: recorded once.
  UNIQUE (monitor_id, at, to_status)
);
CREATE INDEX flips_by_monitor ON flips (monitor_id, at);

-- What each sweep did, from D1's own accounting.
ALTER TABLE sweep_runs ADD COLUMN flips INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sweep_runs ADD COLUMN deferred INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sweep_runs ADD COLUMN rows_read INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sweep_runs ADD COLUMN rows_written INTEGER NOT NULL DEFAULT 0;
