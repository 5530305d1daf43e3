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
	if len(results) == 0 {
		return false, nil
	}
	if err := validateResults(results); err != nil {
		return false, fmt.Errorf("store.WriteBatch: %w", err)
	}
	days := resultDays(results)
	var written bool
	var err error
	for attempt := 1; attempt <= writeAttempts; attempt++ {
		if err = s.engine.prepareWrite(ctx, days); err != nil {
			return false, fmt.Errorf("store.WriteBatch: %w", err)
		}
		err = s.inTx(ctx, func(tx pgx.Tx) error {
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
		if err == nil {
			return written, nil
		}
		switch {
		case isMissingPartition(err):
			s.engine.forget()
		case isRetryable(err):
			time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
		default:
			return false, fmt.Errorf("store.WriteBatch: %w", err)
		}
	}
	return false, fmt.Errorf("store.WriteBatch: gave up after %d attempts: %w", writeAttempts, err)
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
