-- Public status pages and README badges. A page's slug is its public
-- address, so it is unique across the service. A badge token is the secret
-- of a badge URL; only its SHA-256 is stored, and deleting the row revokes it.
CREATE TABLE status_pages (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$'),
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    logo_url    text NOT NULL DEFAULT '' CHECK (logo_url = '' OR logo_url LIKE 'https://%'),
    monitor_ids uuid[] NOT NULL DEFAULT '{}',
    published   boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX status_pages_tenant_idx ON status_pages (tenant_id, lower(title));

CREATE TABLE badge_tokens (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    monitor_id uuid NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    prefix     text NOT NULL,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX badge_tokens_tenant_idx ON badge_tokens (tenant_id, monitor_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON status_pages, badge_tokens TO vinsight_app;
ALTER TABLE status_pages ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON status_pages USING (tenant_id = vinsight_tenant()) WITH CHECK (tenant_id = vinsight_tenant());
ALTER TABLE badge_tokens ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON badge_tokens USING (tenant_id = vinsight_tenant()) WITH CHECK (tenant_id = vinsight_tenant());
