-- TimescaleDB engine: raw results in a hypertable with 1-day chunks and
-- hierarchical continuous aggregates (1m -> 1h -> 1d) with the same names and
-- columns as the plain engine's rollup tables. Aggregates are created WITH NO
-- DATA because a migration runs inside a transaction; refresh policies fill
-- them and materialized_only = false answers the newest buckets from raw rows.
CREATE EXTENSION IF NOT EXISTS timescaledb;

CREATE TABLE check_results (
    time            timestamptz NOT NULL,
    tenant_id       uuid NOT NULL,
    monitor_id      uuid NOT NULL,
    region          text NOT NULL DEFAULT '',
    status          text NOT NULL CHECK (status IN ('up', 'degraded', 'down')),
    latency_ms      double precision,
    status_code     integer,
    error_kind      text,
    message         text,
    dns_ms          double precision,
    connect_ms      double precision,
    tls_ms          double precision,
    ttfb_ms         double precision,
    cert_expires_at timestamptz
);
SELECT create_hypertable('check_results', by_range('time', INTERVAL '1 day'));
CREATE INDEX check_results_monitor_time_idx ON check_results (tenant_id, monitor_id, time DESC);

ALTER TABLE check_results SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'tenant_id, monitor_id',
    timescaledb.compress_orderby = 'time DESC'
);
SELECT add_compression_policy('check_results', INTERVAL '2 days');
SELECT add_retention_policy('check_results', INTERVAL '30 days');

-- le_Nms are cumulative latency histogram counts (latency_ms <= N); the +Inf
-- bucket is latency_count. The bounds are shared with the Prometheus export.
CREATE MATERIALIZED VIEW check_rollup_1m
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT tenant_id, monitor_id,
    time_bucket('1 minute', time) AS bucket,
    count(*) AS checks,
    count(*) FILTER (WHERE status = 'up') AS up_checks,
    count(*) FILTER (WHERE status = 'degraded') AS degraded_checks,
    count(latency_ms) AS latency_count,
    coalesce(sum(latency_ms), 0) AS latency_sum_ms,
    min(latency_ms) AS latency_min_ms,
    max(latency_ms) AS latency_max_ms,
    count(*) FILTER (WHERE latency_ms <= 5) AS le_5ms,
    count(*) FILTER (WHERE latency_ms <= 10) AS le_10ms,
    count(*) FILTER (WHERE latency_ms <= 25) AS le_25ms,
    count(*) FILTER (WHERE latency_ms <= 50) AS le_50ms,
    count(*) FILTER (WHERE latency_ms <= 100) AS le_100ms,
    count(*) FILTER (WHERE latency_ms <= 200) AS le_200ms,
    count(*) FILTER (WHERE latency_ms <= 300) AS le_300ms,
    count(*) FILTER (WHERE latency_ms <= 500) AS le_500ms,
    count(*) FILTER (WHERE latency_ms <= 750) AS le_750ms,
    count(*) FILTER (WHERE latency_ms <= 1000) AS le_1000ms,
    count(*) FILTER (WHERE latency_ms <= 1500) AS le_1500ms,
    count(*) FILTER (WHERE latency_ms <= 2000) AS le_2000ms,
    count(*) FILTER (WHERE latency_ms <= 3000) AS le_3000ms,
    count(*) FILTER (WHERE latency_ms <= 5000) AS le_5000ms,
    count(*) FILTER (WHERE latency_ms <= 10000) AS le_10000ms,
    count(*) FILTER (WHERE latency_ms <= 30000) AS le_30000ms
FROM check_results
GROUP BY 1, 2, 3
WITH NO DATA;
CREATE INDEX check_rollup_1m_monitor_bucket_idx ON check_rollup_1m (tenant_id, monitor_id, bucket DESC);

-- Hourly and daily rollups are continuous aggregates on the finer ones.
CREATE MATERIALIZED VIEW check_rollup_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT tenant_id, monitor_id,
    time_bucket('1 hour', bucket) AS bucket,
    sum(checks)::bigint AS checks,
    sum(up_checks)::bigint AS up_checks,
    sum(degraded_checks)::bigint AS degraded_checks,
    sum(latency_count)::bigint AS latency_count,
    sum(latency_sum_ms) AS latency_sum_ms,
    min(latency_min_ms) AS latency_min_ms,
    max(latency_max_ms) AS latency_max_ms,
    sum(le_5ms)::bigint AS le_5ms,
    sum(le_10ms)::bigint AS le_10ms,
    sum(le_25ms)::bigint AS le_25ms,
    sum(le_50ms)::bigint AS le_50ms,
    sum(le_100ms)::bigint AS le_100ms,
    sum(le_200ms)::bigint AS le_200ms,
    sum(le_300ms)::bigint AS le_300ms,
    sum(le_500ms)::bigint AS le_500ms,
    sum(le_750ms)::bigint AS le_750ms,
    sum(le_1000ms)::bigint AS le_1000ms,
    sum(le_1500ms)::bigint AS le_1500ms,
    sum(le_2000ms)::bigint AS le_2000ms,
    sum(le_3000ms)::bigint AS le_3000ms,
    sum(le_5000ms)::bigint AS le_5000ms,
    sum(le_10000ms)::bigint AS le_10000ms,
    sum(le_30000ms)::bigint AS le_30000ms
FROM check_rollup_1m
GROUP BY 1, 2, 3
WITH NO DATA;
CREATE INDEX check_rollup_1h_monitor_bucket_idx ON check_rollup_1h (tenant_id, monitor_id, bucket DESC);

CREATE MATERIALIZED VIEW check_rollup_1d
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT tenant_id, monitor_id,
    time_bucket('1 day', bucket) AS bucket,
    sum(checks)::bigint AS checks,
    sum(up_checks)::bigint AS up_checks,
    sum(degraded_checks)::bigint AS degraded_checks,
    sum(latency_count)::bigint AS latency_count,
    sum(latency_sum_ms) AS latency_sum_ms,
    min(latency_min_ms) AS latency_min_ms,
    max(latency_max_ms) AS latency_max_ms,
    sum(le_5ms)::bigint AS le_5ms,
    sum(le_10ms)::bigint AS le_10ms,
    sum(le_25ms)::bigint AS le_25ms,
    sum(le_50ms)::bigint AS le_50ms,
    sum(le_100ms)::bigint AS le_100ms,
    sum(le_200ms)::bigint AS le_200ms,
    sum(le_300ms)::bigint AS le_300ms,
    sum(le_500ms)::bigint AS le_500ms,
    sum(le_750ms)::bigint AS le_750ms,
    sum(le_1000ms)::bigint AS le_1000ms,
    sum(le_1500ms)::bigint AS le_1500ms,
    sum(le_2000ms)::bigint AS le_2000ms,
    sum(le_3000ms)::bigint AS le_3000ms,
    sum(le_5000ms)::bigint AS le_5000ms,
    sum(le_10000ms)::bigint AS le_10000ms,
    sum(le_30000ms)::bigint AS le_30000ms
FROM check_rollup_1h
GROUP BY 1, 2, 3
WITH NO DATA;
CREATE INDEX check_rollup_1d_monitor_bucket_idx ON check_rollup_1d (tenant_id, monitor_id, bucket DESC);

SELECT add_continuous_aggregate_policy('check_rollup_1m',
    start_offset => INTERVAL '3 hours', end_offset => INTERVAL '1 minute',
    schedule_interval => INTERVAL '1 minute');
SELECT add_continuous_aggregate_policy('check_rollup_1h',
    start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour',
    schedule_interval => INTERVAL '15 minutes');
SELECT add_continuous_aggregate_policy('check_rollup_1d',
    start_offset => INTERVAL '7 days', end_offset => INTERVAL '1 day',
    schedule_interval => INTERVAL '1 hour');
SELECT add_retention_policy('check_rollup_1m', INTERVAL '30 days');
SELECT add_retention_policy('check_rollup_1h', INTERVAL '400 days');
