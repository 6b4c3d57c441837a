-- Deadline shards (src/edge/heartbeat/deadline_shard): each shard registers here once, so the
-- sweep asks only shards that ever watched a deadline.
CREATE TABLE IF NOT EXISTS deadline_shards (
  shard INTEGER PRIMARY KEY,
  since INTEGER NOT NULL
);
