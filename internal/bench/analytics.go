package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/vinsight/vinsight/backend/api"
	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/config"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/pgcluster"
	"github.com/vinsight/vinsight/internal/store"
)

// analyticsOptions sizes the read-side benchmark.
type analyticsOptions struct {
	Monitors int // monitors of the one tenant
	Days     int // days of one-minute history
	Requests int // requests per endpoint and concurrency
	RawDays  int // of the days, the newest ones seeded as raw rows (at most the raw retention); older ones as rollups
	Hold     bool
}

// benchRetention is the default retention: raw rows and 1-minute rollups
// for 30 days, hours for 400, days forever.
var benchRetention = store.Retention{RawDays: 30, MinuteDays: 30, HourDays: 400}

// runAnalytics seeds a tenant with history and measures the analytics
// endpoints through the real HTTP API, per engine.
func runAnalytics(ctx context.Context, o analyticsOptions) error {
	dir, err := os.MkdirTemp("", "vinsight-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	pg, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Settings: map[string]string{
		"shared_buffers": "4GB", "max_wal_size": "4GB", "work_mem": "64MB", "maintenance_work_mem": "1GB",
		"effective_cache_size": "16GB",
	}})
	if err != nil {
		return err
	}
	defer pg.Stop()
	if o.Hold {
		// Left running for a look at plans by hand once the figures are out.
		defer func() {
			fmt.Printf("\ncluster kept until Ctrl-C: psql %q\n", pg.URL("analytics_postgres"))
			<-ctx.Done()
		}()
	}
	fmt.Printf("\nV-Insight analytics benchmark: %d monitors, %d days of one result a minute each\n", o.Monitors, o.Days)
	fmt.Println("(raw rows and 1-minute rollups for the last 30 days, hourly and daily rollups for all of it;")
	fmt.Println("the plain engine's rollups older than raw retention are generated directly)")
	engines := []store.Engine{store.EnginePostgres}
	if pg.Timescale {
		engines = append(engines, store.EngineTimescale)
	} else {
		fmt.Println("TimescaleDB: not installed here, engine skipped")
	}
	for _, engine := range engines {
		if err := analyticsEngine(ctx, pg, engine, o); err != nil {
			return fmt.Errorf("%s: %w", engine, err)
		}
	}
	return nil
}

func analyticsEngine(ctx context.Context, pg *pgcluster.Cluster, engine store.Engine, o analyticsOptions) error {
	tracer := &lastQuery{}
	name := "analytics_" + string(engine)
	now := time.Now().UTC()
	st, err := createStoreWith(ctx, pg, name, store.Options{Storage: string(engine), Retention: benchRetention, Tracer: tracer, MaxConns: 40})
	if err != nil {
		return err
	}
	defer st.Close()
	tenantID, ids, err := createAnalyticsTenant(ctx, st, o.Monitors)
	if err != nil {
		return err
	}
	start := time.Now()
	rows, err := seedHistory(ctx, st, engine, tenantID, ids, o.Days, min(o.RawDays, benchRetention.RawDays), now)
	if err != nil {
		return err
	}
	fmt.Printf("\n[%s] seeded %d raw rows in %s\n", engine, rows, time.Since(start).Round(time.Second))
	// Seeding took minutes: results up to the present, as a running worker
	// would have written them meanwhile, so that the current hour has its
	// minutes. The seeded ones stop at the last whole step before now.
	present := time.Now().UTC()
	for day := now.Truncate(store.Day).Add(store.Day); day.Before(present); day = day.Add(store.Day) {
		if err := openDay(ctx, st, tenantID, ids[0], day); err != nil {
			return err
		}
	}
	topped, err := seedRawDay(ctx, st, tenantID, ids, now.Add(-time.Minute).Truncate(time.Minute).Add(time.Minute), present, time.Minute)
	if err != nil {
		return err
	}
	fmt.Printf("[%s] %d more up to the present\n", engine, topped)

	key, _ := auth.NewToken(auth.APIKeyPrefix)
	if _, err := st.CreateAPIKey(ctx, tenantID, auth.Actor{Type: "system", Name: "bench"}, store.NewAPIKey{
		Name: "bench", Scope: auth.ScopeRead, Prefix: auth.KeyDisplayPrefix(key), KeyHash: auth.HashToken(key)}); err != nil {
		return err
	}
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"DATABASE_URL": pg.URL(name), "VINSIGHT_API_RATE_PER_SECOND": "1000000", "VINSIGHT_API_RATE_BURST": "1000000"}[k]
	})
	if err != nil {
		return err
	}
	srv := httptest.NewServer(api.New(api.Deps{Store: st, Config: cfg, Log: zerolog.Nop(), Registry: prometheus.NewRegistry()}).Router())
	defer srv.Close()

	one := ids[len(ids)/2].String()
	endpoints := []struct{ name, path string }{
		{"uptime 90d, one monitor", "/api/v1/monitors/" + one + "/uptime?windows=90d"},
		{"uptime 1h..90d, one monitor", "/api/v1/monitors/" + one + "/uptime"},
		{"series 30d (2h step, 360 points)", "/api/v1/monitors/" + one + "/series?from=" + now.Add(-30*store.Day).Format(time.RFC3339)},
		{"series 24h (5m step, 288 points)", "/api/v1/monitors/" + one + "/series"},
		{"daily 90 days", "/api/v1/monitors/" + one + "/daily?days=90"},
		{"results, newest 100", "/api/v1/monitors/" + one + "/results"},
		{fmt.Sprintf("dashboard, %d monitors", len(ids)), "/api/v1/dashboard"},
		{fmt.Sprintf("SLA 30d, %d monitors", len(ids)), "/api/v1/reports/sla?from=" + now.Add(-30*store.Day).Format(time.RFC3339)},
	}
	// As a running worker would have: every complete bucket materialized.
	if err := st.MaterializeRollups(ctx, time.Now()); err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	fmt.Printf("\n%-36s %10s %12s %12s %12s %12s %10s\n", "endpoint", "first", "c=1 p50", "c=1 p99", "c=32 p50", "c=32 p99", "c=32 req/s")
	for _, e := range endpoints {
		// The first request warms the server's connections and plans, and
		// the dashboard's kept days; it is shown on its own.
		start := time.Now()
		if err := get(ctx, client, srv.URL+e.path, key); err != nil {
			return fmt.Errorf("%s: %w", e.name, err)
		}
		cols := []string{ms(time.Since(start))}
		var rate float64
		for _, conc := range []int{1, 32} {
			lat, elapsed, err := hammer(ctx, client, srv.URL+e.path, key, conc, o.Requests)
			if err != nil {
				return fmt.Errorf("%s: %w", e.name, err)
			}
			cols = append(cols, ms(percentile(lat, 0.5)), ms(percentile(lat, 0.99)))
			rate = float64(len(lat)) / elapsed.Seconds()
		}
		fmt.Printf("%-36s %10s %12s %12s %12s %12s %10.0f\n", e.name, cols[0], cols[1], cols[2], cols[3], cols[4], rate)
	}

	proms, err := benchPromQL(ctx, client, srv.URL, key, len(ids), now, o.Requests)
	if err != nil {
		return err
	}

	fmt.Println("\nWhat each query reads (EXPLAIN ANALYZE of the store's statement; scans with actual rows):")
	for _, e := range []struct{ name, path string }{endpoints[0], endpoints[2], endpoints[6], proms[0]} {
		tracer.arm()
		if err := get(ctx, client, srv.URL+e.path, key); err != nil {
			return err
		}
		sql, args := tracer.aggregate()
		plan, err := explain(ctx, st, sql, args)
		if err != nil {
			return fmt.Errorf("explain %s: %w", e.name, err)
		}
		fmt.Printf("\n%s:\n%s", e.name, plan)
	}
	return nil
}

// benchPromQL times PromQL range queries over the last 30 days at a 1-hour
// step across every monitor, as a Grafana panel of the whole tenant asks
// them: they read hourly rollup buckets. Each takes seconds, so there are
// fewer requests than for the endpoints, one at a time. It returns the
// queries it timed.
func benchPromQL(ctx context.Context, client *http.Client, base, key string, monitors int, now time.Time, requests int) ([]struct{ name, path string }, error) {
	end := now.Truncate(time.Hour)
	rangeQuery := func(q string) string {
		return "/api/v1/prom/api/v1/query_range?" + url.Values{"query": {q}, "step": {"3600"},
			"start": {end.Add(-30 * store.Day).Format(time.RFC3339)}, "end": {end.Format(time.RFC3339)}}.Encode()
	}
	queries := []struct{ name, path string }{
		{fmt.Sprintf("PromQL mean hourly uptime, %d monitors", monitors), rangeQuery(`avg(avg_over_time(probe_success[1h]))`)},
		{fmt.Sprintf("PromQL uptime from counters, %d monitors", monitors),
			rangeQuery(`sum(increase(probe_all_success_sum[2h])) / sum(increase(probe_all_success_count[2h]))`)},
	}
	n := max(20, requests/10)
	fmt.Printf("\nPromQL query_range, 30 days at a 1-hour step (721 points), %d requests at concurrency 1:\n", n)
	fmt.Printf("%-48s %12s %12s\n", "query", "p50", "p99")
	for _, q := range queries {
		if err := get(ctx, client, base+q.path, key); err != nil { // warm and check once
			return nil, fmt.Errorf("%s: %w", q.name, err)
		}
		lat, _, err := hammer(ctx, client, base+q.path, key, 1, n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", q.name, err)
		}
		fmt.Printf("%-48s %12s %12s\n", q.name, ms(percentile(lat, 0.5)), ms(percentile(lat, 0.99)))
	}
	return queries, nil
}

// createAnalyticsTenant creates one tenant with n HTTP monitors at 60 s.
func createAnalyticsTenant(ctx context.Context, st *store.Store, n int) (uuid.UUID, []uuid.UUID, error) {
	urls := []string{"https://example.com"}
	if err := createTenantMonitors(ctx, st, urls, 0, 0, n, time.Minute, 10*time.Second); err != nil {
		return uuid.Nil, nil, err
	}
	var tenantID uuid.UUID
	if err := st.Pool().QueryRow(ctx, `SELECT id FROM tenants`).Scan(&tenantID); err != nil {
		return uuid.Nil, nil, err
	}
	rows, err := st.Pool().Query(ctx, `SELECT id FROM monitors WHERE tenant_id = $1 ORDER BY name`, tenantID)
	if err != nil {
		return uuid.Nil, nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	return tenantID, ids, err
}

// seedHistory writes days of one-minute results for every monitor: raw
// rows for the raw retention, folded into the rollups a day at a time the
// way the engine does it. Older history exists only as rollups: the plain
// engine gets them generated directly; TimescaleDB gets raw rows that its
// own aggregates fold and its retention then drops.
func seedHistory(ctx context.Context, st *store.Store, engine store.Engine, tenantID uuid.UUID, ids []uuid.UUID, days, rawDays int, now time.Time) (int64, error) {
	today := now.Truncate(store.Day)
	first := today.AddDate(0, 0, 1-days)
	rawFrom := today.AddDate(0, 0, -rawDays)
	if engine == store.EngineTimescale || rawFrom.Before(first) {
		rawFrom = first
	}
	if engine == store.EnginePostgres && first.Before(rawFrom) {
		if err := seedOldRollups(ctx, st, tenantID, ids, first, rawFrom); err != nil {
			return 0, err
		}
	}
	var total int64
	for day := rawFrom; day.Before(now); day = day.Add(store.Day) {
		end := day.Add(store.Day)
		if end.After(now) {
			end = now
		}
		if err := openDay(ctx, st, tenantID, ids[0], day); err != nil {
			return 0, err
		}
		n, err := seedRawDay(ctx, st, tenantID, ids, day, end, time.Minute)
		if err != nil {
			return 0, err
		}
		total += n + 1
		if engine == store.EnginePostgres {
			err = st.MaterializeRollups(ctx, end)
		} else {
			err = st.RefreshRollups(ctx)
		}
		if err != nil {
			return 0, err
		}
		fmt.Printf("\r  %s: %d raw rows so far", day.Format(time.DateOnly), total)
	}
	fmt.Println()
	if engine == store.EngineTimescale {
		if _, err := st.Pool().Exec(ctx, `SELECT drop_chunks('check_results', older_than => $1::timestamptz)`, today.AddDate(0, 0, -benchRetention.RawDays)); err != nil {
			return 0, err
		}
	}
	// Statistics as autoanalyze would have them; on the plain engine the
	// rollup tables' pages marked all-visible, as autovacuum keeps these
	// append-mostly tables, so that index-only scans can answer from them.
	if engine == store.EnginePostgres {
		if _, err := st.Pool().Exec(ctx, `VACUUM check_rollup_1d_mat, check_rollup_1h_mat`); err != nil {
			return 0, err
		}
	}
	_, err := st.Pool().Exec(ctx, `ANALYZE`)
	return total, err
}

// resultSQL generates one result per monitor every $5 (an interval) over
// [$3, $4): latencies from 20 to 119 ms, at one-minute steps one check in 200
// down, latencies over 110 ms degraded. Monitor i reports i*37 ms into each step.
const resultSQL = `
	SELECT t + m.i * interval '37 milliseconds', $1::uuid, m.id, 'bench',
		CASE WHEN (m.i + extract(epoch FROM t)::bigint / 60) % 200 = 0 THEN 'down'
		     WHEN 20 + (m.i * 7 + extract(epoch FROM t)::bigint / 60 * 13) % 100 > 110 THEN 'degraded' ELSE 'up' END,
		CASE WHEN (m.i + extract(epoch FROM t)::bigint / 60) % 200 = 0 THEN NULL
		     ELSE 20 + (m.i * 7 + extract(epoch FROM t)::bigint / 60 * 13) % 100 END,
		200
	FROM generate_series($3::timestamptz, $4::timestamptz - $5::interval, $5::interval) AS t
	CROSS JOIN unnest($2::uuid[]) WITH ORDINALITY AS m(id, i)`

// openDay writes one result through the store's own write path, which makes
// the day's partition the way production does; the rest of a day's results
// are generated in SQL.
func openDay(ctx context.Context, st *store.Store, tenantID, monitorID uuid.UUID, day time.Time) error {
	lat := 20.0
	return st.WriteResults(ctx, []model.CheckResult{{Time: day, TenantID: tenantID, MonitorID: monitorID,
		Region: "bench", Status: model.ResultUp, LatencyMS: &lat, StatusCode: 200}})
}

// seedRawDay writes every monitor's results over [from, to), one each step.
func seedRawDay(ctx context.Context, st *store.Store, tenantID uuid.UUID, ids []uuid.UUID, from, to time.Time, step time.Duration) (int64, error) {
	tag, err := st.Pool().Exec(ctx, `
		INSERT INTO check_results (time, tenant_id, monitor_id, region, status, latency_ms, status_code)`+resultSQL,
		tenantID, ids, from, to, step)
	return tag.RowsAffected(), err
}

// seedOldRollups writes the plain engine's hourly rollups for [from, to)
// as the same generator would have produced them, the daily ones from
// those with the engine's own function, and moves the watermarks to to.
func seedOldRollups(ctx context.Context, st *store.Store, tenantID uuid.UUID, ids []uuid.UUID, from, to time.Time) error {
	var les, cols []string
	for _, b := range model.LatencyBoundsMS {
		les = append(les, fmt.Sprintf("count(*) FILTER (WHERE latency_ms <= %d) AS le_%dms", b, b))
		cols = append(cols, fmt.Sprintf("le_%dms", b))
	}
	return pgx.BeginFunc(ctx, st.Pool(), func(tx pgx.Tx) error {
		// One generated hour per monitor, repeated for every hour: the read
		// side's cost does not depend on the values.
		_, err := tx.Exec(ctx, `
			CREATE TEMP TABLE one_hour ON COMMIT DROP AS
			SELECT r.monitor_id, count(*) AS checks, count(*) FILTER (WHERE status = 'up') AS up_checks,
				count(*) FILTER (WHERE status = 'degraded') AS degraded_checks, count(latency_ms) AS latency_count,
				coalesce(sum(latency_ms), 0) AS latency_sum_ms, min(latency_ms) AS latency_min_ms,
				max(latency_ms) AS latency_max_ms, `+strings.Join(les, ", ")+`
			FROM (`+resultSQL+`) AS r(time, tenant_id, monitor_id, region, status, latency_ms, status_code)
			GROUP BY 1`, tenantID, ids, from, from.Add(time.Hour), time.Minute)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO check_rollup_1h_mat
			SELECT $1::uuid, o.monitor_id, h, o.checks, o.up_checks, o.degraded_checks, o.latency_count,
				o.latency_sum_ms, o.latency_min_ms, o.latency_max_ms, o.`+strings.Join(cols, ", o.")+`
			FROM generate_series($2::timestamptz, $3::timestamptz - interval '1 hour', interval '1 hour') AS h
			CROSS JOIN one_hour o`, tenantID, from, to)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO check_rollup_1d_mat SELECT * FROM rollup_1d_from_1h($1, $2)`, from, to); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE rollup_watermarks SET minute_mark = $1, hour_mark = $1, day_mark = $1`, to)
		return err
	})
}

// lastQuery remembers the analytics statement of the request it is armed
// for, so the benchmark can EXPLAIN exactly what the store ran.
type lastQuery struct {
	mu    sync.Mutex
	armed bool
	sql   string
	args  []any
}

func (q *lastQuery) arm() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.armed, q.sql, q.args = true, "", nil
}

func (q *lastQuery) aggregate() (string, []any) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.armed = false
	return q.sql, q.args
}

func (q *lastQuery) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.armed && strings.Contains(d.SQL, "CROSS JOIN LATERAL") && strings.Contains(d.SQL, "check_rollup_1d") {
		q.sql, q.args = d.SQL, d.Args
	}
	return ctx
}

func (q *lastQuery) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

var scanLine = regexp.MustCompile(`(Scan|Function Scan)\b.* on (\S+).*actual time=[0-9.]+\.\.[0-9.]+ rows=(\d+) loops=(\d+)`)

// explain runs EXPLAIN ANALYZE on the statement and lists the relations it
// scanned with their actual rows, and the execution time.
func explain(ctx context.Context, st *store.Store, sql string, args []any) (string, error) {
	rows, err := st.Pool().Query(ctx, "EXPLAIN (ANALYZE, COSTS OFF) "+sql, args...)
	if err != nil {
		return "", err
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, l := range lines {
		if m := scanLine.FindStringSubmatch(l); m != nil {
			fmt.Fprintf(&b, "  %-40s rows %s x %s loops\n", strings.TrimSpace(strings.SplitN(l, "(actual", 2)[0]), m[3], m[4])
		} else if strings.Contains(l, "Execution Time") || strings.Contains(l, "Planning Time") {
			fmt.Fprintf(&b, "  %s\n", strings.TrimSpace(l))
		}
	}
	return b.String(), nil
}

// get fetches path once and fails on anything but 200.
func get(ctx context.Context, c *http.Client, u, key string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		var env struct {
			Error json.RawMessage `json:"error"`
		}
		_ = json.Unmarshal(body, &env)
		return fmt.Errorf("GET %s: %d %s", mustPath(u), resp.StatusCode, env.Error)
	}
	return nil
}

func mustPath(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return p.RequestURI()
}

// hammer sends n requests from conc clients at once and returns each
// request's latency.
func hammer(ctx context.Context, c *http.Client, u, key string, conc, n int) ([]time.Duration, time.Duration, error) {
	lat := make([]time.Duration, n)
	next := make(chan int)
	errc := make(chan error, conc)
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t0 := time.Now()
				if err := get(ctx, c, u, key); err != nil {
					errc <- err
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	var err error
feed:
	for i := range n {
		select {
		case next <- i:
		case err = <-errc:
			break feed
		}
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(start)
	if err == nil && len(errc) > 0 {
		err = <-errc
	}
	slices.Sort(lat)
	return lat, elapsed, err
}

// percentile is the q-quantile of sorted latencies (nearest rank).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
