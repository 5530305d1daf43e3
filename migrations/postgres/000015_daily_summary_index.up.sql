-- The dashboard, the daily bars and uptime windows read each monitor's days
-- with the summary columns only: this index answers them without visiting
-- the table, where one monitor's 90 days lie on 90 different pages.
CREATE INDEX check_rollup_1d_mat_summary_idx ON check_rollup_1d_mat (tenant_id, monitor_id, bucket)
    INCLUDE (checks, up_checks, degraded_checks, latency_count, latency_sum_ms, latency_min_ms, latency_max_ms);
