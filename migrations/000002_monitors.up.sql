-- Monitors belong to one tenant. config holds the typed settings of each
-- monitor type, validated by the API before it is stored.
CREATE TABLE monitors (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id        uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    type             text NOT NULL CHECK (type IN ('http', 'keyword', 'tcp', 'dns', 'icmp', 'tls', 'heartbeat')),
    target           text NOT NULL DEFAULT '',
    interval_seconds integer NOT NULL CHECK (interval_seconds > 0),
    timeout_seconds  integer NOT NULL CHECK (timeout_seconds > 0),
    enabled          boolean NOT NULL DEFAULT true,
    config           jsonb NOT NULL DEFAULT '{}'::jsonb,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'up', 'degraded', 'down', 'paused')),
    last_checked_at  timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz
);
CREATE INDEX monitors_tenant_id_idx ON monitors (tenant_id) WHERE deleted_at IS NULL;
