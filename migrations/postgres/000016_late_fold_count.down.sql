DROP TRIGGER check_results_count_late ON check_results;
DROP FUNCTION check_results_count_late();
ALTER TABLE rollup_watermarks DROP COLUMN late_folds;
