-- late_folds counts the inserts that folded late rows into the materialized
-- rollups: the only writes that change a bucket below the minute watermark.
-- Reads of the days before today may be reused while it stays the same.
ALTER TABLE rollup_watermarks ADD COLUMN late_folds bigint NOT NULL DEFAULT 0;

-- Under the same shared advisory lock as check_results_fold_late (taken
-- first, as the refresh takes it before it updates the watermarks), so the
-- watermark compared with is the one the rows were folded below and the
-- row lock on rollup_watermarks is always taken second.
CREATE FUNCTION check_results_fold_late_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7000002);
    IF EXISTS (SELECT 1 FROM new_rows WHERE time < (SELECT minute_mark FROM rollup_watermarks)) THEN
        UPDATE rollup_watermarks SET late_folds = late_folds + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER check_results_fold_late_count
    AFTER INSERT ON check_results
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION check_results_fold_late_count();

-- Analytics reads learn the watermarks in the tenant transaction that reads
-- their maintenance windows, one round trip for both.
GRANT SELECT ON rollup_watermarks TO vinsight_app;
