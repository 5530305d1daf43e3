-- Sessions, API keys, invites and the audit log, and the second wall of
-- tenant isolation: row-level security for the application role.

CREATE TABLE sessions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    token_hash   bytea NOT NULL UNIQUE,
    user_agent   text NOT NULL DEFAULT '',
    client_ip    text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix       text NOT NULL,
    key_hash     bytea NOT NULL UNIQUE,
    scope        text NOT NULL CHECK (scope IN ('read', 'write')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_tenant_id_idx ON api_keys (tenant_id);

CREATE TABLE invites (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email       text NOT NULL CHECK (email = lower(email)),
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    token_hash  bytea NOT NULL UNIQUE,
    invited_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX invites_tenant_id_idx ON invites (tenant_id);

CREATE TABLE audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    actor_type    text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system')),
    actor_id      uuid,
    actor_name    text NOT NULL DEFAULT '',
    action        text NOT NULL,
    resource_type text NOT NULL,
    resource_id   text NOT NULL DEFAULT '',
    request_id    text NOT NULL DEFAULT '',
    details       jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_tenant_time_idx ON audit_log (tenant_id, created_at DESC, id DESC);

ALTER TABLE monitors ADD COLUMN notification_channel_ids uuid[] NOT NULL DEFAULT '{}';
CREATE INDEX monitors_tenant_name_idx ON monitors (tenant_id, lower(name)) WHERE deleted_at IS NULL;

-- The application role. The backend switches to it (SET LOCAL ROLE) for
-- every tenant-scoped transaction and sets vinsight.tenant_id; it cannot
-- bypass row-level security, so a query that forgets its tenant filter
-- still sees only that tenant's rows. Roles are cluster-wide: it is created
-- once and left in place by the down migration.
DO $$
BEGIN
    CREATE ROLE vinsight_app NOLOGIN NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
GRANT vinsight_app TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO vinsight_app;

CREATE FUNCTION vinsight_tenant() RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('vinsight.tenant_id', true), '')::uuid
$$;

GRANT SELECT ON tenants TO vinsight_app;
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants USING (id = vinsight_tenant());

GRANT SELECT ON users TO vinsight_app;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_members ON users USING (
    EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id AND m.tenant_id = vinsight_tenant()));

GRANT SELECT, INSERT, UPDATE, DELETE ON memberships, monitors, api_keys, invites TO vinsight_app;
GRANT SELECT, INSERT ON audit_log TO vinsight_app;
GRANT SELECT, UPDATE, DELETE ON sessions TO vinsight_app;

ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON memberships USING (tenant_id = vinsight_tenant()) WITH CHECK (tenant_id = vinsight_tenant());
ALTER TABLE monitors ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON monitors USING (tenant_id = vinsight_tenant()) WITH CHECK (tenant_id = vinsight_tenant());
ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_keys USING (tenant_id = vinsight_tenant()) WITH CHECK (tenant_id = vinsight_tenant());
ALTER TABLE invites ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON invites USING (tenant_id = vinsight_tenant()) WITH CHECK (tenant_id = vinsight_tenant());
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_log USING (tenant_id = vinsight_tenant()) WITH CHECK (tenant_id = vinsight_tenant());
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sessions USING (tenant_id = vinsight_tenant());

-- Monitor changes reach the workers within a moment: one notification per
-- changed row, carrying tenant and monitor id (never more).
CREATE FUNCTION monitors_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    r monitors;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    PERFORM pg_notify('monitor_changed', r.tenant_id::text || ':' || r.id::text);
    RETURN NULL;
END;
$$;
CREATE TRIGGER monitors_notify
    AFTER INSERT OR DELETE OR UPDATE OF name, type, target, interval_seconds, timeout_seconds, enabled, config, deleted_at
    ON monitors
    FOR EACH ROW EXECUTE FUNCTION monitors_notify();
