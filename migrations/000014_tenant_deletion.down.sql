-- Tenants marked for deletion are deleted outright rather than revived;
-- their results and rollups, which have no foreign key, stay until retention.
DELETE FROM tenants WHERE deleted_at IS NOT NULL;
DROP INDEX notification_events_monitor_idx;
DROP INDEX sessions_tenant_id_idx;
REVOKE UPDATE (deleted_at) ON tenants FROM vinsight_app;
DROP INDEX tenants_deleted_idx;
ALTER TABLE tenants DROP COLUMN deleted_at;
