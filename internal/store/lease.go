package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Shards is how many shards the monitors of a region are split into.
const Shards = 256

// ShardOf is the shard of a monitor.
func ShardOf(monitorID uuid.UUID) int {
	// The id is random (v4), so its first bytes are uniform already.
	return int(binary.BigEndian.Uint16(monitorID[:2])) % Shards
}

// WorkerBeat records that a worker is alive and returns how many workers of
// its region are (seen within liveness), itself included.
func (s *Store) WorkerBeat(ctx context.Context, workerID uuid.UUID, region string, liveness time.Duration) (int, error) {
	var live int
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO workers (id, region) VALUES ($1, $2)
			ON CONFLICT (id) DO UPDATE SET last_seen = now()`, workerID, region)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM workers WHERE last_seen < now() - interval '1 day'`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM workers WHERE region = $1 AND last_seen > now() - $2::interval`,
			region, liveness).Scan(&live)
	})
	if err != nil {
		return 0, fmt.Errorf("store.WorkerBeat: %w", err)
	}
	return live, nil
}

// RenewLeases extends the worker's unexpired leases and returns their shards;
// a lease that expired meanwhile is lost (another worker may hold it now).
func (s *Store) RenewLeases(ctx context.Context, workerID uuid.UUID, region string, ttl time.Duration) ([]int, error) {
	rows, err := s.pool.Query(ctx, `UPDATE shard_leases SET expires_at = now() + $3::interval
		WHERE worker_id = $1 AND region = $2 AND expires_at > now() RETURNING shard`, workerID, region, ttl)
	if err != nil {
		return nil, fmt.Errorf("store.RenewLeases: %w", err)
	}
	shards, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, fmt.Errorf("store.RenewLeases: %w", err)
	}
	return shards, nil
}

// ClaimShards takes up to max shards of the region that nobody holds or
// whose lease expired. Two workers never win the same shard: the upsert
// only replaces a lease that is still expired when it gets the row.
func (s *Store) ClaimShards(ctx context.Context, workerID uuid.UUID, region string, ttl time.Duration, max int) ([]int, error) {
	if max <= 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `
		WITH free AS (
			SELECT g AS shard FROM generate_series(0, $4::int - 1) g
			LEFT JOIN shard_leases l ON l.region = $2 AND l.shard = g
			WHERE l.shard IS NULL OR l.expires_at < now()
			ORDER BY random() LIMIT $5
		)
		INSERT INTO shard_leases AS l (region, shard, worker_id, expires_at)
		SELECT $2, shard, $1, now() + $3::interval FROM free
		ON CONFLICT (region, shard) DO UPDATE SET worker_id = excluded.worker_id, expires_at = excluded.expires_at
			WHERE l.expires_at < now()
		RETURNING shard`, workerID, region, ttl, Shards, max)
	if err != nil {
		return nil, fmt.Errorf("store.ClaimShards: %w", err)
	}
	shards, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, fmt.Errorf("store.ClaimShards: %w", err)
	}
	return shards, nil
}

// WorkerGone removes a stopping worker from its region at once, so the
// others count it out and take its share without waiting for expiry.
func (s *Store) WorkerGone(ctx context.Context, workerID uuid.UUID) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM workers WHERE id = $1`, workerID); err != nil {
		return fmt.Errorf("store.WorkerGone: %w", err)
	}
	return nil
}

// ReleaseShards gives up leases, for a worker that holds more than its share
// or is stopping.
func (s *Store) ReleaseShards(ctx context.Context, workerID uuid.UUID, region string, shards []int) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM shard_leases WHERE worker_id = $1 AND region = $2 AND shard = ANY($3)`,
		workerID, region, shards)
	if err != nil {
		return fmt.Errorf("store.ReleaseShards: %w", err)
	}
	return nil
}
