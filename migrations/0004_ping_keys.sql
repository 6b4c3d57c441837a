-- Slug pings (/ping/{ping_key}/{slug}) name a project by its ping key.
ALTER TABLE projects ADD COLUMN ping_key TEXT;
CREATE UNIQUE INDEX projects_by_ping_key ON projects (ping_key) WHERE ping_key IS NOT NULL;
