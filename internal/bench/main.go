// Command bench is `make bench`: write-path throughput per storage engine,
// measured against a bare COPY into a table of the same shape in the same run
// on a private PostgreSQL cluster, then the probe engine: the real worker
// binary probing thousands of loopback HTTP monitors (probes.go).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/pgcluster"
	"github.com/vinsight/vinsight/internal/store"
)

func main() {
	rows := flag.Int("rows", 1_000_000, "write path: rows written per measurement")
	monitors := flag.Int("monitors", 10_000, "write path: distinct monitors in the generated data")
	writesOnly := flag.Bool("writes", false, "run only the write-path benchmark")
	probesOnly := flag.Bool("probes", false, "run only the probe-engine benchmark")
	alertsOnly := flag.Bool("alerts", false, "run only the alerting benchmark")
	alertMonitors := flag.Int("alert-monitors", 1000, "alerting: monitors that go down together")
	analyticsOnly := flag.Bool("analytics", false, "run only the analytics (read side) benchmark")
	analyticsMonitors := flag.Int("analytics-monitors", 1000, "analytics: monitors of the seeded tenant")
	analyticsDays := flag.Int("analytics-days", 90, "analytics: days of one-minute history")
	analyticsRequests := flag.Int("analytics-requests", 300, "analytics: requests per endpoint and concurrency")
	analyticsRawDays := flag.Int("analytics-raw-days", 30, "analytics: newest days seeded as raw rows (older ones as rollups; at most the raw retention)")
	analyticsHold := flag.Bool("analytics-hold", false, "analytics: keep the cluster running after the figures, until Ctrl-C")
	fleets := flag.String("probe-monitors", "1000,10000", "probe engine: comma-separated fleet sizes, one run each")
	measure := flag.Duration("probe-duration", 2*time.Minute, "probe engine: measured window per fleet")
	worker := flag.String("worker", "", "probe engine: worker binary (empty: go build ./worker into a temp dir)")
	seedTenant := flag.String("seed-dashboard", "", "UI benchmark: seed history for this tenant id's monitors in -database-url, then exit")
	databaseURL := flag.String("database-url", "", "UI benchmark: the running stack's database")
	seedDays := flag.Int("seed-days", 90, "UI benchmark: days of history to seed")
	flag.Parse()
	if *seedTenant != "" {
		if err := runSeedDashboard(*databaseURL, *seedTenant, *seedDays); err != nil {
			fmt.Fprintln(os.Stderr, "bench: -seed-dashboard:", err)
			os.Exit(1)
		}
		return
	}
	sizes, err := parseSizes(*fleets)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: -probe-monitors:", err)
		os.Exit(2)
	}
	// Ctrl-C ends the run cleanly: the worker and the clusters are stopped.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	all := !*writesOnly && !*probesOnly && !*alertsOnly && !*analyticsOnly
	if all || *writesOnly {
		err = runWrites(ctx, *rows, *monitors)
	}
	if err == nil && (all || *analyticsOnly) {
		err = runAnalytics(ctx, analyticsOptions{Monitors: *analyticsMonitors, Days: *analyticsDays, Requests: *analyticsRequests,
			RawDays: *analyticsRawDays, Hold: *analyticsHold})
	}
	if err == nil && (all || *probesOnly) {
		err = runProbes(ctx, probeOptions{Fleets: sizes, Measure: *measure, Worker: *worker})
	}
	if err == nil && (all || *alertsOnly) {
		err = runAlerts(ctx, *alertMonitors, *worker)
	}
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("interrupted; the worker and the cluster are stopped (%w)", err)
		}
		stop()
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseSizes(list string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive number of monitors", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// runWrites is the write-path benchmark.
func runWrites(ctx context.Context, rows, monitors int) error {
	dir, err := os.MkdirTemp("", "vinsight-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// Memory settings of a modest production server (this machine has 24 GiB);
	// PostgreSQL's defaults (128 MB of buffers) would measure eviction instead.
	pg, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Settings: map[string]string{
		"shared_buffers": "2GB", "max_wal_size": "8GB", "work_mem": "64MB", "maintenance_work_mem": "512MB",
	}})
	if err != nil {
		return err
	}
	defer pg.Stop()

	fmt.Printf("V-Insight write-path benchmark: %d rows per run, %d monitors, %d CPUs, %s\n",
		rows, monitors, runtime.NumCPU(), runtime.Version())
	fmt.Println("PostgreSQL private cluster: fsync=off, synchronous_commit=off, shared_buffers=2GB (the same for every column)")
	data := generate(rows, monitors)

	engines := []store.Engine{store.EnginePostgres}
	if pg.Timescale {
		engines = append(engines, store.EngineTimescale)
	} else {
		fmt.Println("TimescaleDB: not installed here, engine skipped")
	}
	fmt.Println("\nrows/s; write = the store's batch path (raw rows + exact rollups through the late-row")
	fmt.Println("trigger and real-time views); materialize = the rollup job folding those rows into")
	fmt.Println("the rollup tables; both = one process doing both, back to back.")
	fmt.Printf("\n%-10s %6s %10s %10s %6s %12s %10s %6s\n", "engine", "batch", "bare COPY", "write", "ratio", "materialize", "both", "ratio")
	for _, engine := range engines {
		for _, batch := range []int{1000, 5000} {
			r, err := measure(ctx, pg, engine, data, batch)
			if err != nil {
				return err
			}
			fmt.Printf("%-10s %6d %10.0f %10.0f %5.0f%% %12.0f %10.0f %5.0f%%\n", engine, batch,
				r.bare, r.write, 100*r.write/r.bare, r.materialize, r.combined(), 100*r.combined()/r.bare)
		}
	}
	return nil
}

// generate makes rows the way a fleet of monitors produces them: every
// monitor once per minute, start times spread across the minute, in time
// order, about 85% up, 10% degraded, 5% down.
func generate(rows, monitors int) []model.CheckResult {
	tenants := make([]uuid.UUID, 100)
	for i := range tenants {
		tenants[i] = uuid.New()
	}
	ids := make([]uuid.UUID, monitors)
	for i := range ids {
		ids[i] = uuid.New()
	}
	start := time.Now().UTC().Truncate(24 * time.Hour).Add(-2 * time.Hour)
	step := time.Minute / time.Duration(monitors)
	out := make([]model.CheckResult, rows)
	for i := range out {
		m := i % monitors
		lat := float64(20 + (i*7919)%480)
		r := model.CheckResult{Time: start.Add(time.Duration(i) * step), TenantID: tenants[m%len(tenants)],
			MonitorID: ids[m], Region: "bench", Status: model.ResultUp, LatencyMS: &lat, StatusCode: 200}
		switch i % 20 {
		case 0:
			r.Status, r.StatusCode, r.ErrorKind, r.LatencyMS = model.ResultDown, 0, "timeout", nil
		case 1, 2:
			r.Status = model.ResultDegraded
		}
		out[i] = r
	}
	return out
}

// result is one measurement, in rows per second.
type result struct {
	bare, write, materialize float64
}

// combined is the rate when the same process both writes and materializes.
func (r result) combined() float64 { return 1 / (1/r.write + 1/r.materialize) }

// measure writes the data with a bare COPY and through the store's batch
// path, each into a fresh database. The plain engine's materialization job
// runs as it would in the worker, once per minute of data time, and is timed
// apart from the writes; TimescaleDB's aggregates are refreshed at the end.
func measure(ctx context.Context, pg *pgcluster.Cluster, engine store.Engine, data []model.CheckResult, batch int) (result, error) {
	var r result
	st, err := freshStore(ctx, pg, engine)
	if err != nil {
		return r, err
	}
	defer st.Close()
	if err := createBareTable(ctx, st, engine, data); err != nil {
		return r, err
	}
	conn, err := st.Pool().Acquire(ctx)
	if err != nil {
		return r, err
	}
	start := time.Now()
	for i := 0; i < len(data); i += batch {
		chunk := data[i:min(i+batch, len(data))]
		if _, err := conn.Conn().CopyFrom(ctx, pgx.Identifier{"bare_results"}, store.ResultColumns, store.CopyResults(chunk)); err != nil {
			conn.Release()
			return r, fmt.Errorf("bare copy: %w", err)
		}
	}
	r.bare = float64(len(data)) / time.Since(start).Seconds()
	conn.Release()

	var writing, materializing time.Duration
	var materialized time.Time
	for i := 0; i < len(data); i += batch {
		chunk := data[i:min(i+batch, len(data))]
		t0 := time.Now()
		if err := st.WriteResults(ctx, chunk); err != nil {
			return r, err
		}
		writing += time.Since(t0)
		if clock := chunk[len(chunk)-1].Time.Truncate(time.Minute); clock.After(materialized) {
			t0 = time.Now()
			if err := st.MaterializeRollups(ctx, clock); err != nil {
				return r, err
			}
			materializing += time.Since(t0)
			materialized = clock
		}
	}
	if engine == store.EngineTimescale {
		t0 := time.Now()
		if err := st.RefreshRollups(ctx); err != nil {
			return r, err
		}
		materializing += time.Since(t0)
	}
	r.write = float64(len(data)) / writing.Seconds()
	r.materialize = float64(len(data)) / materializing.Seconds()
	return r, nil
}

var dbSeq int

func freshStore(ctx context.Context, pg *pgcluster.Cluster, engine store.Engine) (*store.Store, error) {
	dbSeq++
	return createStore(ctx, pg, fmt.Sprintf("bench_%d", dbSeq), engine)
}

// createStore creates database name on the cluster and migrates it.
func createStore(ctx context.Context, pg *pgcluster.Cluster, name string, engine store.Engine) (*store.Store, error) {
	return createStoreWith(ctx, pg, name, store.Options{Storage: string(engine), SecretKey: benchKey})
}

// createStoreWith creates database name and opens it with opts, migrated.
func createStoreWith(ctx context.Context, pg *pgcluster.Cluster, name string, opts store.Options) (*store.Store, error) {
	conn, err := pgx.Connect(ctx, pg.URL("postgres"))
	if err != nil {
		return nil, err
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+name)
	conn.Close(ctx)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, pg.URL(name), opts)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// createBareTable makes a table shaped like check_results, with the same
// index and the same partitioning, but no rollups.
func createBareTable(ctx context.Context, st *store.Store, engine store.Engine, data []model.CheckResult) error {
	if engine == store.EngineTimescale {
		_, err := st.Pool().Exec(ctx, `
			CREATE TABLE bare_results (LIKE check_results INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
			SELECT create_hypertable('bare_results', by_range('time', INTERVAL '1 day'));
			CREATE INDEX ON bare_results (tenant_id, monitor_id, time DESC);`)
		return err
	}
	_, err := st.Pool().Exec(ctx, `
		CREATE TABLE bare_results (LIKE check_results INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (time);
		CREATE INDEX ON bare_results (tenant_id, monitor_id, time DESC);`)
	if err != nil {
		return err
	}
	first, last := data[0].Time.UTC().Truncate(24*time.Hour), data[len(data)-1].Time
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		sql := fmt.Sprintf(`CREATE TABLE bare_results_%s PARTITION OF bare_results FOR VALUES FROM ('%s') TO ('%s')`,
			d.Format("20060102"), d.Format(time.RFC3339), d.AddDate(0, 0, 1).Format(time.RFC3339))
		if _, err := st.Pool().Exec(ctx, sql); err != nil {
			return err
		}
	}
	return st.MaintainPartitions(ctx, first)
}
