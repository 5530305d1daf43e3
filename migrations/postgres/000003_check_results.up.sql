-- Plain PostgreSQL engine: raw results range-partitioned by day, rollups
-- kept exact by a statement-level trigger. Partitions are created by the store
-- (ahead of time by the maintenance job, and on demand when an insert finds
-- none); there is deliberately no default partition, so a missing day fails
-- loudly (SQLSTATE 23514) and the store creates it and retries.
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
) PARTITION BY RANGE (time);
CREATE INDEX check_results_monitor_time_idx ON check_results (tenant_id, monitor_id, time DESC);

-- Rollup columns are additive so coarser rollups are exact sums of finer ones.
-- le_Nms are cumulative latency histogram counts (latency_ms <= N); the +Inf
-- bucket is latency_count. The bounds are shared with the Prometheus export.
CREATE TABLE check_rollup_1m (
    tenant_id       uuid NOT NULL,
    monitor_id      uuid NOT NULL,
    bucket          timestamptz NOT NULL,
    checks          bigint NOT NULL,
    up_checks       bigint NOT NULL,
    degraded_checks bigint NOT NULL,
    latency_count   bigint NOT NULL,
    latency_sum_ms  double precision NOT NULL,
    latency_min_ms  double precision,
    latency_max_ms  double precision,
    le_5ms          bigint NOT NULL,
    le_10ms         bigint NOT NULL,
    le_25ms         bigint NOT NULL,
    le_50ms         bigint NOT NULL,
    le_100ms        bigint NOT NULL,
    le_200ms        bigint NOT NULL,
    le_300ms        bigint NOT NULL,
    le_500ms        bigint NOT NULL,
    le_750ms        bigint NOT NULL,
    le_1000ms       bigint NOT NULL,
    le_1500ms       bigint NOT NULL,
    le_2000ms       bigint NOT NULL,
    le_3000ms       bigint NOT NULL,
    le_5000ms       bigint NOT NULL,
    le_10000ms      bigint NOT NULL,
    le_30000ms      bigint NOT NULL,
    PRIMARY KEY (tenant_id, monitor_id, bucket)
);

CREATE TABLE check_rollup_1h (
    tenant_id       uuid NOT NULL,
    monitor_id      uuid NOT NULL,
    bucket          timestamptz NOT NULL,
    checks          bigint NOT NULL,
    up_checks       bigint NOT NULL,
    degraded_checks bigint NOT NULL,
    latency_count   bigint NOT NULL,
    latency_sum_ms  double precision NOT NULL,
    latency_min_ms  double precision,
    latency_max_ms  double precision,
    le_5ms          bigint NOT NULL,
    le_10ms         bigint NOT NULL,
    le_25ms         bigint NOT NULL,
    le_50ms         bigint NOT NULL,
    le_100ms        bigint NOT NULL,
    le_200ms        bigint NOT NULL,
    le_300ms        bigint NOT NULL,
    le_500ms        bigint NOT NULL,
    le_750ms        bigint NOT NULL,
    le_1000ms       bigint NOT NULL,
    le_1500ms       bigint NOT NULL,
    le_2000ms       bigint NOT NULL,
    le_3000ms       bigint NOT NULL,
    le_5000ms       bigint NOT NULL,
    le_10000ms      bigint NOT NULL,
    le_30000ms      bigint NOT NULL,
    PRIMARY KEY (tenant_id, monitor_id, bucket)
);

CREATE TABLE check_rollup_1d (
    tenant_id       uuid NOT NULL,
    monitor_id      uuid NOT NULL,
    bucket          timestamptz NOT NULL,
    checks          bigint NOT NULL,
    up_checks       bigint NOT NULL,
    degraded_checks bigint NOT NULL,
    latency_count   bigint NOT NULL,
    latency_sum_ms  double precision NOT NULL,
    latency_min_ms  double precision,
    latency_max_ms  double precision,
    le_5ms          bigint NOT NULL,
    le_10ms         bigint NOT NULL,
    le_25ms         bigint NOT NULL,
    le_50ms         bigint NOT NULL,
    le_100ms        bigint NOT NULL,
    le_200ms        bigint NOT NULL,
    le_300ms        bigint NOT NULL,
    le_500ms        bigint NOT NULL,
    le_750ms        bigint NOT NULL,
    le_1000ms       bigint NOT NULL,
    le_1500ms       bigint NOT NULL,
    le_2000ms       bigint NOT NULL,
    le_3000ms       bigint NOT NULL,
    le_5000ms       bigint NOT NULL,
    le_10000ms      bigint NOT NULL,
    le_30000ms      bigint NOT NULL,
    PRIMARY KEY (tenant_id, monitor_id, bucket)
);

-- One pass over the inserted rows: aggregate to minutes, then fold the minute
-- aggregate into hours and days. ORDER BY keeps lock order stable so
-- concurrent batches touching the same buckets queue instead of deadlocking.
CREATE FUNCTION check_results_rollup() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    WITH m AS (
        SELECT tenant_id, monitor_id,
               date_bin('1 minute', time, '2000-01-03 00:00+00') AS bucket,
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
        FROM new_rows
        GROUP BY 1, 2, 3
    ), m_ins AS (
    INSERT INTO check_rollup_1m AS r (tenant_id, monitor_id, bucket, checks, up_checks, degraded_checks, latency_count, latency_sum_ms, latency_min_ms, latency_max_ms, le_5ms, le_10ms, le_25ms, le_50ms, le_100ms, le_200ms, le_300ms, le_500ms, le_750ms, le_1000ms, le_1500ms, le_2000ms, le_3000ms, le_5000ms, le_10000ms, le_30000ms)
        SELECT tenant_id, monitor_id, bucket, checks, up_checks, degraded_checks, latency_count, latency_sum_ms, latency_min_ms, latency_max_ms, le_5ms, le_10ms, le_25ms, le_50ms, le_100ms, le_200ms, le_300ms, le_500ms, le_750ms, le_1000ms, le_1500ms, le_2000ms, le_3000ms, le_5000ms, le_10000ms, le_30000ms FROM m
        ORDER BY 1, 2, 3
        ON CONFLICT (tenant_id, monitor_id, bucket) DO UPDATE SET
            checks = r.checks + excluded.checks,
            up_checks = r.up_checks + excluded.up_checks,
            degraded_checks = r.degraded_checks + excluded.degraded_checks,
            latency_count = r.latency_count + excluded.latency_count,
            latency_sum_ms = r.latency_sum_ms + excluded.latency_sum_ms,
            latency_min_ms = LEAST(r.latency_min_ms, excluded.latency_min_ms),
            latency_max_ms = GREATEST(r.latency_max_ms, excluded.latency_max_ms),
            le_5ms = r.le_5ms + excluded.le_5ms,
            le_10ms = r.le_10ms + excluded.le_10ms,
            le_25ms = r.le_25ms + excluded.le_25ms,
            le_50ms = r.le_50ms + excluded.le_50ms,
            le_100ms = r.le_100ms + excluded.le_100ms,
            le_200ms = r.le_200ms + excluded.le_200ms,
            le_300ms = r.le_300ms + excluded.le_300ms,
            le_500ms = r.le_500ms + excluded.le_500ms,
            le_750ms = r.le_750ms + excluded.le_750ms,
            le_1000ms = r.le_1000ms + excluded.le_1000ms,
            le_1500ms = r.le_1500ms + excluded.le_1500ms,
            le_2000ms = r.le_2000ms + excluded.le_2000ms,
            le_3000ms = r.le_3000ms + excluded.le_3000ms,
            le_5000ms = r.le_5000ms + excluded.le_5000ms,
            le_10000ms = r.le_10000ms + excluded.le_10000ms,
            le_30000ms = r.le_30000ms + excluded.le_30000ms
    ), h_ins AS (
    INSERT INTO check_rollup_1h AS r (tenant_id, monitor_id, bucket, checks, up_checks, degraded_checks, latency_count, latency_sum_ms, latency_min_ms, latency_max_ms, le_5ms, le_10ms, le_25ms, le_50ms, le_100ms, le_200ms, le_300ms, le_500ms, le_750ms, le_1000ms, le_1500ms, le_2000ms, le_3000ms, le_5000ms, le_10000ms, le_30000ms)
        SELECT tenant_id, monitor_id, date_bin('1 hour', bucket, '2000-01-03 00:00+00'),
               sum(checks),
               sum(up_checks),
               sum(degraded_checks),
               sum(latency_count),
               sum(latency_sum_ms),
               min(latency_min_ms),
               max(latency_max_ms),
               sum(le_5ms),
               sum(le_10ms),
               sum(le_25ms),
               sum(le_50ms),
               sum(le_100ms),
               sum(le_200ms),
               sum(le_300ms),
               sum(le_500ms),
               sum(le_750ms),
               sum(le_1000ms),
               sum(le_1500ms),
               sum(le_2000ms),
               sum(le_3000ms),
               sum(le_5000ms),
               sum(le_10000ms),
               sum(le_30000ms)
        FROM m
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
        ON CONFLICT (tenant_id, monitor_id, bucket) DO UPDATE SET
            checks = r.checks + excluded.checks,
            up_checks = r.up_checks + excluded.up_checks,
            degraded_checks = r.degraded_checks + excluded.degraded_checks,
            latency_count = r.latency_count + excluded.latency_count,
            latency_sum_ms = r.latency_sum_ms + excluded.latency_sum_ms,
            latency_min_ms = LEAST(r.latency_min_ms, excluded.latency_min_ms),
            latency_max_ms = GREATEST(r.latency_max_ms, excluded.latency_max_ms),
            le_5ms = r.le_5ms + excluded.le_5ms,
            le_10ms = r.le_10ms + excluded.le_10ms,
            le_25ms = r.le_25ms + excluded.le_25ms,
            le_50ms = r.le_50ms + excluded.le_50ms,
            le_100ms = r.le_100ms + excluded.le_100ms,
            le_200ms = r.le_200ms + excluded.le_200ms,
            le_300ms = r.le_300ms + excluded.le_300ms,
            le_500ms = r.le_500ms + excluded.le_500ms,
            le_750ms = r.le_750ms + excluded.le_750ms,
            le_1000ms = r.le_1000ms + excluded.le_1000ms,
            le_1500ms = r.le_1500ms + excluded.le_1500ms,
            le_2000ms = r.le_2000ms + excluded.le_2000ms,
            le_3000ms = r.le_3000ms + excluded.le_3000ms,
            le_5000ms = r.le_5000ms + excluded.le_5000ms,
            le_10000ms = r.le_10000ms + excluded.le_10000ms,
            le_30000ms = r.le_30000ms + excluded.le_30000ms
    )
    INSERT INTO check_rollup_1d AS r (tenant_id, monitor_id, bucket, checks, up_checks, degraded_checks, latency_count, latency_sum_ms, latency_min_ms, latency_max_ms, le_5ms, le_10ms, le_25ms, le_50ms, le_100ms, le_200ms, le_300ms, le_500ms, le_750ms, le_1000ms, le_1500ms, le_2000ms, le_3000ms, le_5000ms, le_10000ms, le_30000ms)
        SELECT tenant_id, monitor_id, date_bin('1 day', bucket, '2000-01-03 00:00+00'),
               sum(checks),
               sum(up_checks),
               sum(degraded_checks),
               sum(latency_count),
               sum(latency_sum_ms),
               min(latency_min_ms),
               max(latency_max_ms),
               sum(le_5ms),
               sum(le_10ms),
               sum(le_25ms),
               sum(le_50ms),
               sum(le_100ms),
               sum(le_200ms),
               sum(le_300ms),
               sum(le_500ms),
               sum(le_750ms),
               sum(le_1000ms),
               sum(le_1500ms),
               sum(le_2000ms),
               sum(le_3000ms),
               sum(le_5000ms),
               sum(le_10000ms),
               sum(le_30000ms)
        FROM m
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
        ON CONFLICT (tenant_id, monitor_id, bucket) DO UPDATE SET
            checks = r.checks + excluded.checks,
            up_checks = r.up_checks + excluded.up_checks,
            degraded_checks = r.degraded_checks + excluded.degraded_checks,
            latency_count = r.latency_count + excluded.latency_count,
            latency_sum_ms = r.latency_sum_ms + excluded.latency_sum_ms,
            latency_min_ms = LEAST(r.latency_min_ms, excluded.latency_min_ms),
            latency_max_ms = GREATEST(r.latency_max_ms, excluded.latency_max_ms),
            le_5ms = r.le_5ms + excluded.le_5ms,
            le_10ms = r.le_10ms + excluded.le_10ms,
            le_25ms = r.le_25ms + excluded.le_25ms,
            le_50ms = r.le_50ms + excluded.le_50ms,
            le_100ms = r.le_100ms + excluded.le_100ms,
            le_200ms = r.le_200ms + excluded.le_200ms,
            le_300ms = r.le_300ms + excluded.le_300ms,
            le_500ms = r.le_500ms + excluded.le_500ms,
            le_750ms = r.le_750ms + excluded.le_750ms,
            le_1000ms = r.le_1000ms + excluded.le_1000ms,
            le_1500ms = r.le_1500ms + excluded.le_1500ms,
            le_2000ms = r.le_2000ms + excluded.le_2000ms,
            le_3000ms = r.le_3000ms + excluded.le_3000ms,
            le_5000ms = r.le_5000ms + excluded.le_5000ms,
            le_10000ms = r.le_10000ms + excluded.le_10000ms,
            le_30000ms = r.le_30000ms + excluded.le_30000ms;
    RETURN NULL;
END;
$$;

CREATE TRIGGER check_results_rollup
    AFTER INSERT ON check_results
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION check_results_rollup();
