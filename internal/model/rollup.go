package model

import "math"

// Rollup is the additive summary of some checks: what every rollup row
// holds, and what sums of rollup rows hold, so any range is summarised by
// adding the rows that cover it.
type Rollup struct {
	Checks       int64
	Up           int64
	Degraded     int64
	LatencyCount int64   // checks that measured a latency
	LatencySumMS float64 // sum of those latencies
	LatencyMinMS *float64
	LatencyMaxMS *float64
	LatencyLE    []int64 // cumulative counts per LatencyBoundsMS (latency <= bound)
}

// Add folds o into r.
func (r *Rollup) Add(o Rollup) {
	r.Checks += o.Checks
	r.Up += o.Up
	r.Degraded += o.Degraded
	r.LatencyCount += o.LatencyCount
	r.LatencySumMS += o.LatencySumMS
	r.LatencyMinMS = pick(r.LatencyMinMS, o.LatencyMinMS, math.Min)
	r.LatencyMaxMS = pick(r.LatencyMaxMS, o.LatencyMaxMS, math.Max)
	if len(o.LatencyLE) == 0 {
		return
	}
	if len(r.LatencyLE) == 0 {
		r.LatencyLE = make([]int64, len(o.LatencyLE))
	}
	for i, n := range o.LatencyLE {
		r.LatencyLE[i] += n
	}
}

// RemoveCounts takes o's checks and latency count and sum back out of r,
// for a sum built as a whole minus a part. The minimum, maximum and
// histogram are left as they are: they cannot be taken back out.
func (r *Rollup) RemoveCounts(o Rollup) {
	r.Checks -= o.Checks
	r.Up -= o.Up
	r.Degraded -= o.Degraded
	r.LatencyCount -= o.LatencyCount
	r.LatencySumMS -= o.LatencySumMS
}

// pick combines two optional values; the result never shares b's memory,
// so callers may reuse what they add.
func pick(a, b *float64, f func(x, y float64) float64) *float64 {
	switch {
	case b == nil:
		return a
	case a == nil:
		v := *b
		return &v
	}
	v := f(*a, *b)
	return &v
}

// Failed is the number of checks that were down.
func (r Rollup) Failed() int64 { return r.Checks - r.Up - r.Degraded }

// Uptime is (up + degraded) / checks, nil when there were no checks.
func (r Rollup) Uptime() *float64 {
	if r.Checks == 0 {
		return nil
	}
	v := float64(r.Up+r.Degraded) / float64(r.Checks)
	return &v
}

// LatencyAvgMS is the mean latency, nil when none was measured.
func (r Rollup) LatencyAvgMS() *float64 {
	if r.LatencyCount == 0 {
		return nil
	}
	v := r.LatencySumMS / float64(r.LatencyCount)
	return &v
}

// LatencyQuantileMS estimates the q-quantile (0 < q < 1) of the latencies
// from the histogram the way Prometheus's histogram_quantile does: find the
// bucket that holds the rank and interpolate linearly inside it. The
// estimate always lies in the same bucket as the true quantile, so its error
// is at most that bucket's width; clamping to the measured minimum and
// maximum narrows the first and the last bucket. Nil when no latency was
// measured.
func (r Rollup) LatencyQuantileMS(q float64) *float64 {
	if r.LatencyCount == 0 || len(r.LatencyLE) != len(LatencyBoundsMS) {
		return nil
	}
	rank := q * float64(r.LatencyCount)
	lower, below := 0.0, int64(0)
	if r.LatencyMinMS != nil {
		lower = math.Min(*r.LatencyMinMS, float64(LatencyBoundsMS[0]))
	}
	v := math.NaN()
	for i, bound := range LatencyBoundsMS {
		upper, count := float64(bound), r.LatencyLE[i]
		if float64(count) >= rank && count > below {
			v = lower + (upper-lower)*(rank-float64(below))/float64(count-below)
			break
		}
		lower, below = upper, count
	}
	if math.IsNaN(v) { // in the +Inf bucket: nothing better than the maximum
		if r.LatencyMaxMS == nil {
			return nil
		}
		v = *r.LatencyMaxMS
	}
	if r.LatencyMinMS != nil {
		v = math.Max(v, *r.LatencyMinMS)
	}
	if r.LatencyMaxMS != nil {
		v = math.Min(v, *r.LatencyMaxMS)
	}
	return &v
}
