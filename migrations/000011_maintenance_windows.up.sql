-- Maintenance windows: one-off (rrule empty) or recurring (an RFC 5545
-- RRULE whose DTSTART is starts_at as wall time in time_zone), each lasting
-- duration_seconds; scoped to all monitors, some monitors, or some tags.
CREATE TABLE maintenance_windows (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id        uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    starts_at        timestamptz NOT NULL,
    duration_seconds integer NOT NULL CHECK (duration_seconds > 0),
    time_zone        text NOT NULL DEFAULT 'UTC',
    rrule            text NOT NULL DEFAULT '',
    all_monitors     boolean NOT NULL DEFAULT false,
    monitor_ids      uuid[] NOT NULL DEFAULT '{}',
    tags             text[] NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX maintenance_windows_tenant_idx ON maintenance_windows (tenant_id, starts_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON maintenance_windows TO vinsight_app;
ALTER TABLE maintenance_windows ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON maintenance_windows USING (tenant_id = vinsight_tenant()) WITH CHECK (tenant_id = vinsight_tenant());
