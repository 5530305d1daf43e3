REVOKE SELECT ON rollup_watermarks FROM vinsight_app;
DROP TRIGGER check_results_fold_late_count ON check_results;
DROP FUNCTION check_results_fold_late_count();
ALTER TABLE rollup_watermarks DROP COLUMN late_folds;
