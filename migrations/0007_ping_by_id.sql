-- Seed 001 pings a heartbeat by its id (GET/POST /v1/heartbeat/{heartbeat_id}, no credential),
-- as healthchecks pings a check by its UUID. On by default for seed compatibility; a project
-- that wants ids and ping secrets apart turns it off (PATCH /v1/project {"ping_by_id": false}).
ALTER TABLE projects ADD COLUMN ping_by_id INTEGER NOT NULL DEFAULT 1;
