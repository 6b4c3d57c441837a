-- Hardening, second pass.

-- A stable, non-secret name for a monitor: what a read scope (key or read session) sees and
-- addresses instead of the id, which pings the monitor while the project's ping_by_id is on.
ALTER TABLE monitors ADD COLUMN unique_key TEXT;
UPDATE monitors SET unique_key = 'uk_' || lower(hex(randomblob(12))) WHERE unique_key IS NULL;
CREATE UNIQUE INDEX monitors_by_unique_key ON monitors (unique_key);

-- JSON array of the key ids whose events feed an event-fed monitor; NULL: any key of the
-- project that may feed monitors (never a browser key).
ALTER TABLE monitors ADD COLUMN event_key_ids TEXT;

-- Signing out raises the key's epoch: every session cookie made before it stops working,
-- copies included, on the next request (the key row is read on every cookie request anyway).
ALTER TABLE api_keys ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
