package store

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flatten lists every span of a plan with its level, sorted by start.
type planned struct {
	level
	readSpan
}

func flatten(p readPlan) []planned {
	var out []planned
	for l, spans := range p.spans {
		for _, s := range spans {
			out = append(out, planned{level(l), s})
		}
	}
	slices.SortFunc(out, func(a, b planned) int { return a.from.Compare(b.from) })
	return out
}

func TestPlanCoversRangeExactlyWithCoarsestBuckets(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	base := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for range 2000 {
		from := base.Add(time.Duration(rng.Int64N(int64(40 * Day))))
		to := from.Add(time.Duration(rng.Int64N(int64(20 * Day))))
		if rng.IntN(4) == 0 { // aligned ends too
			from, to = floorTo(from, time.Hour), floorTo(to, time.Minute)
		}
		p := readPlan{complete: everything}
		if rng.IntN(2) == 0 { // rollups materialized up to some point before to
			p.complete[level1m] = floorTo(to.Add(-time.Duration(rng.Int64N(int64(3*time.Hour)))), time.Minute)
			p.complete[level1h] = floorTo(p.complete[level1m].Add(-time.Duration(rng.Int64N(int64(2*Day)))), time.Hour)
			p.complete[level1d] = floorTo(p.complete[level1h].Add(-time.Duration(rng.Int64N(int64(3*Day)))), Day)
		}
		p.add(from, to, to, Retention{}, level1d, 3, 0)
		spans := flatten(p)
		if !from.Before(to) {
			assert.Empty(t, spans)
			continue
		}
		require.NotEmpty(t, spans)
		assert.Equal(t, from, spans[0].from, "starts at from")
		assert.Equal(t, to, spans[len(spans)-1].to, "ends at to")
		perLevel := map[level]int{}
		for i, s := range spans {
			assert.Equal(t, int32(3), s.key)
			assert.True(t, s.from.Before(s.to), "no empty span")
			if i > 0 {
				assert.Equal(t, spans[i-1].to, s.from, "contiguous, no overlap")
			}
			if s.level != levelRaw {
				assert.False(t, s.to.After(p.complete[s.level]), "a rollup is read only where it is complete")
				assert.Equal(t, s.from, floorTo(s.from, s.level.stride()), "aligned start")
				assert.Equal(t, s.to, floorTo(s.to, s.level.stride()), "aligned end")
			}
			perLevel[s.level]++
		}
		for l := levelRaw; l < level1d; l++ {
			if p.complete != everything {
				continue // above the marks finer levels cover whole buckets too
			}
			assert.LessOrEqual(t, perLevel[l], 2, "level %d only for the two edges", l)
			for _, s := range spans {
				if s.level == l {
					// A finer span never holds a whole bucket of a coarser level.
					assert.Less(t, s.to.Sub(s.from), (l+1).stride()*2)
				}
			}
		}
	}
}

func TestPlanStepKeepsLevelsInsideStepBuckets(t *testing.T) {
	for _, tc := range []struct {
		step time.Duration
		top  level
	}{
		{time.Minute, level1m}, {5 * time.Minute, level1m}, {90 * time.Minute, level1m},
		{time.Hour, level1h}, {6 * time.Hour, level1h}, {Day, level1d}, {7 * Day, level1d},
	} {
		assert.Equal(t, tc.top, topLevelFor(tc.step), tc.step)
	}
	assert.Equal(t, level1d, topLevelFor(0), "no step: every level")
}

func TestPlanSnapsToRetainedLevels(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 42, 17, 500, time.UTC)
	ret := Retention{RawDays: 30, MinuteDays: 30, HourDays: 400}
	p := readPlan{complete: everything}
	p.add(now.Add(-90*Day), now, now, ret, level1d, 0, 0)
	spans := flatten(p)
	require.NotEmpty(t, spans)
	assert.Equal(t, ceilTo(now.Add(-90*Day), time.Hour), spans[0].from, "90 days back only hours are kept")
	assert.Equal(t, now, spans[len(spans)-1].to, "exact to now")
	for _, s := range spans {
		if s.level <= level1m {
			assert.False(t, s.from.Before(now.AddDate(0, 0, -30)), "no minute or raw reads past their retention")
		}
	}

	// Older than every kept level: nothing to read.
	gone := readPlan{complete: everything}
	gone.add(now.Add(-900*Day), now.Add(-500*Day), now, Retention{RawDays: 1, MinuteDays: 1, HourDays: 400, DayDays: 400}, level1d, 0, 0)
	assert.Empty(t, flatten(gone))

	// A range ending in hour-only territory ends at a whole hour.
	old := readPlan{complete: everything}
	old.add(now.Add(-60*Day), now.Add(-50*Day), now, ret, level1d, 0, 0)
	spans = flatten(old)
	assert.Equal(t, floorTo(now.Add(-50*Day), time.Hour), spans[len(spans)-1].to)
}

func TestFloorAndCeilFollowTheBucketOrigin(t *testing.T) {
	at := time.Date(2026, 11, 26, 10, 42, 17, 0, time.UTC)
	assert.Equal(t, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), floorTo(at, Day))
	assert.Equal(t, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), floorTo(at, 7*Day), "weeks start on Monday, like the origin")
	assert.Equal(t, time.Date(2026, 11, 26, 11, 0, 0, 0, time.UTC), ceilTo(at, time.Hour))
	before := time.Date(1999, 12, 31, 23, 59, 30, 0, time.UTC)
	assert.Equal(t, time.Date(1999, 12, 31, 23, 59, 0, 0, time.UTC), floorTo(before, time.Minute), "before the origin too")
}
