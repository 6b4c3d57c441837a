-- Issue 19: a monitor's ping history lives in its token's Durable Object (a ring of the newest
-- PING_LOG_LIMIT pings, with hourly figures of older ones); D1 stops receiving a row per ping.
-- The pings table keeps what earlier builds stored (read together with the objects' rings) and
-- what event-fed monitors store.

-- The newest ping as alerts show it (JSON: received_at, result, method, message, exit_status,
-- duration_ms), written by the flush that applies it, in the monitor row it writes anyway.
ALTER TABLE monitors ADD COLUMN last_ping TEXT;

-- JSON array of the monitor's earlier ping tokens, newest last: their objects keep the history
-- they held, read with the current token's. At most 5; the oldest beyond that is moved to D1.
ALTER TABLE monitors ADD COLUMN history_tokens TEXT;
