package store_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

// rollupRow is one bucket of a rollup with every column, for comparison.
type rollupRow struct {
	Tenant, Monitor uuid.UUID
	Bucket          time.Time
	Counts          []int64 // checks, up, degraded, latency_count, le_* ...
	Sum             float64
	Min, Max        *float64
}

func (r rollupRow) key() string {
	return fmt.Sprintf("%s/%s/%s", r.Tenant, r.Monitor, r.Bucket.UTC().Format(time.RFC3339))
}

func leColumns() []string {
	cols := make([]string, len(model.LatencyBoundsMS))
	for i, b := range model.LatencyBoundsMS {
		cols[i] = fmt.Sprintf("le_%dms", b)
	}
	return cols
}

func queryRollup(t *testing.T, s *store.Store, sql string) map[string]rollupRow {
	t.Helper()
	rows, err := s.Pool().Query(context.Background(), sql)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]rollupRow{}
	for rows.Next() {
		var r rollupRow
		r.Counts = make([]int64, 4+len(model.LatencyBoundsMS))
		dest := []any{&r.Tenant, &r.Monitor, &r.Bucket, &r.Sum, &r.Min, &r.Max}
		for i := range r.Counts {
			dest = append(dest, &r.Counts[i])
		}
		require.NoError(t, rows.Scan(dest...))
		out[r.key()] = r
	}
	require.NoError(t, rows.Err())
	return out
}

// recomputed aggregates raw rows with date_bin, the read-side definition.
func recomputed(t *testing.T, s *store.Store, stride string) map[string]rollupRow {
	les := make([]string, len(model.LatencyBoundsMS))
	for i, b := range model.LatencyBoundsMS {
		les[i] = fmt.Sprintf("count(*) FILTER (WHERE latency_ms <= %d)", b)
	}
	return queryRollup(t, s, fmt.Sprintf(`
		SELECT tenant_id, monitor_id, date_bin('%s', time, '2000-01-03 00:00+00'),
		       coalesce(sum(latency_ms), 0), min(latency_ms), max(latency_ms),
		       count(*), count(*) FILTER (WHERE status = 'up'), count(*) FILTER (WHERE status = 'degraded'),
		       count(latency_ms), %s
		FROM check_results GROUP BY 1, 2, 3`, stride, strings.Join(les, ", ")))
}

func stored(t *testing.T, s *store.Store, table string) map[string]rollupRow {
	return queryRollup(t, s, fmt.Sprintf(`
		SELECT tenant_id, monitor_id, bucket, latency_sum_ms, latency_min_ms, latency_max_ms,
		       checks, up_checks, degraded_checks, latency_count, %s
		FROM %s`, strings.Join(leColumns(), ", "), table))
}

func assertRollupsMatchRaw(t *testing.T, s *store.Store) {
	t.Helper()
	for _, r := range []struct{ table, stride string }{
		{"check_rollup_1m", "1 minute"}, {"check_rollup_1h", "1 hour"}, {"check_rollup_1d", "1 day"},
	} {
		want, got := recomputed(t, s, r.stride), stored(t, s, r.table)
		require.NotEmpty(t, want)
		assert.Equal(t, sortedKeys(want), sortedKeys(got), "%s buckets", r.table)
		for k, w := range want {
			g, ok := got[k]
			if !ok {
				continue
			}
			assert.Equal(t, w.Counts, g.Counts, "%s %s counts", r.table, k)
			assert.InDelta(t, w.Sum, g.Sum, 1e-6*math.Max(1, w.Sum), "%s %s latency sum", r.table, k)
			assert.Equal(t, w.Min, g.Min, "%s %s min", r.table, k)
			assert.Equal(t, w.Max, g.Max, "%s %s max", r.table, k)
		}
	}
}

func sortedKeys(m map[string]rollupRow) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// generator makes random results for a few tenants and monitors around a
// day boundary, so batches cross minute, hour and day buckets.
type generator struct {
	rng      *rand.Rand
	monitors [][2]uuid.UUID // tenant, monitor
	midnight time.Time
}

func newGenerator(seed uint64) *generator {
	g := &generator{rng: rand.New(rand.NewPCG(seed, 42)), midnight: time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)}
	for range 3 {
		tenant := uuid.New()
		for range 4 {
			g.monitors = append(g.monitors, [2]uuid.UUID{tenant, uuid.New()})
		}
	}
	return g
}

func (g *generator) result(at time.Time) model.CheckResult {
	m := g.monitors[g.rng.IntN(len(g.monitors))]
	r := model.CheckResult{Time: at, TenantID: m[0], MonitorID: m[1], Region: "test"}
	switch p := g.rng.Float64(); {
	case p < 0.75:
		r.Status = model.ResultUp
	case p < 0.85:
		r.Status = model.ResultDegraded
	default:
		r.Status = model.ResultDown
		r.ErrorKind = "timeout"
	}
	if r.Status != model.ResultDown || g.rng.IntN(2) == 0 {
		// Latencies straddle the bucket bounds, including exact bound values.
		var lat float64
		if g.rng.IntN(5) == 0 {
			lat = float64(model.LatencyBoundsMS[g.rng.IntN(len(model.LatencyBoundsMS))])
		} else {
			lat = math.Round(math.Exp(g.rng.Float64()*11)*1000) / 1000
		}
		r.LatencyMS = &lat
		r.StatusCode = 200
	}
	return r
}

// batch makes n results spread over [-span, +span) around midnight.
func (g *generator) batch(n int, span time.Duration) []model.CheckResult {
	out := make([]model.CheckResult, 0, n)
	for len(out) < n {
		at := g.midnight.Add(time.Duration(g.rng.Int64N(int64(2*span))) - span).Truncate(time.Millisecond)
		r := g.result(at)
		out = append(out, r)
		if g.rng.IntN(10) == 0 && len(out) < n {
			out = append(out, r) // the same timestamp twice for one monitor
		}
	}
	return out
}

func countRaw(t *testing.T, s *store.Store) int {
	var n int
	require.NoError(t, s.Pool().QueryRow(context.Background(), `SELECT count(*) FROM check_results`).Scan(&n))
	return n
}

func TestWriteResultsRollupsMatchRaw(t *testing.T) {
	pgtest.Engines(t, func(t *testing.T, engine store.Engine) {
		for _, seed := range []uint64{1, 2, 3} {
			t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
				ctx := context.Background()
				s := pgtest.NewStore(t, engine)
				g := newGenerator(seed)
				written := 0
				// In-order batches across the day boundary.
				for range 5 {
					b := g.batch(400, 3*time.Hour)
					require.NoError(t, s.WriteResults(ctx, b))
					written += len(b)
				}
				// Late rows: far earlier than what is stored, into buckets
				// (and days) that already have rows.
				late := g.batch(300, 30*time.Hour)
				require.NoError(t, s.WriteResults(ctx, late))
				written += len(late)
				assert.Equal(t, written, countRaw(t, s))
				if engine == store.EnginePostgres {
					assertRollupsMatchRaw(t, s) // nothing materialized yet: all real-time
				}
				require.NoError(t, s.RefreshRollups(ctx))
				assertRollupsMatchRaw(t, s)

				// Rows below the watermarks (late rows after a refresh) still
				// roll up exactly.
				more := g.batch(200, 2*time.Hour)
				require.NoError(t, s.WriteResults(ctx, more))
				assert.Equal(t, written+len(more), countRaw(t, s))
				require.NoError(t, s.RefreshRollups(ctx))
				assertRollupsMatchRaw(t, s)
			})
		}
	})
}

func TestWriteResultsConcurrentBatches(t *testing.T) {
	pgtest.Engines(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		s := pgtest.NewStore(t, engine)
		const writers, batches, size = 4, 5, 300
		var wg sync.WaitGroup
		errCh := make(chan error, writers*batches)
		for w := range writers {
			g := newGenerator(100) // the same monitors for all: they contend for the same buckets
			g.rng = rand.New(rand.NewPCG(uint64(w), 7))
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range batches {
					errCh <- s.WriteResults(ctx, g.batch(size, 90*time.Minute))
				}
			}()
		}
		wg.Wait()
		close(errCh)
		for err := range errCh {
			require.NoError(t, err)
		}
		assert.Equal(t, writers*batches*size, countRaw(t, s))
		require.NoError(t, s.RefreshRollups(ctx))
		assertRollupsMatchRaw(t, s)
	})
}

func TestWriteResultsCreatesMissingPartitions(t *testing.T) {
	ctx := context.Background()
	s := pgtest.NewStore(t, store.EnginePostgres)
	g := newGenerator(9)
	now := time.Now().UTC()
	batch := []model.CheckResult{
		g.result(now.AddDate(-1, 0, 0)), // far in the past
		g.result(now),
		g.result(now.AddDate(0, 0, 45)), // beyond the days kept ahead
	}
	require.NoError(t, s.WriteResults(ctx, batch))
	assert.Equal(t, 3, countRaw(t, s))
	require.NoError(t, s.RefreshRollups(ctx))
	assertRollupsMatchRaw(t, s)

	// A partition dropped behind the store's back (another process's
	// retention, which materializes rollups first): the cached belief is
	// wrong, the insert must still land.
	require.NoError(t, s.RefreshRollups(ctx))
	day := now.AddDate(-1, 0, 0).Format("20060102")
	_, err := s.Pool().Exec(ctx, "DROP TABLE check_results_p"+day)
	require.NoError(t, err)
	require.NoError(t, s.WriteResults(ctx, []model.CheckResult{g.result(now.AddDate(-1, 0, 0))}))
	assert.Equal(t, 3, countRaw(t, s), "two rows kept, the dropped one gone, the new one in")
	var checks int
	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT sum(checks) FROM check_rollup_1d`).Scan(&checks))
	assert.Equal(t, 4, checks, "rollups keep what raw retention drops")
}

func TestWriteResultsRejectsInvalidRowsWhole(t *testing.T) {
	pgtest.Engines(t, func(t *testing.T, engine store.Engine) {
		s := pgtest.NewStore(t, engine)
		g := newGenerator(5)
		bad := g.result(time.Now())
		bad.Status = "sideways"
		err := s.WriteResults(context.Background(), []model.CheckResult{g.result(time.Now()), bad})
		require.ErrorIs(t, err, errs.ErrValidation)
		assert.ErrorContains(t, err, "results[1].status")
		assert.Equal(t, 0, countRaw(t, s))
	})
}

func partitionNames(t *testing.T, s *store.Store) []string {
	return names(t, s, `
		SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'check_results'::regclass ORDER BY 1`)
}

func TestMaintainPartitions(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDB(t, store.EnginePostgres)
	s, err := store.Open(ctx, url, store.Options{Storage: "postgres", PartitionDaysAhead: 3,
		Retention: store.Retention{RawDays: 10, MinuteDays: 11, HourDays: 20}})
	require.NoError(t, err)
	defer s.Close()
	now := time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC)

	g := newGenerator(3)
	at := func(days float64) model.CheckResult {
		r := g.result(now.Add(time.Duration(days * float64(store.Day))))
		r.TenantID, r.MonitorID = g.monitors[0][0], g.monitors[0][1]
		return r
	}
	rows := []model.CheckResult{at(-30), at(-15), at(-10.5), at(-9)}
	require.NoError(t, s.WriteResults(ctx, rows))

	require.NoError(t, s.MaintainPartitions(ctx, now))
	require.NoError(t, s.MaintainPartitions(ctx, now), "maintenance is idempotent")
	assert.Equal(t, []string{
		"check_results_p20261116",
		"check_results_p20261117",
		"check_results_p20261125", "check_results_p20261126", "check_results_p20261127",
		"check_results_p20261128", "check_results_p20261129",
	}, partitionNames(t, s), "raw partitions wholly older than 10 days are dropped")
	assert.Equal(t, 2, countRaw(t, s))

	// Each rollup keeps what lies inside its own retention, whatever the
	// finer levels have dropped.
	for table, want := range map[string]int{"check_rollup_1m": 2, "check_rollup_1h": 3, "check_rollup_1d": 4} {
		var checks int
		require.NoError(t, s.Pool().QueryRow(ctx, `SELECT coalesce(sum(checks), 0) FROM `+table).Scan(&checks))
		assert.Equal(t, want, checks, table)
	}
	// What remains still answers, each window starting at the next bucket of
	// the finest level kept there.
	sums, err := s.UptimeWindows(ctx, g.monitors[0][0], g.monitors[0][1], []time.Duration{40 * store.Day, 12 * store.Day}, now)
	require.NoError(t, err)
	assert.Equal(t, int64(4), sums[0].Checks, "40 days back only days are kept: the window starts at the next whole day")
	assert.Equal(t, int64(2), sums[1].Checks, "12 days back only hours are kept")
}

// TestMaterializeWhileWriting moves the watermarks through the data while
// batches land on both sides of them: no row may be counted twice or missed.
func TestMaterializeWhileWriting(t *testing.T) {
	ctx := context.Background()
	s := pgtest.NewStore(t, store.EnginePostgres)
	g := newGenerator(77)
	stop := make(chan struct{})
	matErr := make(chan error, 1)
	go func() {
		clock := g.midnight.Add(-2 * time.Hour)
		for {
			select {
			case <-stop:
				matErr <- nil
				return
			default:
			}
			if err := s.MaterializeRollups(ctx, clock); err != nil {
				matErr <- err
				return
			}
			clock = clock.Add(7 * time.Minute)
		}
	}()
	written := 0
	for range 30 {
		b := g.batch(200, 2*time.Hour)
		require.NoError(t, s.WriteResults(ctx, b))
		written += len(b)
	}
	close(stop)
	require.NoError(t, <-matErr)
	assert.Equal(t, written, countRaw(t, s))
	assertRollupsMatchRaw(t, s)
	require.NoError(t, s.RefreshRollups(ctx))
	assertRollupsMatchRaw(t, s)

	var above int
	require.NoError(t, s.Pool().QueryRow(ctx, `
		SELECT (SELECT count(*) FROM check_rollup_1m_mat, rollup_watermarks WHERE bucket >= minute_mark)
		     + (SELECT count(*) FROM check_rollup_1h_mat, rollup_watermarks WHERE bucket >= hour_mark)
		     + (SELECT count(*) FROM check_rollup_1d_mat, rollup_watermarks WHERE bucket >= day_mark)`).Scan(&above))
	assert.Zero(t, above, "materialized tables hold nothing at or above their watermark")
}
