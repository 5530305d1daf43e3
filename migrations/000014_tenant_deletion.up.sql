-- Deleting a tenant marks it here and cuts it off at once (sessions, keys,
-- memberships, invitations, public pages, scheduled monitors); the worker
-- then purges its rows in batches and removes the tenant row last.
ALTER TABLE tenants ADD COLUMN deleted_at timestamptz;
CREATE INDEX tenants_deleted_idx ON tenants (deleted_at) WHERE deleted_at IS NOT NULL;
GRANT UPDATE (deleted_at) ON tenants TO vinsight_app;

-- The deletion ends the tenant's sessions by tenant, and removing the tenant
-- row checks every table that refers to it by tenant.
CREATE INDEX sessions_tenant_id_idx ON sessions (tenant_id);
-- Purging monitors checks the outbox for rows that point at each one.
CREATE INDEX notification_events_monitor_idx ON notification_events (monitor_id);
