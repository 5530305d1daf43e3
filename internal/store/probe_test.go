package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

// ProbeBuckets (what PromQL reads at rollup resolution) equals raw rows
// summed per bucket, and its totals everything before the first bucket,
// whatever has been materialized, with ends on and off bucket bounds.
func TestProbeBucketsMatchRawRows(t *testing.T) {
	pgtest.Engines(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		s := pgtest.NewStore(t, engine)
		g := analyticsFixture(t, s)
		now := g.midnight.Add(29*time.Hour + 17*time.Minute + 23*time.Second + 250*time.Millisecond)
		longAgo := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
		for _, state := range []string{"nothing materialized", "all materialized"} {
			if state == "all materialized" {
				require.NoError(t, s.RefreshRollups(ctx))
			}
			for _, m := range g.monitors[:4] {
				tenant, monitor := m[0], m[1]
				for _, q := range []struct {
					from, to time.Time
					stride   time.Duration
				}{
					{now.Add(-3 * time.Hour), now.Add(-time.Hour - 13*time.Second), time.Minute},
					{now.Add(-50*time.Hour - 7*time.Second), now, time.Hour},
					{g.midnight.Add(-12 * time.Hour), g.midnight.Add(5 * time.Hour), time.Hour},
					{now.Add(-60 * time.Hour), now, store.Day},
				} {
					msg := fmt.Sprintf("%s: %s from %s", state, q.stride, q.from)
					got, err := s.ProbeBuckets(ctx, tenant, []uuid.UUID{monitor},
						store.BucketRead{From: q.from, To: q.to, Stride: q.stride, Totals: true, Histogram: true}, now)
					require.NoError(t, err)
					first := store.BucketStart(q.from, q.stride)
					want := rawRollups(t, s, tenant, monitor, first, q.to, q.stride)
					require.Len(t, got[monitor].Buckets, len(want), msg)
					for i, b := range got[monitor].Buckets {
						if i > 0 {
							assert.True(t, got[monitor].Buckets[i-1].Start.Before(b.Start), "oldest first")
						}
						assertSameRollup(t, want[b.Start], b.Rollup, msg+": bucket "+b.Start.String())
					}
					before := rawRollups(t, s, tenant, monitor, longAgo, first, 0)
					assertSameRollup(t, before[time.Unix(0, 0).UTC()], got[monitor].Before, msg+": before")
				}
			}
		}

		m := g.monitors[0]
		other, err := s.ProbeBuckets(ctx, uuid.New(), []uuid.UUID{m[1]},
			store.BucketRead{From: now.Add(-60 * time.Hour), To: now, Stride: time.Hour, Totals: true}, now)
		require.NoError(t, err)
		assert.Empty(t, other[m[1]].Buckets, "another tenant's monitor id finds nothing")
		assert.Zero(t, other[m[1]].Before.Checks)
	})
}

// LastProbeResults keeps the newest raw result of each monitor, region and
// bucket, and only the tenant's.
func TestLastProbeResultsPerBucket(t *testing.T) {
	ctx := context.Background()
	s := pgtest.NewStore(t, store.EnginePostgres)
	g := analyticsFixture(t, s)
	from, to := g.midnight.Add(-7*time.Hour-29*time.Second), g.midnight.Add(3*time.Hour)
	m := g.monitors[1]
	all, err := s.ProbeResults(ctx, m[0], []uuid.UUID{m[1]}, from, to.Add(-time.Millisecond), 1_000_000)
	require.NoError(t, err)
	newest := map[time.Time]time.Time{}
	for _, r := range all {
		b := store.BucketStart(r.Time, time.Hour)
		if r.Time.After(newest[b]) {
			newest[b] = r.Time
		}
	}
	require.NotEmpty(t, newest)

	got, err := s.LastProbeResults(ctx, m[0], []uuid.UUID{m[1]}, from, to, time.Hour, 1000)
	require.NoError(t, err)
	require.Len(t, got, len(newest))
	for i, r := range got {
		assert.Equal(t, newest[store.BucketStart(r.Time, time.Hour)], r.Time)
		if i > 0 {
			assert.True(t, got[i-1].Time.Before(r.Time), "ordered by time")
		}
	}

	_, err = s.LastProbeResults(ctx, m[0], []uuid.UUID{m[1]}, from, to, time.Hour, 3)
	assert.ErrorContains(t, err, "more than 3")
	other, err := s.LastProbeResults(ctx, uuid.New(), []uuid.UUID{m[1]}, from, to, time.Hour, 1000)
	require.NoError(t, err)
	assert.Empty(t, other)
}
