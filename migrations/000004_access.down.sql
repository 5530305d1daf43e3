-- The vinsight_app role is cluster-wide and stays; its grants go with the
-- tables and policies below.
DROP TRIGGER monitors_notify ON monitors;
DROP FUNCTION monitors_notify();
DROP POLICY tenant_isolation ON sessions;
DROP POLICY tenant_isolation ON audit_log;
DROP POLICY tenant_isolation ON invites;
DROP POLICY tenant_isolation ON api_keys;
DROP POLICY tenant_isolation ON monitors;
DROP POLICY tenant_isolation ON memberships;
DROP POLICY tenant_members ON users;
DROP POLICY tenant_isolation ON tenants;
ALTER TABLE monitors DISABLE ROW LEVEL SECURITY;
ALTER TABLE memberships DISABLE ROW LEVEL SECURITY;
ALTER TABLE users DISABLE ROW LEVEL SECURITY;
ALTER TABLE tenants DISABLE ROW LEVEL SECURITY;
REVOKE ALL ON tenants, users, memberships, monitors FROM vinsight_app;
REVOKE USAGE ON SCHEMA public FROM vinsight_app;
DROP FUNCTION vinsight_tenant();
DROP INDEX monitors_tenant_name_idx;
ALTER TABLE monitors DROP COLUMN notification_channel_ids;
DROP TABLE audit_log;
DROP TABLE invites;
DROP TABLE api_keys;
DROP TABLE sessions;
