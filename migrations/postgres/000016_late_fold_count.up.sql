-- late_folds counts the inserts that folded late rows into the materialized
-- rollups: the only writes that change a bucket below the minute watermark.
-- Reads of the days before today may be reused while it stays the same.
ALTER TABLE rollup_watermarks ADD COLUMN late_folds bigint NOT NULL DEFAULT 0;

-- Runs after check_results_fold_late (triggers fire in name order), under
-- the advisory lock that one took, so the watermark it compares with is the
-- one the rows were folded below.
CREATE FUNCTION check_results_count_late() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows WHERE time < (SELECT minute_mark FROM rollup_watermarks)) THEN
        UPDATE rollup_watermarks SET late_folds = late_folds + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER check_results_count_late
    AFTER INSERT ON check_results
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION check_results_count_late();
