DROP TABLE check_results;
DROP FUNCTION check_results_rollup();
DROP TABLE check_rollup_1d;
DROP TABLE check_rollup_1h;
DROP TABLE check_rollup_1m;
