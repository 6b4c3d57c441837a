-- Issue 18, rules 4 and 5: maintenance windows and dependencies, both rules that hold alerts.

-- A maintenance window: one monitor's (monitor_id) or the project's (monitor_id NULL; then
-- every monitor with `tag`, or every monitor when tag is NULL). Either a one-off span
-- [starts_at, ends_at) in ms, or a recurring one: each firing of `schedule` (a cron expression
-- in `tz`) opens a window of `duration_s` seconds.
CREATE TABLE maintenance_windows (
  id          TEXT PRIMARY KEY,
  project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  monitor_id  TEXT REFERENCES monitors(id) ON DELETE CASCADE,
  tag         TEXT,
  starts_at   INTEGER,
  ends_at     INTEGER,
  schedule    TEXT,
  duration_s  INTEGER,
  tz          TEXT,
  created_at  INTEGER NOT NULL,
  CHECK ((starts_at IS NOT NULL AND ends_at IS NOT NULL AND schedule IS NULL)
      OR (schedule IS NOT NULL AND duration_s IS NOT NULL AND tz IS NOT NULL AND starts_at IS NULL))
);
CREATE INDEX maintenance_windows_by_project ON maintenance_windows (project_id, created_at);

-- The windows that apply to the monitor, as one JSON array (core::heartbeat::maintenance),
-- rewritten whenever a window or the monitor's tags change: the sweep and the flush read it
-- with the monitor's row, never the windows table. NULL: no window.
ALTER TABLE monitors ADD COLUMN maintenance TEXT;

-- The monitor's parents (JSON array of monitor ids of the same project): while one of them
-- is down, the monitor's alerts are held (core::heartbeat::dependencies). NULL: none.
ALTER TABLE monitors ADD COLUMN depends_on TEXT;
-- A parent's children: only the monitors that have parents are looked at.
CREATE INDEX monitors_with_parents ON monitors (project_id) WHERE depends_on IS NOT NULL;
