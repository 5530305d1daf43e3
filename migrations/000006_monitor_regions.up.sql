-- The regions a monitor is probed from; empty means every region.
ALTER TABLE monitors ADD COLUMN regions text[] NOT NULL DEFAULT '{}';
