-- Heartbeat monitors in full (seed 001): grouping, naming, schedules, allowed methods.

ALTER TABLE monitors ADD COLUMN service_id TEXT;
ALTER TABLE monitors ADD COLUMN slug TEXT;
ALTER TABLE monitors ADD COLUMN description TEXT NOT NULL DEFAULT '';
-- JSON array of strings.
ALTER TABLE monitors ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
-- JSON array of the HTTP methods the heartbeat ping route accepts.
ALTER TABLE monitors ADD COLUMN methods TEXT NOT NULL DEFAULT '["GET","POST","HEAD"]';
-- A five-field cron expression; NULL means the simple schedule (interval).
ALTER TABLE monitors ADD COLUMN schedule TEXT;
ALTER TABLE monitors ADD COLUMN tz TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE monitors ADD COLUMN last_start_at INTEGER;

-- A service's heartbeats, page by page.
CREATE INDEX monitors_by_service ON monitors (project_id, service_id, created_at, id);
-- Slug pings find a project's monitor by slug.
CREATE INDEX monitors_by_slug ON monitors (project_id, slug) WHERE slug IS NOT NULL;
