-- The latest judged status of each monitor in each region; the monitor's own
-- status is derived from them (down only when its down_quorum of regions
-- agree), so one region's network trouble does not page anyone.
CREATE TABLE monitor_region_states (
    monitor_id uuid NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    region     text NOT NULL,
    status     text NOT NULL CHECK (status IN ('up', 'degraded', 'down')),
    checked_at timestamptz NOT NULL,
    PRIMARY KEY (monitor_id, region)
);
