package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/pgcluster"
	"github.com/vinsight/vinsight/internal/store"
	"github.com/vinsight/vinsight/worker/ingest"
)

// outageCluster is a private PostgreSQL that the test stops and starts
// again on the same port and data directory, which the package's shared
// cluster must not be put through.
type outageCluster struct {
	dir  string
	port int
	pg   *pgcluster.Cluster
}

func startOutageCluster(t *testing.T) *outageCluster {
	t.Helper()
	parent, err := os.MkdirTemp("", "vinsight-ingest-outage-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(parent) })
	// Run as root, the server runs as another account that must reach it.
	require.NoError(t, os.Chmod(parent, 0o755))
	port, err := pgcluster.FreePort()
	require.NoError(t, err)
	c := &outageCluster{dir: filepath.Join(parent, "pg"), port: port}
	c.start(t)
	t.Cleanup(func() { _ = c.pg.Stop() }) // also when the test fails half-way
	return c
}

func (c *outageCluster) start(t *testing.T) {
	t.Helper()
	pg, err := pgcluster.Start(context.Background(), pgcluster.Options{Dir: c.dir, Port: c.port})
	require.NoError(t, err)
	c.pg = pg
}

// feeder submits one result every tick, like probes that keep running, and
// remembers how many it submitted and the longest Submit took.
type feeder struct {
	submitted   atomic.Int64
	failed      atomic.Int64
	slowestNano atomic.Int64
	stop        chan struct{}
	done        sync.WaitGroup
}

func feed(b *ingest.Buffer, every time.Duration) *feeder {
	f := &feeder{stop: make(chan struct{})}
	tenant := uuid.New()
	monitors := make([]uuid.UUID, 10)
	for i := range monitors {
		monitors[i] = uuid.New()
	}
	// Each result gets its own (monitor_id, time), so a row written twice
	// shows as a duplicate pair.
	origin := time.Now().UTC().Truncate(time.Millisecond)
	f.done.Add(1)
	go func() {
		defer f.done.Done()
		ticker := time.NewTicker(every)
		defer ticker.Stop()
		for i := 0; ; i++ {
			select {
			case <-f.stop:
				return
			case <-ticker.C:
			}
			lat := float64(i % 500)
			r := model.CheckResult{Time: origin.Add(time.Duration(i) * time.Millisecond), TenantID: tenant,
				MonitorID: monitors[i%len(monitors)], Region: "test", Status: model.ResultUp, LatencyMS: &lat, StatusCode: 200}
			began := time.Now()
			if err := b.Submit(context.Background(), r); err != nil {
				f.failed.Add(1)
				continue
			}
			took := time.Since(began).Nanoseconds()
			for slowest := f.slowestNano.Load(); took > slowest && !f.slowestNano.CompareAndSwap(slowest, took); slowest = f.slowestNano.Load() {
			}
			f.submitted.Add(1)
		}
	}()
	return f
}

func (f *feeder) halt() {
	select {
	case <-f.stop:
	default:
		close(f.stop)
	}
	f.done.Wait()
}

// TestNothingLostOrDuplicatedAcrossADatabaseOutage stops PostgreSQL for 60 s
// while results keep coming, with a memory buffer small enough that most of
// the outage goes to the spool, and counts the rows afterwards.
func TestNothingLostOrDuplicatedAcrossADatabaseOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("stops PostgreSQL for 60 s")
	}
	const outage = 60 * time.Second
	ctx := context.Background()
	cluster := startOutageCluster(t)
	admin, err := pgx.Connect(ctx, cluster.pg.URL("postgres"))
	require.NoError(t, err)
	_, err = admin.Exec(ctx, `CREATE DATABASE outage`)
	require.NoError(t, err)
	require.NoError(t, admin.Close(ctx))
	st, err := store.Open(ctx, cluster.pg.URL("outage"), store.Options{Storage: string(store.EnginePostgres)})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	require.NoError(t, st.Migrate(ctx))

	b := start(t, st, ingest.Options{BatchSize: 50, FlushInterval: 100 * time.Millisecond, Capacity: 200}, "")
	f := feed(b.Buffer, 5*time.Millisecond) // 200 results a second
	t.Cleanup(f.halt)

	require.Eventually(t, func() bool { return count(t, st) > 0 }, 10*time.Second, 50*time.Millisecond,
		"results reach the database before the outage")
	time.Sleep(2 * time.Second)

	require.NoError(t, cluster.pg.Stop())
	stoppedAt := time.Now()
	time.Sleep(outage)
	spooledDuringOutage := testutil.ToFloat64(b.metrics.IngestSpoolResults)
	cluster.start(t)
	t.Logf("PostgreSQL was down for %s; %.0f results in the spool, %.0f in memory when it came back",
		time.Since(stoppedAt).Round(time.Millisecond), spooledDuringOutage, testutil.ToFloat64(b.metrics.IngestQueueDepth))

	time.Sleep(5 * time.Second)
	f.halt()
	closeCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	require.NoError(t, b.Close(closeCtx))

	submitted := int(f.submitted.Load())
	total, distinct := rows(t, st)
	t.Logf("submitted %d, rows %d, slowest Submit %s", submitted, total, time.Duration(f.slowestNano.Load()))
	assert.Zero(t, f.failed.Load(), "Submit never failed")
	assert.Greater(t, spooledDuringOutage, 5000.0, "the outage went to the spool")
	assert.Equal(t, submitted, total, "every submitted result is in check_results")
	assert.Equal(t, total, distinct, "no result written twice")
	assert.Equal(t, 0.0, testutil.ToFloat64(b.metrics.IngestDropped), "nothing dropped")
	assert.Equal(t, 0.0, testutil.ToFloat64(b.metrics.IngestSetAside))
	assert.Equal(t, 0.0, testutil.ToFloat64(b.metrics.IngestSpoolResults), "the spool is drained")
	assert.Equal(t, 0.0, testutil.ToFloat64(b.metrics.IngestQueueDepth))
	assert.Positive(t, testutil.ToFloat64(b.metrics.IngestErrors), "writes failed during the outage")
	assert.Less(t, time.Duration(f.slowestNano.Load()), time.Second, "Submit never held up the probes")
}
