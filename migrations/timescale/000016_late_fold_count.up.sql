-- The plain engine counts late folds here so that reads of past days can be
-- reused; TimescaleDB refreshes its continuous aggregates on its own
-- schedule, and such reads are not reused there.
SELECT 1;
