-- The plain engine adds a covering index on its daily rollup table here;
-- TimescaleDB keeps its continuous aggregates' own indexes.
SELECT 1;
