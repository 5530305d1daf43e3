package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/model"
)

// WriteBatch writes a batch of check results like WriteResults, but at most
// once per batchID: the id goes into ingest_batches in the same transaction
// as the rows, so retrying a batch whose outcome is unknown (a COMMIT whose
// reply was lost, a worker killed before it removed its spool file) is safe.
// It reports whether the rows were written now; false means the batch had
// been written before and nothing was done.
func (s *Store) WriteBatch(ctx context.Context, batchID uuid.UUID, results []model.CheckResult) (bool, error) {
	var written bool
	err := s.writeResults(ctx, results, func(tx pgx.Tx) error {
		// A concurrent writer of the same id makes this wait for its
		// COMMIT, then see the conflict.
		tag, err := tx.Exec(ctx, `INSERT INTO ingest_batches (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`, batchID)
		if err != nil {
			return err
		}
		if written = tag.RowsAffected() == 1; !written {
			return nil
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"check_results"}, ResultColumns, CopyResults(results))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store.WriteBatch: %w", err)
	}
	return written, nil
}

// PruneIngestBatches forgets the ids of batches written before cutoff. A
// batch retried after that would be written again, so cutoff must lie well
// beyond any retry.
func (s *Store) PruneIngestBatches(ctx context.Context, cutoff time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM ingest_batches WHERE written_at < $1`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("store.PruneIngestBatches: %w", err)
	}
	return tag.RowsAffected(), nil
}
