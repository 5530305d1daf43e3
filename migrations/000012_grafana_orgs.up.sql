-- Each tenant's Grafana organization as the backend provisioned it: the
-- organization's id in Grafana, the read key its datasource holds, and the
-- state of the retries until everything is in place.
CREATE TABLE grafana_orgs (
    tenant_id       uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    org_id          bigint,
    api_key_id      uuid REFERENCES api_keys (id) ON DELETE SET NULL,
    provisioned_at  timestamptz,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text NOT NULL DEFAULT '',
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX grafana_orgs_due_idx ON grafana_orgs (next_attempt_at) WHERE provisioned_at IS NULL;

GRANT SELECT, INSERT, UPDATE, DELETE ON grafana_orgs TO vinsight_app;
ALTER TABLE grafana_orgs ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON grafana_orgs USING (tenant_id = vinsight_tenant()) WITH CHECK (tenant_id = vinsight_tenant());
