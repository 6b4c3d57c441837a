-- Snooze (issue 18, rule 4): until this time (ms), the monitor's flips are recorded as always
-- but queue no alert. NULL: not snoozed.
ALTER TABLE monitors ADD COLUMN snoozed_until INTEGER;
