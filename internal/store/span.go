package store

import "time"

// level is where a span of time is read from: raw results or one of the
// rollups. Both engines expose the same relations, so a level is one
// relation name in either.
type level int

const (
	levelRaw level = iota
	level1m
	level1h
	level1d
	levelCount
)

// stride is the bucket width of a rollup level (0 for raw rows).
func (l level) stride() time.Duration {
	switch l {
	case level1m:
		return time.Minute
	case level1h:
		return time.Hour
	case level1d:
		return 24 * time.Hour
	}
	return 0
}

// bucketOrigin is the origin of every bucket, TimescaleDB's time_bucket
// origin (a Monday, midnight UTC). Strides that divide a day align with
// UTC midnight, which is what Go's Truncate on a UTC time gives too.
var bucketOrigin = time.Date(2000, 1, 3, 0, 0, 0, 0, time.UTC)

// floorTo is the start of the bucket of width d that holds t.
func floorTo(t time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return t
	}
	rem := t.Sub(bucketOrigin) % d
	if rem < 0 { // Duration's % keeps the sign; buckets before the origin start below t
		rem += d
	}
	return t.Add(-rem)
}

// BucketStart is the start of the bucket of width d that holds t, as
// date_bin from the bucket origin draws it in both engines.
func BucketStart(t time.Time, d time.Duration) time.Time { return floorTo(t, d) }

// ceilTo is the first bucket boundary of width d at or after t.
func ceilTo(t time.Time, d time.Duration) time.Time {
	f := floorTo(t, d)
	if f.Equal(t) {
		return t
	}
	return f.Add(d)
}

// readSpan is a half-open range [from, to) of one level. Its rows are
// summed per monitor under key, and, when step is set, per date_bin(step)
// bucket as well.
type readSpan struct {
	from, to time.Time
	key      int32
	step     time.Duration
}

// readPlan is what a query reads, per level.
type readPlan struct {
	spans [levelCount][]readSpan
	// complete is, per level, the time below which the level's relation
	// holds every bucket; above it the next finer level is read.
	complete marks
}

// marks are one time per level (raw rows are always complete).
type marks [levelCount]time.Time

// farFuture stands for "complete to the end": a relation that answers
// every bucket itself.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// everything says every level is complete.
var everything = marks{farFuture, farFuture, farFuture, farFuture}

// Retention is how long each level is kept; 0 keeps it forever. A range
// reaching back past a level's retention is read from the next coarser
// level still kept there, so its ends snap to that level's buckets.
type Retention struct {
	RawDays, MinuteDays, HourDays, DayDays int
}

// days is the retention of level l.
func (r Retention) days(l level) int {
	return [...]int{r.RawDays, r.MinuteDays, r.HourDays, r.DayDays}[l]
}

// finestAt is the finest level still kept at time t, and false when no
// level keeps it.
func (r Retention) finestAt(t, now time.Time) (level, bool) {
	for l := levelRaw; l < levelCount; l++ {
		d := r.days(l)
		if d == 0 || !t.Before(now.AddDate(0, 0, -d)) {
			return l, true
		}
	}
	return 0, false
}

// add plans [from, to) for key: whole buckets of the coarsest level up to
// top that fit, finer levels for the edges, raw rows only for the parts no
// rollup bucket covers, so the sum is exact to the last result. Ends older
// than a level's retention snap inward to the buckets still kept.
func (p *readPlan) add(from, to, now time.Time, ret Retention, top level, key int32, step time.Duration) {
	lf, okFrom := ret.finestAt(from, now)
	lt, okTo := ret.finestAt(to, now)
	if !okTo {
		return
	}
	if !okFrom {
		lf = levelCount - 1
		from = now.AddDate(0, 0, -ret.days(lf))
	}
	from, to = ceilTo(from, lf.stride()), floorTo(to, lt.stride())
	p.cover(from, to, top, key, step)
}

func (p *readPlan) cover(from, to time.Time, l level, key int32, step time.Duration) {
	if !from.Before(to) {
		return
	}
	if l == levelRaw {
		p.spans[l] = append(p.spans[l], readSpan{from, to, key, step})
		return
	}
	a, b := ceilTo(from, l.stride()), floorTo(to, l.stride())
	// Above the level's mark its buckets are not all there yet: the finer
	// level answers for them.
	if mark := p.complete[l]; mark.Before(b) {
		b = floorTo(mark, l.stride())
	}
	if !a.Before(b) {
		p.cover(from, to, l-1, key, step)
		return
	}
	p.spans[l] = append(p.spans[l], readSpan{a, b, key, step})
	p.cover(from, a, l-1, key, step)
	p.cover(b, to, l-1, key, step)
}

// topLevelFor is the coarsest level whose buckets nest in steps of d, so
// that each level bucket falls into exactly one step bucket; without a step
// every level does.
func topLevelFor(step time.Duration) level {
	if step == 0 {
		return level1d
	}
	for l := level1d; l > levelRaw; l-- {
		if step%l.stride() == 0 {
			return l
		}
	}
	return levelRaw
}
