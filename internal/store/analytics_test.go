package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

// rawRollups recomputes per date_bin(step) bucket (one bucket when step is
// zero) straight from raw rows over [from, to): the definition every
// analytics answer must match.
func rawRollups(t *testing.T, s *store.Store, tenant, monitor uuid.UUID, from, to time.Time, step time.Duration) map[time.Time]model.Rollup {
	t.Helper()
	les := make([]string, len(model.LatencyBoundsMS))
	for i, b := range model.LatencyBoundsMS {
		les[i] = fmt.Sprintf("count(*) FILTER (WHERE latency_ms <= %d)", b)
	}
	bucket := "'epoch'::timestamptz"
	if step > 0 {
		bucket = fmt.Sprintf("date_bin('%d seconds', time, '2000-01-03 00:00+00')", int64(step.Seconds()))
	}
	rows, err := s.Pool().Query(context.Background(), fmt.Sprintf(`
		SELECT %s, count(*), count(*) FILTER (WHERE status = 'up'), count(*) FILTER (WHERE status = 'degraded'),
		       count(latency_ms), coalesce(sum(latency_ms), 0), min(latency_ms), max(latency_ms), %s
		FROM check_results WHERE tenant_id = $1 AND monitor_id = $2 AND time >= $3 AND time < $4
		GROUP BY 1`, bucket, strings.Join(les, ", ")), tenant, monitor, from, to)
	require.NoError(t, err)
	defer rows.Close()
	out := map[time.Time]model.Rollup{}
	for rows.Next() {
		var b time.Time
		var r model.Rollup
		r.LatencyLE = make([]int64, len(model.LatencyBoundsMS))
		dest := []any{&b, &r.Checks, &r.Up, &r.Degraded, &r.LatencyCount, &r.LatencySumMS, &r.LatencyMinMS, &r.LatencyMaxMS}
		for i := range r.LatencyLE {
			dest = append(dest, &r.LatencyLE[i])
		}
		require.NoError(t, rows.Scan(dest...))
		out[b.UTC()] = r
	}
	require.NoError(t, rows.Err())
	return out
}

// withoutHistogram is what the summary reads (windows, days) return.
func withoutHistogram(m map[time.Time]model.Rollup) map[time.Time]model.Rollup {
	for k, r := range m {
		r.LatencyLE = nil
		m[k] = r
	}
	return m
}

func assertSameRollup(t *testing.T, want, got model.Rollup, msg string) {
	t.Helper()
	if want.Checks == 0 {
		assert.Zero(t, got.Checks, msg)
		return
	}
	assert.Equal(t, want.Checks, got.Checks, msg+": checks")
	assert.Equal(t, want.Up, got.Up, msg+": up")
	assert.Equal(t, want.Degraded, got.Degraded, msg+": degraded")
	assert.Equal(t, want.LatencyCount, got.LatencyCount, msg+": latency count")
	assert.InDelta(t, want.LatencySumMS, got.LatencySumMS, 1e-6*want.LatencySumMS+1e-6, msg+": latency sum")
	assert.Equal(t, want.LatencyMinMS, got.LatencyMinMS, msg+": min")
	assert.Equal(t, want.LatencyMaxMS, got.LatencyMaxMS, msg+": max")
	assert.Equal(t, want.LatencyLE, got.LatencyLE, msg+": histogram")
}

// analyticsFixture writes about 72,000 results of 12 monitors over the 60
// hours around the generator's midnight, with late rows and duplicates.
func analyticsFixture(t *testing.T, s *store.Store) *generator {
	g := newGenerator(11)
	ctx := context.Background()
	for range 10 {
		require.NoError(t, s.WriteResults(ctx, g.batch(500, 30*time.Hour)))
	}
	// The first four monitors also report every 13 s, so every edge of a
	// range, down to its seconds, has rows to get right.
	var dense []model.CheckResult
	for at := g.midnight.Add(-30 * time.Hour); at.Before(g.midnight.Add(30 * time.Hour)); at = at.Add(13 * time.Second) {
		for _, m := range g.monitors[:4] {
			r := g.result(at)
			r.TenantID, r.MonitorID = m[0], m[1]
			dense = append(dense, r)
		}
	}
	require.NoError(t, s.WriteResults(ctx, dense))
	return g
}

// Every answer equals a recomputation from raw rows, whatever has been
// materialized, for windows and steps that do and do not align with the
// rollup buckets.
func TestAnalyticsMatchRawRows(t *testing.T) {
	pgtest.Engines(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		s := pgtest.NewStore(t, engine)
		g := analyticsFixture(t, s)
		now := g.midnight.Add(29*time.Hour + 17*time.Minute + 23*time.Second + 250*time.Millisecond)
		for _, state := range []string{"nothing materialized", "materialized to midnight", "all materialized"} {
			switch state {
			case "materialized to midnight":
				if engine == store.EnginePostgres {
					require.NoError(t, s.MaterializeRollups(ctx, g.midnight))
				}
			case "all materialized":
				require.NoError(t, s.RefreshRollups(ctx))
			}
			for _, m := range g.monitors[:4] {
				tenant, monitor := m[0], m[1]
				windows := []time.Duration{time.Hour, 24 * time.Hour, 37*time.Hour + 90*time.Second, 60 * time.Hour}
				sums, err := s.UptimeWindows(ctx, tenant, monitor, windows, now)
				require.NoError(t, err)
				require.Len(t, sums, len(windows))
				for i, w := range windows {
					want := withoutHistogram(rawRollups(t, s, tenant, monitor, now.Add(-w), now, 0))
					assertSameRollup(t, want[time.Unix(0, 0).UTC()], sums[i].Rollup, fmt.Sprintf("%s: window %s", state, w))
				}

				for _, q := range []struct {
					from, to time.Time
					step     time.Duration
				}{
					{now.Add(-3 * time.Hour), now, time.Minute},
					{now.Add(-25 * time.Hour), now, 5 * time.Minute},
					{now.Add(-50 * time.Hour), now.Add(-time.Hour), 90 * time.Minute},
					{g.midnight.Add(-29*time.Hour - 7*time.Second), now, time.Hour},
					{now.Add(-60 * time.Hour), now, 6 * time.Hour},
					{now.Add(-60 * time.Hour), now, store.Day},
				} {
					series, err := s.Series(ctx, tenant, monitor, q.from, q.to, q.step, now)
					require.NoError(t, err)
					want := rawRollups(t, s, tenant, monitor, q.from, q.to, q.step)
					checks := int64(0)
					for _, b := range series {
						assertSameRollup(t, want[b.Start], b.Rollup, fmt.Sprintf("%s: step %s bucket %s", state, q.step, b.Start))
						checks += b.Checks
					}
					total := int64(0)
					for _, r := range want {
						total += r.Checks
					}
					assert.Equal(t, total, checks, "every raw row is in some bucket")
					assert.Greater(t, checks, int64(0), "the fixture has data in the range")
				}

				days, err := s.Daily(ctx, tenant, monitor, 4, now)
				require.NoError(t, err)
				require.Len(t, days, 4)
				from, _ := store.DailyRange(4, now)
				want := withoutHistogram(rawRollups(t, s, tenant, monitor, from, now, store.Day))
				for _, d := range days {
					assertSameRollup(t, want[d.Start], d.Rollup, state+": day "+d.Start.String())
				}
			}
		}
	})
}

// Analytics read only the caller's tenant: the same monitor id under
// another tenant finds nothing.
func TestAnalyticsStayInTheTenant(t *testing.T) {
	ctx := context.Background()
	s := pgtest.NewStore(t, store.EnginePostgres)
	g := analyticsFixture(t, s)
	now := g.midnight.Add(30 * time.Hour)
	m := g.monitors[0]
	own, err := s.UptimeWindows(ctx, m[0], m[1], []time.Duration{60 * time.Hour}, now)
	require.NoError(t, err)
	require.Greater(t, own[0].Checks, int64(0))
	other, err := s.UptimeWindows(ctx, uuid.New(), m[1], []time.Duration{60 * time.Hour}, now)
	require.NoError(t, err)
	assert.Zero(t, other[0].Checks)
}

// Percentiles estimated from the histogram lie in the same bucket as the
// exact percentile of the raw latencies.
func TestPercentilesWithinOneBucket(t *testing.T) {
	ctx := context.Background()
	s := pgtest.NewStore(t, store.EnginePostgres)
	g := analyticsFixture(t, s)
	require.NoError(t, s.RefreshRollups(ctx))
	now := g.midnight.Add(30 * time.Hour)
	bucketOf := func(v float64) int {
		for i, b := range model.LatencyBoundsMS {
			if v <= float64(b) {
				return i
			}
		}
		return len(model.LatencyBoundsMS)
	}
	compared := 0
	for _, m := range g.monitors {
		series, err := s.Series(ctx, m[0], m[1], now.Add(-60*time.Hour), now, 6*time.Hour, now)
		require.NoError(t, err)
		for _, b := range series {
			for _, q := range []float64{0.5, 0.9, 0.95, 0.99} {
				est := b.LatencyQuantileMS(q)
				var exact *float64
				require.NoError(t, s.Pool().QueryRow(ctx, `
					SELECT percentile_disc($5::float8) WITHIN GROUP (ORDER BY latency_ms) FROM check_results
					WHERE tenant_id = $1 AND monitor_id = $2 AND time >= $3 AND time < $4 AND latency_ms IS NOT NULL`,
					m[0], m[1], b.Start, b.Start.Add(6*time.Hour), q).Scan(&exact))
				if exact == nil {
					assert.Nil(t, est)
					continue
				}
				require.NotNil(t, est)
				assert.Equal(t, bucketOf(*exact), bucketOf(*est), "p%v of %d latencies: estimate %.3f, exact %.3f", q*100, b.LatencyCount, *est, *exact)
				compared++
			}
		}
	}
	assert.Greater(t, compared, 100)
}
