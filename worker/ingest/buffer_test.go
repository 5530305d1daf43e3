package ingest_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/metrics"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
	"github.com/vinsight/vinsight/worker/ingest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func results(n int) []model.CheckResult {
	tenant, monitor := uuid.New(), uuid.New()
	now := time.Now().UTC()
	out := make([]model.CheckResult, n)
	for i := range out {
		lat := float64(i % 300)
		out[i] = model.CheckResult{Time: now.Add(-time.Duration(i) * time.Second), TenantID: tenant, MonitorID: monitor,
			Region: "test", Status: model.ResultUp, LatencyMS: &lat, StatusCode: 200}
	}
	return out
}

func count(t *testing.T, st *store.Store) int {
	var n int
	require.NoError(t, st.Pool().QueryRow(context.Background(), `SELECT count(*) FROM check_results`).Scan(&n))
	return n
}

func TestBufferWritesFullBatchesAndFlushesOnClose(t *testing.T) {
	st := pgtest.NewStore(t, store.EnginePostgres)
	m := metrics.NewWorker(prometheus.NewRegistry())
	// A flush interval far longer than the test: only size and Close flush.
	b := ingest.New(st, ingest.Options{BatchSize: 1000, FlushInterval: time.Hour, Capacity: 5000}, zerolog.Nop(), m)
	go b.Run(context.Background())

	ctx := context.Background()
	for _, r := range results(2500) {
		require.NoError(t, b.Submit(ctx, r))
	}
	require.Eventually(t, func() bool { return count(t, st) == 2000 }, 10*time.Second, 20*time.Millisecond,
		"two full batches are written without waiting for the interval")

	require.NoError(t, b.Close(ctx))
	assert.Equal(t, 2500, count(t, st), "Close writes the partial batch")
	assert.Equal(t, 2500.0, testutil.ToFloat64(m.IngestWritten))
	assert.ErrorIs(t, b.Submit(ctx, results(1)[0]), ingest.ErrClosed)
}

func TestBufferFlushesOnInterval(t *testing.T) {
	st := pgtest.NewStore(t, store.EnginePostgres)
	b := ingest.New(st, ingest.Options{BatchSize: 1000, FlushInterval: 50 * time.Millisecond, Capacity: 100},
		zerolog.Nop(), metrics.NewWorker(prometheus.NewRegistry()))
	go b.Run(context.Background())
	defer b.Close(context.Background())
	for _, r := range results(7) {
		require.NoError(t, b.Submit(context.Background(), r))
	}
	assert.Eventually(t, func() bool { return count(t, st) == 7 }, 5*time.Second, 10*time.Millisecond)
}

// failingWriter fails its first calls, like a database that is briefly away.
type failingWriter struct {
	failures int
	next     ingest.Writer
}

func (f *failingWriter) WriteResults(ctx context.Context, rs []model.CheckResult) error {
	if f.failures > 0 {
		f.failures--
		return assert.AnError
	}
	return f.next.WriteResults(ctx, rs)
}

func TestBufferRetriesAFailedBatch(t *testing.T) {
	st := pgtest.NewStore(t, store.EnginePostgres)
	m := metrics.NewWorker(prometheus.NewRegistry())
	b := ingest.New(&failingWriter{failures: 2, next: st}, ingest.Options{BatchSize: 10, FlushInterval: 20 * time.Millisecond, Capacity: 100}, zerolog.Nop(), m)
	go b.Run(context.Background())
	for _, r := range results(10) {
		require.NoError(t, b.Submit(context.Background(), r))
	}
	require.NoError(t, b.Close(context.Background()))
	assert.Equal(t, 10, count(t, st), "the batch is kept across failures")
	assert.Equal(t, 2.0, testutil.ToFloat64(m.IngestErrors))
}
