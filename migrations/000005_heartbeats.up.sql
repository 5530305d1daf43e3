-- Heartbeat (push) monitors: a secret token per monitor makes its push URL
-- (/api/v1/heartbeat/<token>). 256 random bits from two v4 UUIDs; every
-- monitor gets one so a monitor can become a heartbeat monitor by update.
ALTER TABLE monitors ADD COLUMN heartbeat_token text NOT NULL
    DEFAULT replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', '');
CREATE UNIQUE INDEX monitors_heartbeat_token_key ON monitors (heartbeat_token);
