package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
	"github.com/vinsight/vinsight/worker/ingest"
)

func spoolFiles(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.spool"))
	require.NoError(t, err)
	return names
}

// committedThenDown writes its first batch for real and reports a failure,
// as a worker killed between COMMIT and removing the spool file would leave
// it; then the database is down for good.
type committedThenDown struct {
	ingest.Writer
	once      sync.Once
	committed chan struct{}
}

func (w *committedThenDown) WriteBatch(ctx context.Context, id uuid.UUID, rs []model.CheckResult) (bool, error) {
	err := errors.New("connection refused")
	w.once.Do(func() {
		if _, err = w.Writer.WriteBatch(ctx, id, rs); err == nil {
			close(w.committed)
			err = errors.New("server closed the connection unexpectedly")
		}
	})
	return false, err
}

func TestRestartAfterAKillDrainsTheSpoolExactlyOnce(t *testing.T) {
	st := pgtest.NewStore(t, store.EnginePostgres)
	dir := t.TempDir()
	opts := ingest.Options{BatchSize: 10, Capacity: 20}

	// A worker whose database is down spools what memory cannot hold, and
	// is killed: no Close, its memory is lost with it.
	first := start(t, downWriter{}, opts, dir)
	submitAll(t, first, results(200))
	spooled := int(testutil.ToFloat64(first.metrics.IngestSpoolResults))
	require.GreaterOrEqual(t, spooled, 170)
	require.Len(t, spoolFiles(t, dir), spooled/opts.BatchSize)

	// The next one writes the oldest spool file and is killed before it can
	// remove it.
	second := &committedThenDown{Writer: st, committed: make(chan struct{})}
	start(t, second, opts, dir)
	select {
	case <-second.committed:
	case <-time.After(10 * time.Second):
		t.Fatal("the second worker did not write a batch")
	}
	require.Equal(t, opts.BatchSize, count(t, st))
	require.Len(t, spoolFiles(t, dir), spooled/opts.BatchSize, "the written file is still there")

	// The third drains the spool: everything once, the written file skipped.
	third := start(t, st, opts, dir)
	require.NoError(t, third.Close(context.Background()))
	total, distinct := rows(t, st)
	assert.Equal(t, spooled, total)
	assert.Equal(t, total, distinct, "no result written twice")
	assert.Equal(t, float64(spooled-opts.BatchSize), testutil.ToFloat64(third.metrics.IngestWritten))
	assert.Empty(t, spoolFiles(t, dir))
	assert.Equal(t, 0.0, testutil.ToFloat64(third.metrics.IngestSpoolResults))
	assert.Equal(t, 0.0, testutil.ToFloat64(third.metrics.IngestSpoolBytes))
	assert.Equal(t, 0.0, testutil.ToFloat64(third.metrics.IngestDropped))
}

func TestCloseTimeoutMovesMemoryToTheSpool(t *testing.T) {
	st := pgtest.NewStore(t, store.EnginePostgres)
	dir := t.TempDir()
	opts := ingest.Options{BatchSize: 10, Capacity: 100}
	down := start(t, downWriter{}, opts, dir)
	submitAll(t, down, results(55))

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := down.Close(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorContains(t, err, "55 results left in the spool")
	assert.Equal(t, 0.0, testutil.ToFloat64(down.metrics.IngestQueueDepth))
	assert.Equal(t, 55.0, testutil.ToFloat64(down.metrics.IngestSpoolResults))
	assert.ErrorIs(t, down.Submit(context.Background(), results(1)[0]), ingest.ErrClosed)

	next := start(t, st, opts, dir)
	require.NoError(t, next.Close(context.Background()))
	total, distinct := rows(t, st)
	assert.Equal(t, 55, total)
	assert.Equal(t, 55, distinct)
}

// syncBuffer collects log lines written from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestCorruptSpoolFilesAreSetAside(t *testing.T) {
	st := pgtest.NewStore(t, store.EnginePostgres)
	dir := t.TempDir()
	opts := ingest.Options{BatchSize: 10, Capacity: 10}
	killed := start(t, downWriter{}, opts, dir)
	submitAll(t, killed, results(50))
	spooled := int(testutil.ToFloat64(killed.metrics.IngestSpoolResults))
	require.Positive(t, spooled)

	// Low sequence numbers put the bad files first in line.
	bad := map[string]string{
		"00000000000000000001_" + uuid.NewString() + "_5.spool": "not json at all",
		"00000000000000000002_" + uuid.NewString() + "_5.spool": `{"format":"vinsight-ingest-spool","version":1,"batch_id":"`,
		"00000000000000000003_" + uuid.NewString() + "_5.spool": `{"format":"vinsight-ingest-spool","version":99,"results":[]}`,
		"notes.txt": "an operator's file in the wrong place",
	}
	for name, content := range bad {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600))
	}
	staleTemp, freshTemp := filepath.Join(dir, ".tmp-stale"), filepath.Join(dir, ".tmp-fresh")
	require.NoError(t, os.WriteFile(staleTemp, []byte("{"), 0o600))
	require.NoError(t, os.WriteFile(freshTemp, []byte("{"), 0o600))
	old := time.Now().Add(-2 * time.Hour)
	require.NoError(t, os.Chtimes(staleTemp, old, old))

	var logs syncBuffer
	next := startLogged(t, st, opts, dir, zerolog.New(&logs))
	require.NoError(t, next.Close(context.Background()))

	total, distinct := rows(t, st)
	assert.Equal(t, spooled, total, "the good files behind the bad ones are written")
	assert.Equal(t, total, distinct)
	for name := range bad {
		assert.FileExists(t, filepath.Join(dir, "rejected", name))
		assert.Contains(t, logs.String(), name, "the log names the file set aside")
	}
	assert.Equal(t, 4, strings.Count(logs.String(), `"level":"error"`))
	assert.Equal(t, 4.0, testutil.ToFloat64(next.metrics.IngestSetAside))
	assert.Equal(t, 0.0, testutil.ToFloat64(next.metrics.IngestDropped))
	assert.NoFileExists(t, staleTemp, "a crash's leftover temp file is removed")
	assert.FileExists(t, freshTemp, "a temp file that may be another worker's write in progress is kept")
	assert.Empty(t, spoolFiles(t, dir))
}
