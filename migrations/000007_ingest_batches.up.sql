-- The worker writes each batch of results with an id it chose and records the
-- id here in the same transaction as the rows. A batch retried after an
-- unknown outcome (a COMMIT whose reply was lost, a worker killed between
-- COMMIT and removing its spool file) finds its id and is not written twice.
-- Ids are pruned after a week: far longer than any retry of a batch.
CREATE TABLE ingest_batches (
    id         uuid PRIMARY KEY,
    written_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ingest_batches_written_at_idx ON ingest_batches (written_at);
