-- The timescaledb extension itself stays: it is server infrastructure that
-- other databases' objects may use, and the up migration creates it only
-- if it is missing.
DROP MATERIALIZED VIEW check_rollup_1d;
DROP MATERIALIZED VIEW check_rollup_1h;
DROP MATERIALIZED VIEW check_rollup_1m;
DROP TABLE check_results;
