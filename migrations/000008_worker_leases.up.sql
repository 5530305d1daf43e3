-- Workers share the monitors of their region through leases on 256 shards
-- (a monitor's shard is a hash of its id). A worker renews its leases every
-- few seconds; the leases of a worker that dies expire and are claimed by the
-- others, and a joining worker claims its share as others release theirs.
CREATE TABLE workers (
    id         uuid PRIMARY KEY,
    region     text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    last_seen  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workers_region_seen_idx ON workers (region, last_seen);

CREATE TABLE shard_leases (
    region     text NOT NULL,
    shard      integer NOT NULL CHECK (shard >= 0),
    worker_id  uuid NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (region, shard)
);
CREATE INDEX shard_leases_worker_idx ON shard_leases (worker_id);
