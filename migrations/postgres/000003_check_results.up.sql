-- Plain PostgreSQL engine, built the way TimescaleDB builds continuous
-- aggregates so that both engines answer the same SQL the same way:
--
-- * check_results is range-partitioned by UTC day. Partitions are created by
--   the store (ahead by the maintenance job, on demand when an insert finds
--   none). There is deliberately no default partition: a missing day fails
--   loudly (SQLSTATE 23514) and the store creates it and retries.
-- * check_rollup_<1m|1h|1d>_mat hold materialized buckets below a watermark
--   (rollup_watermarks). The store's refresh job advances the watermarks in
--   bulk: 1m from raw rows, 1h from 1m, 1d from 1h.
-- * check_rollup_1m, _1h, _1d are views: the materialized buckets plus the
--   buckets above the watermark aggregated on the fly, so every read is exact
--   to the last result (TimescaleDB's real-time aggregation).
-- * Rows that arrive below a watermark (late rows) are folded into the
--   materialized tables by a statement-level trigger on check_results, in
--   the inserting transaction, so they are never missed either.
--
-- Keeping every rollup by trigger on every insert costs about three upserts
-- per result at fleet scale (each batch holds one result per monitor) and
-- ran at a sixth of bare COPY speed; materializing in bulk costs a fraction.

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
-- "Everything since the watermark" (the real-time side of the rollups) and
-- the materialization job read by time alone. Rows arrive in time order, so
-- this index only ever grows at its right edge, which is cheap.
CREATE INDEX check_results_time_idx ON check_results (time);

-- Rollup columns are additive so coarser rollups are exact sums of finer ones.
-- le_Nms are cumulative latency histogram counts (latency_ms <= N); the +Inf
-- bucket is latency_count. The bounds are shared with the Prometheus export.
CREATE TABLE check_rollup_1m_mat (
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
CREATE INDEX check_rollup_1m_mat_bucket_idx ON check_rollup_1m_mat (bucket);

CREATE TABLE check_rollup_1h_mat (
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
CREATE INDEX check_rollup_1h_mat_bucket_idx ON check_rollup_1h_mat (bucket);

CREATE TABLE check_rollup_1d_mat (
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
CREATE INDEX check_rollup_1d_mat_bucket_idx ON check_rollup_1d_mat (bucket);

-- Everything below minute_mark is in check_rollup_1m_mat, below hour_mark in
-- _1h_mat, below day_mark in _1d_mat. One row, changed only by the refresh.
CREATE TABLE rollup_watermarks (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    minute_mark timestamptz NOT NULL,
    hour_mark   timestamptz NOT NULL,
    day_mark    timestamptz NOT NULL
);
INSERT INTO rollup_watermarks (minute_mark, hour_mark, day_mark) VALUES ('-infinity', '-infinity', '-infinity');

-- A STABLE function rather than a sub-select: the planner evaluates it while
-- planning, so it knows how few rows lie above the watermark and reaches them
-- through the time indexes instead of scanning whole partitions.
CREATE FUNCTION rollup_watermark(level text) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT CASE level WHEN '1m' THEN minute_mark WHEN '1h' THEN hour_mark WHEN '1d' THEN day_mark END
    FROM rollup_watermarks
$$;

CREATE FUNCTION rollup_1m_from_raw(from_time timestamptz, to_time timestamptz)
RETURNS SETOF check_rollup_1m_mat
LANGUAGE sql STABLE AS $$
    SELECT tenant_id, monitor_id,
        date_bin('1 minute', time, '2000-01-03 00:00+00') AS bucket,
        count(*) AS checks,
        count(*) FILTER (WHERE status = 'up') AS up_checks,
        count(*) FILTER (WHERE status = 'degraded') AS degraded_checks,
        count(latency_ms) AS latency_count,
        coalesce(sum(latency_ms), 0) AS latency_sum_ms,
        min(latency_ms) AS latency_min_ms,
        max(latency_ms) AS latency_max_ms,
        count(*) FILTER (WHERE latency_ms <= 5)::bigint AS le_5ms,
        count(*) FILTER (WHERE latency_ms <= 10)::bigint AS le_10ms,
        count(*) FILTER (WHERE latency_ms <= 25)::bigint AS le_25ms,
        count(*) FILTER (WHERE latency_ms <= 50)::bigint AS le_50ms,
        count(*) FILTER (WHERE latency_ms <= 100)::bigint AS le_100ms,
        count(*) FILTER (WHERE latency_ms <= 200)::bigint AS le_200ms,
        count(*) FILTER (WHERE latency_ms <= 300)::bigint AS le_300ms,
        count(*) FILTER (WHERE latency_ms <= 500)::bigint AS le_500ms,
        count(*) FILTER (WHERE latency_ms <= 750)::bigint AS le_750ms,
        count(*) FILTER (WHERE latency_ms <= 1000)::bigint AS le_1000ms,
        count(*) FILTER (WHERE latency_ms <= 1500)::bigint AS le_1500ms,
        count(*) FILTER (WHERE latency_ms <= 2000)::bigint AS le_2000ms,
        count(*) FILTER (WHERE latency_ms <= 3000)::bigint AS le_3000ms,
        count(*) FILTER (WHERE latency_ms <= 5000)::bigint AS le_5000ms,
        count(*) FILTER (WHERE latency_ms <= 10000)::bigint AS le_10000ms,
        count(*) FILTER (WHERE latency_ms <= 30000)::bigint AS le_30000ms
    FROM check_results
    WHERE time >= from_time AND time < to_time
    GROUP BY 1, 2, 3
$$;

CREATE VIEW check_rollup_1m AS
    SELECT tenant_id, monitor_id, bucket, checks, up_checks, degraded_checks, latency_count, latency_sum_ms, latency_min_ms, latency_max_ms, le_5ms, le_10ms, le_25ms, le_50ms, le_100ms, le_200ms, le_300ms, le_500ms, le_750ms, le_1000ms, le_1500ms, le_2000ms, le_3000ms, le_5000ms, le_10000ms, le_30000ms FROM check_rollup_1m_mat
    UNION ALL
    SELECT * FROM rollup_1m_from_raw(rollup_watermark('1m'), 'infinity');

CREATE FUNCTION rollup_1h_from_1m(from_time timestamptz, to_time timestamptz)
RETURNS SETOF check_rollup_1h_mat
LANGUAGE sql STABLE AS $$
    SELECT tenant_id, monitor_id,
        date_bin('1 hour', bucket, '2000-01-03 00:00+00') AS bucket,
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
    WHERE bucket >= from_time AND bucket < to_time
    GROUP BY 1, 2, 3
$$;

CREATE VIEW check_rollup_1h AS
    SELECT tenant_id, monitor_id, bucket, checks, up_checks, degraded_checks, latency_count, latency_sum_ms, latency_min_ms, latency_max_ms, le_5ms, le_10ms, le_25ms, le_50ms, le_100ms, le_200ms, le_300ms, le_500ms, le_750ms, le_1000ms, le_1500ms, le_2000ms, le_3000ms, le_5000ms, le_10000ms, le_30000ms FROM check_rollup_1h_mat
    UNION ALL
    SELECT * FROM rollup_1h_from_1m(rollup_watermark('1h'), 'infinity');

CREATE FUNCTION rollup_1d_from_1h(from_time timestamptz, to_time timestamptz)
RETURNS SETOF check_rollup_1d_mat
LANGUAGE sql STABLE AS $$
    SELECT tenant_id, monitor_id,
        date_bin('1 day', bucket, '2000-01-03 00:00+00') AS bucket,
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
    WHERE bucket >= from_time AND bucket < to_time
    GROUP BY 1, 2, 3
$$;

CREATE VIEW check_rollup_1d AS
    SELECT tenant_id, monitor_id, bucket, checks, up_checks, degraded_checks, latency_count, latency_sum_ms, latency_min_ms, latency_max_ms, le_5ms, le_10ms, le_25ms, le_50ms, le_100ms, le_200ms, le_300ms, le_500ms, le_750ms, le_1000ms, le_1500ms, le_2000ms, le_3000ms, le_5000ms, le_10000ms, le_30000ms FROM check_rollup_1d_mat
    UNION ALL
    SELECT * FROM rollup_1d_from_1h(rollup_watermark('1d'), 'infinity');

-- Late rows: the shared advisory lock orders this against the refresh (which
-- takes it exclusively), so a row is either below the watermark it reads here
-- and folded in now, or above it and seen by the refresh.
CREATE FUNCTION check_results_fold_late() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    marks rollup_watermarks;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7000002);
    SELECT * INTO marks FROM rollup_watermarks;
    IF NOT EXISTS (SELECT 1 FROM new_rows WHERE time < marks.minute_mark) THEN
        RETURN NULL;
    END IF;
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
            count(*) FILTER (WHERE latency_ms <= 5)::bigint AS le_5ms,
            count(*) FILTER (WHERE latency_ms <= 10)::bigint AS le_10ms,
            count(*) FILTER (WHERE latency_ms <= 25)::bigint AS le_25ms,
            count(*) FILTER (WHERE latency_ms <= 50)::bigint AS le_50ms,
            count(*) FILTER (WHERE latency_ms <= 100)::bigint AS le_100ms,
            count(*) FILTER (WHERE latency_ms <= 200)::bigint AS le_200ms,
            count(*) FILTER (WHERE latency_ms <= 300)::bigint AS le_300ms,
            count(*) FILTER (WHERE latency_ms <= 500)::bigint AS le_500ms,
            count(*) FILTER (WHERE latency_ms <= 750)::bigint AS le_750ms,
            count(*) FILTER (WHERE latency_ms <= 1000)::bigint AS le_1000ms,
            count(*) FILTER (WHERE latency_ms <= 1500)::bigint AS le_1500ms,
            count(*) FILTER (WHERE latency_ms <= 2000)::bigint AS le_2000ms,
            count(*) FILTER (WHERE latency_ms <= 3000)::bigint AS le_3000ms,
            count(*) FILTER (WHERE latency_ms <= 5000)::bigint AS le_5000ms,
            count(*) FILTER (WHERE latency_ms <= 10000)::bigint AS le_10000ms,
            count(*) FILTER (WHERE latency_ms <= 30000)::bigint AS le_30000ms
        FROM new_rows
        WHERE time < marks.minute_mark
        GROUP BY 1, 2, 3
    ), m_ins AS (
        INSERT INTO check_rollup_1m_mat AS r (tenant_id, monitor_id, bucket, checks, up_checks, degraded_checks, latency_count, latency_sum_ms, latency_min_ms, latency_max_ms, le_5ms, le_10ms, le_25ms, le_50ms, le_100ms, le_200ms, le_300ms, le_500ms, le_750ms, le_1000ms, le_1500ms, le_2000ms, le_3000ms, le_5000ms, le_10000ms, le_30000ms)
        SELECT * FROM m ORDER BY 1, 2, 3
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
        INSERT INTO check_rollup_1h_mat AS r (tenant_id, monitor_id, bucket, checks, up_checks, degraded_checks, latency_count, latency_sum_ms, latency_min_ms, latency_max_ms, le_5ms, le_10ms, le_25ms, le_50ms, le_100ms, le_200ms, le_300ms, le_500ms, le_750ms, le_1000ms, le_1500ms, le_2000ms, le_3000ms, le_5000ms, le_10000ms, le_30000ms)
        SELECT * FROM (SELECT tenant_id, monitor_id,
            date_bin('1 hour', bucket, '2000-01-03 00:00+00') AS bucket,
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
        FROM m
        GROUP BY 1, 2, 3) h
        WHERE bucket < marks.hour_mark ORDER BY 1, 2, 3
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
    INSERT INTO check_rollup_1d_mat AS r (tenant_id, monitor_id, bucket, checks, up_checks, degraded_checks, latency_count, latency_sum_ms, latency_min_ms, latency_max_ms, le_5ms, le_10ms, le_25ms, le_50ms, le_100ms, le_200ms, le_300ms, le_500ms, le_750ms, le_1000ms, le_1500ms, le_2000ms, le_3000ms, le_5000ms, le_10000ms, le_30000ms)
    SELECT * FROM (SELECT tenant_id, monitor_id,
        date_bin('1 day', bucket, '2000-01-03 00:00+00') AS bucket,
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
    FROM m
    GROUP BY 1, 2, 3) d
    WHERE bucket < marks.day_mark ORDER BY 1, 2, 3
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

CREATE TRIGGER check_results_fold_late
    AFTER INSERT ON check_results
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION check_results_fold_late();
