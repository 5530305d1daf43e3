ALTER TABLE monitors DROP COLUMN heartbeat_token;
