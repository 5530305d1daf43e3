DROP INDEX IF EXISTS check_rollup_1d_mat_summary_idx;
