package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

func ingestBatch(n int) []model.CheckResult {
	tenant, monitor := uuid.New(), uuid.New()
	now := time.Now().UTC().Truncate(time.Millisecond)
	out := make([]model.CheckResult, n)
	for i := range out {
		out[i] = model.CheckResult{Time: now.Add(-time.Duration(i) * time.Millisecond), TenantID: tenant,
			MonitorID: monitor, Region: "test", Status: model.ResultUp}
	}
	return out
}

func countResults(t *testing.T, s *store.Store) int {
	t.Helper()
	var n int
	require.NoError(t, s.Pool().QueryRow(context.Background(), `SELECT count(*) FROM check_results`).Scan(&n))
	return n
}

func TestWriteBatchWritesEachBatchIDOnce(t *testing.T) {
	pgtest.Engines(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		s := pgtest.NewStore(t, engine)
		id, batch := uuid.New(), ingestBatch(25)

		written, err := s.WriteBatch(ctx, id, batch)
		require.NoError(t, err)
		assert.True(t, written)
		written, err = s.WriteBatch(ctx, id, batch)
		require.NoError(t, err)
		assert.False(t, written, "the second write of the same id is skipped")
		assert.Equal(t, 25, countResults(t, s))

		written, err = s.WriteBatch(ctx, uuid.New(), ingestBatch(5))
		require.NoError(t, err)
		assert.True(t, written, "another id is another batch")
		assert.Equal(t, 30, countResults(t, s))
	})
}

func TestWriteBatchConcurrentSameIDWritesOnce(t *testing.T) {
	ctx := context.Background()
	s := pgtest.NewStore(t, store.EnginePostgres)
	id, batch := uuid.New(), ingestBatch(100)
	var wg sync.WaitGroup
	wrote := make([]bool, 4)
	for i := range wrote {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			wrote[i], err = s.WriteBatch(ctx, id, batch)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	n := 0
	for _, w := range wrote {
		if w {
			n++
		}
	}
	assert.Equal(t, 1, n, "exactly one writer reports the write")
	assert.Equal(t, 100, countResults(t, s))
}

func TestPruneIngestBatchesForgetsOldIDs(t *testing.T) {
	ctx := context.Background()
	s := pgtest.NewStore(t, store.EnginePostgres)
	old, recent := uuid.New(), uuid.New()
	for _, id := range []uuid.UUID{old, recent} {
		_, err := s.WriteBatch(ctx, id, ingestBatch(1))
		require.NoError(t, err)
	}
	_, err := s.Pool().Exec(ctx, `UPDATE ingest_batches SET written_at = now() - interval '8 days' WHERE id = $1`, old)
	require.NoError(t, err)

	pruned, err := s.PruneIngestBatches(ctx, time.Now().Add(-7*24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, int64(1), pruned)
	var left []uuid.UUID
	rows, err := s.Pool().Query(ctx, `SELECT id FROM ingest_batches`)
	require.NoError(t, err)
	for rows.Next() {
		var id uuid.UUID
		require.NoError(t, rows.Scan(&id))
		left = append(left, id)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []uuid.UUID{recent}, left)
}
