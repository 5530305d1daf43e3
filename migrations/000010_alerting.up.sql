-- Incidents, notification channels and the notification outbox.

-- Tags group monitors (maintenance windows can name a tag).
ALTER TABLE monitors ADD COLUMN tags text[] NOT NULL DEFAULT '{}';
CREATE INDEX monitors_tags_idx ON monitors USING gin (tags) WHERE deleted_at IS NULL;

-- A channel's whole config is sealed with AES-256-GCM under
-- VINSIGHT_SECRET_KEY (config_sealed); config_masked is what the API shows.
CREATE TABLE notification_channels (
    id            uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    type          text NOT NULL CHECK (type IN ('email', 'webhook', 'shoutrrr')),
    config_sealed bytea NOT NULL,
    config_masked jsonb NOT NULL DEFAULT '{}'::jsonb,
    is_default    boolean NOT NULL DEFAULT false,
    enabled       boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_channels_tenant_idx ON notification_channels (tenant_id, lower(name));

-- The channels a monitor alerts, replacing the array column: the foreign
-- keys keep every link pointing at a channel of the same tenant that exists.
ALTER TABLE monitors DROP COLUMN notification_channel_ids;
ALTER TABLE monitors ADD CONSTRAINT monitors_tenant_id_key UNIQUE (tenant_id, id);
ALTER TABLE notification_channels ADD CONSTRAINT notification_channels_tenant_id_key UNIQUE (tenant_id, id);
CREATE TABLE monitor_channels (
    tenant_id  uuid NOT NULL,
    monitor_id uuid NOT NULL,
    channel_id uuid NOT NULL,
    PRIMARY KEY (monitor_id, channel_id),
    FOREIGN KEY (tenant_id, monitor_id) REFERENCES monitors (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, channel_id) REFERENCES notification_channels (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX monitor_channels_channel_idx ON monitor_channels (channel_id);
CREATE INDEX monitor_channels_tenant_idx ON monitor_channels (tenant_id);

-- One row per outage of a monitor. The partial unique index is what keeps
-- a monitor to one open incident, whatever the number of workers.
CREATE TABLE incidents (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    monitor_id       uuid NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    started_at       timestamptz NOT NULL,
    resolved_at      timestamptz,
    cause            text NOT NULL CHECK (cause IN ('down', 'degraded')),
    error_kind       text NOT NULL DEFAULT '',
    first_error      text NOT NULL DEFAULT '',
    flapping         boolean NOT NULL DEFAULT false,
    in_maintenance   boolean NOT NULL DEFAULT false,
    notified         boolean NOT NULL DEFAULT false,
    healthy_checks   integer NOT NULL DEFAULT 0,
    healthy_since    timestamptz,
    acknowledged_at  timestamptz,
    acknowledged_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    next_reminder_at timestamptz,
    CHECK (resolved_at IS NULL OR resolved_at >= started_at)
);
CREATE UNIQUE INDEX incidents_one_open_per_monitor ON incidents (monitor_id) WHERE resolved_at IS NULL;
CREATE INDEX incidents_tenant_started_idx ON incidents (tenant_id, started_at DESC, id DESC);
CREATE INDEX incidents_monitor_started_idx ON incidents (monitor_id, started_at DESC);
CREATE INDEX incidents_reminder_idx ON incidents (next_reminder_at) WHERE resolved_at IS NULL AND next_reminder_at IS NOT NULL;
CREATE INDEX incidents_maintenance_idx ON incidents (monitor_id) WHERE resolved_at IS NULL AND in_maintenance;

-- The timeline: state changes, notifications and their outcome,
-- acknowledgements and comments.
CREATE TABLE incident_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    incident_id uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    kind        text NOT NULL,
    message     text NOT NULL DEFAULT '',
    actor_id    uuid REFERENCES users (id) ON DELETE SET NULL,
    actor_name  text NOT NULL DEFAULT '',
    details     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX incident_events_incident_idx ON incident_events (incident_id, at, id);
CREATE INDEX incident_events_tenant_idx ON incident_events (tenant_id);

-- The outbox: one row per notification, written in the transaction of the
-- change it announces; its id is the idempotency key receivers see.
CREATE TABLE notification_events (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    monitor_id  uuid REFERENCES monitors (id) ON DELETE CASCADE,
    incident_id uuid REFERENCES incidents (id) ON DELETE CASCADE,
    kind        text NOT NULL,
    payload     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_events_tenant_idx ON notification_events (tenant_id, created_at DESC);
CREATE INDEX notification_events_incident_idx ON notification_events (incident_id);

-- One delivery per event and channel; the dispatcher claims due rows by
-- moving next_attempt_at a lease ahead, so a killed worker's claim expires.
CREATE TABLE notification_deliveries (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    event_id        uuid NOT NULL REFERENCES notification_events (id) ON DELETE CASCADE,
    channel_id      uuid NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    max_attempts    integer NOT NULL,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text NOT NULL DEFAULT '',
    delivered_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, channel_id)
);
CREATE INDEX notification_deliveries_due_idx ON notification_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notification_deliveries_tenant_idx ON notification_deliveries (tenant_id);
CREATE INDEX notification_deliveries_channel_idx ON notification_deliveries (channel_id);

-- Every attempt, written when it starts; one the worker did not live to
-- finish keeps finished_at NULL.
CREATE TABLE notification_attempts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    delivery_id uuid NOT NULL REFERENCES notification_deliveries (id) ON DELETE CASCADE,
    attempt     integer NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    ok          boolean,
    error       text NOT NULL DEFAULT '',
    UNIQUE (delivery_id, attempt)
);
CREATE INDEX notification_attempts_tenant_idx ON notification_attempts (tenant_id);

-- Certificate expiry warnings sent, once per certificate and threshold.
CREATE TABLE cert_warnings (
    tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    monitor_id     uuid NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    not_after      timestamptz NOT NULL,
    threshold_days integer NOT NULL,
    sent_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (monitor_id, not_after, threshold_days)
);
CREATE INDEX cert_warnings_tenant_idx ON cert_warnings (tenant_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON notification_channels, monitor_channels, incidents, incident_events,
    notification_events, notification_deliveries, notification_attempts, cert_warnings TO vinsight_app;
ALTER TABLE notification_channels ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notification_channels USING (tenant_id = vinsight_tenant()) WITH CHECK (tenant_id = vinsight_tenant());
ALTER TABLE monitor_channels ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON monitor_channels USING (tenant_id = vinsight_tenant()) WITH CHECK (tenant_id = vinsight_tenant());
ALTER TABLE incidents ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON incidents USING (tenant_id = vinsight_tenant()) WITH CHECK (tenant_id = vinsight_tenant());
ALTER TABLE incident_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON incident_events USING (tenant_id = vinsight_tenant()) WITH CHECK (tenant_id = vinsight_tenant());
ALTER TABLE notification_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notification_events USING (tenant_id = vinsight_tenant()) WITH CHECK (tenant_id = vinsight_tenant());
ALTER TABLE notification_deliveries ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notification_deliveries USING (tenant_id = vinsight_tenant()) WITH CHECK (tenant_id = vinsight_tenant());
ALTER TABLE notification_attempts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notification_attempts USING (tenant_id = vinsight_tenant()) WITH CHECK (tenant_id = vinsight_tenant());
ALTER TABLE cert_warnings ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON cert_warnings USING (tenant_id = vinsight_tenant()) WITH CHECK (tenant_id = vinsight_tenant());
