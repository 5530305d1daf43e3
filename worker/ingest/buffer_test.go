package ingest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/metrics"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
	"github.com/vinsight/vinsight/worker/ingest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// results returns n results with distinct (monitor_id, time) pairs, so that
// a row written twice shows up as a duplicate pair.
func results(n int) []model.CheckResult {
	tenant := uuid.New()
	monitors := []uuid.UUID{uuid.New(), uuid.New(), uuid.New()}
	start := time.Now().UTC().Truncate(time.Millisecond)
	out := make([]model.CheckResult, n)
	for i := range out {
		lat := float64(i % 300)
		out[i] = model.CheckResult{Time: start.Add(-time.Duration(i) * time.Millisecond), TenantID: tenant,
			MonitorID: monitors[i%len(monitors)], Region: "test", Status: model.ResultUp, LatencyMS: &lat, StatusCode: 200}
	}
	return out
}

// rows counts the rows of check_results and the distinct (monitor_id, time)
// pairs among them.
func rows(t *testing.T, st *store.Store) (total, distinct int) {
	t.Helper()
	require.NoError(t, st.Pool().QueryRow(context.Background(),
		`SELECT count(*), count(DISTINCT (monitor_id, time)) FROM check_results`).Scan(&total, &distinct))
	return total, distinct
}

func count(t *testing.T, st *store.Store) int {
	n, _ := rows(t, st)
	return n
}

type buffer struct {
	*ingest.Buffer
	metrics *metrics.Worker
}

// start builds a buffer with a spool in dir (a fresh one when empty) and
// runs it. When the test ends it is stopped at once: a test that wants its
// results written calls Close itself.
func start(t *testing.T, w ingest.Writer, opts ingest.Options, dir string) buffer {
	t.Helper()
	return startLogged(t, w, opts, dir, zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel))
}

func startLogged(t *testing.T, w ingest.Writer, opts ingest.Options, dir string, log zerolog.Logger) buffer {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	opts.SpoolDir = dir
	if opts.SpoolMaxBytes == 0 {
		opts.SpoolMaxBytes = 1 << 30
	}
	if opts.FlushInterval == 0 {
		opts.FlushInterval = 20 * time.Millisecond
	}
	m := metrics.NewWorker(prometheus.NewRegistry())
	b, err := ingest.New(w, opts, log, m)
	require.NoError(t, err)
	go b.Run(context.Background())
	t.Cleanup(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = b.Close(ctx)
	})
	return buffer{Buffer: b, metrics: m}
}

func submitAll(t *testing.T, b buffer, rs []model.CheckResult) {
	t.Helper()
	for _, r := range rs {
		require.NoError(t, b.Submit(context.Background(), r))
	}
}

func TestBufferWritesFullBatchesAndFlushesOnClose(t *testing.T) {
	st := pgtest.NewStore(t, store.EnginePostgres)
	// A flush interval far longer than the test: only size and Close flush.
	b := start(t, st, ingest.Options{BatchSize: 1000, FlushInterval: time.Hour, Capacity: 5000}, "")
	submitAll(t, b, results(2500))
	require.Eventually(t, func() bool { return count(t, st) == 2000 }, 10*time.Second, 20*time.Millisecond,
		"two full batches are written without waiting for the interval")

	require.NoError(t, b.Close(context.Background()))
	assert.Equal(t, 2500, count(t, st), "Close writes the partial batch")
	assert.Equal(t, 2500.0, testutil.ToFloat64(b.metrics.IngestWritten))
	assert.Equal(t, 0.0, testutil.ToFloat64(b.metrics.IngestQueueDepth))
	assert.ErrorIs(t, b.Submit(context.Background(), results(1)[0]), ingest.ErrClosed)
}

func TestBufferFlushesOnInterval(t *testing.T) {
	st := pgtest.NewStore(t, store.EnginePostgres)
	b := start(t, st, ingest.Options{BatchSize: 1000, FlushInterval: 50 * time.Millisecond, Capacity: 100}, "")
	submitAll(t, b, results(7))
	assert.Eventually(t, func() bool { return count(t, st) == 7 }, 5*time.Second, 10*time.Millisecond)
}

// flakyWriter fails its first calls, like a database that is briefly away;
// with commitFirst the first failure comes after a real COMMIT, like a reply
// lost on the way back.
type flakyWriter struct {
	ingest.Writer
	mu          sync.Mutex
	failures    int
	commitFirst bool
}

func (f *flakyWriter) WriteBatch(ctx context.Context, id uuid.UUID, rs []model.CheckResult) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failures == 0 {
		return f.Writer.WriteBatch(ctx, id, rs)
	}
	f.failures--
	if f.commitFirst {
		f.commitFirst = false
		if _, err := f.Writer.WriteBatch(ctx, id, rs); err != nil {
			return false, err
		}
		return false, errors.New("connection reset by peer")
	}
	return false, errors.New("connection refused")
}

func TestBufferRetriesAFailedBatch(t *testing.T) {
	st := pgtest.NewStore(t, store.EnginePostgres)
	b := start(t, &flakyWriter{Writer: st, failures: 2}, ingest.Options{BatchSize: 10, Capacity: 100}, "")
	submitAll(t, b, results(10))
	require.NoError(t, b.Close(context.Background()))
	assert.Equal(t, 10, count(t, st), "the batch is kept across failures")
	assert.Equal(t, 2.0, testutil.ToFloat64(b.metrics.IngestErrors))
}

func TestBufferRetryAfterALostCommitReplyWritesOnce(t *testing.T) {
	st := pgtest.NewStore(t, store.EnginePostgres)
	b := start(t, &flakyWriter{Writer: st, failures: 1, commitFirst: true}, ingest.Options{BatchSize: 10, Capacity: 100}, "")
	submitAll(t, b, results(30))
	require.NoError(t, b.Close(context.Background()))
	total, distinct := rows(t, st)
	assert.Equal(t, 30, total)
	assert.Equal(t, total, distinct)
	assert.Equal(t, 20.0, testutil.ToFloat64(b.metrics.IngestWritten), "the retried batch was found written already")
}

// downWriter is a database that never answers.
type downWriter struct{}

func (downWriter) WriteBatch(context.Context, uuid.UUID, []model.CheckResult) (bool, error) {
	return false, errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")
}

func (downWriter) PruneIngestBatches(context.Context, time.Time) (int64, error) {
	return 0, errors.New("connection refused")
}

func TestBufferDropsOnlyWhenMemoryAndSpoolAreFull(t *testing.T) {
	// Room for a few 10-result files (about 2 KB each) and no more.
	b := start(t, downWriter{}, ingest.Options{BatchSize: 10, Capacity: 50, SpoolMaxBytes: 8 << 10}, "")
	const submitted = 500
	begin := time.Now()
	submitAll(t, b, results(submitted))
	assert.Less(t, time.Since(begin), 5*time.Second, "Submit never waits for the database")

	inMemory := testutil.ToFloat64(b.metrics.IngestQueueDepth)
	spooled := testutil.ToFloat64(b.metrics.IngestSpoolResults)
	dropped := testutil.ToFloat64(b.metrics.IngestDropped)
	assert.GreaterOrEqual(t, inMemory, 50.0, "memory is full")
	assert.LessOrEqual(t, inMemory, 60.0, "memory holds at most its capacity and the batch in the writer's hand")
	assert.Positive(t, spooled)
	assert.LessOrEqual(t, testutil.ToFloat64(b.metrics.IngestSpoolBytes), float64(8<<10))
	assert.Equal(t, float64(submitted), inMemory+spooled+dropped, "every result is held or counted as dropped")
}

func TestSubmitRefusesInvalidResultsAndScrubsText(t *testing.T) {
	st := pgtest.NewStore(t, store.EnginePostgres)
	b := start(t, st, ingest.Options{BatchSize: 10, Capacity: 100}, "")
	bad := results(1)[0]
	bad.Status = "sideways"
	assert.ErrorIs(t, b.Submit(context.Background(), bad), errs.ErrValidation)
	bad = results(1)[0]
	bad.Time = time.Time{}
	assert.ErrorIs(t, b.Submit(context.Background(), bad), errs.ErrValidation)

	odd := results(1)[0]
	odd.Message = "body: \x00\xff\xfe end"
	require.NoError(t, b.Submit(context.Background(), odd))
	require.NoError(t, b.Close(context.Background()))
	var msg string
	require.NoError(t, st.Pool().QueryRow(context.Background(), `SELECT message FROM check_results`).Scan(&msg))
	assert.Equal(t, "body: \uFFFD end", msg, "a NUL byte or invalid UTF-8 in a message does not block its batch")
}
