ALTER TABLE monitors DROP COLUMN regions;
