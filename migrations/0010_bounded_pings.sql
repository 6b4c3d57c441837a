-- Bounded ping history: per monitor the last PING_LOG_LIMIT pings (and none older than
-- PING_RETENTION_DAYS, when set). A flush marks a monitor over its limit; the Cron Trigger
-- prunes only marked monitors, so its cost follows what it prunes.
ALTER TABLE monitors ADD COLUMN n_pruned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE monitors ADD COLUMN prune_due INTEGER NOT NULL DEFAULT 0;
CREATE INDEX monitors_prune_due ON monitors (id) WHERE prune_due = 1;

-- What pruned pings said, per monitor and UTC hour, so statistics outlive raw pings.
CREATE TABLE ping_hours (
  monitor_id     TEXT NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
  hour           INTEGER NOT NULL,
  pings          INTEGER NOT NULL DEFAULT 0,
  check_ins      INTEGER NOT NULL DEFAULT 0,
  fails          INTEGER NOT NULL DEFAULT 0,
  durations      INTEGER NOT NULL DEFAULT 0,
  duration_ms_sum INTEGER NOT NULL DEFAULT 0,
  duration_ms_max INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (monitor_id, hour)
) WITHOUT ROWID;
