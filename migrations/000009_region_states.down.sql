DROP TABLE monitor_region_states;
