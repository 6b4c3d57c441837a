-- Issue 18, rule 1: a monitor goes down only after `failure_tolerance` + 1 failures in a row
-- (misses, fail pings, unfinished runs), showing `failing` before that, and is up again after
-- `recovery_threshold` successes in a row. The defaults are the plain machine.
ALTER TABLE monitors ADD COLUMN failure_tolerance INTEGER NOT NULL DEFAULT 0;
ALTER TABLE monitors ADD COLUMN recovery_threshold INTEGER NOT NULL DEFAULT 1;
-- The machine's counts (core::heartbeat::status::State): failures in a row since the last
-- success, and successes in a row while down.
ALTER TABLE monitors ADD COLUMN failures_in_row INTEGER NOT NULL DEFAULT 0;
ALTER TABLE monitors ADD COLUMN successes_in_row INTEGER NOT NULL DEFAULT 0;

-- Why a flip queued no alert (core::alerting::hold): NULL when its alert went to the
-- monitor's channels. The monitor's alert history shows it.
ALTER TABLE flips ADD COLUMN held_by TEXT;
