-- The dashboard: when each key was last used (moved at most once an hour), the key list
-- in the order the dashboard shows it, and each project's badge key for status badges.
ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;
CREATE INDEX api_keys_by_project_created ON api_keys (project_id, created_at);

-- New projects get one at creation; older ones on first use (GET /v1/project).
ALTER TABLE projects ADD COLUMN badge_key TEXT;
CREATE UNIQUE INDEX projects_by_badge_key ON projects (badge_key) WHERE badge_key IS NOT NULL;
