-- Systems (seed 002) become monitors on their first heartbeat, one per project and system id.
ALTER TABLE monitors ADD COLUMN system_id TEXT;
CREATE UNIQUE INDEX monitors_by_system ON monitors (project_id, system_id) WHERE system_id IS NOT NULL;
