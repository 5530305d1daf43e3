package api

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/store"
)

// How coarse a selector is read. Raw results give a sample per result and
// region; beyond a day, or beyond raw retention, the rollups give one
// sample per bucket at the bucket's end, so a month of a thousand monitors
// is a few hundred thousand samples instead of tens of millions.

// rawSpan is the longest stretch a selector reads raw results for: a day,
// and up to an hour of window or lookback in front of it, so that a "last
// 24 hours" dashboard stays raw.
const rawSpan = 25 * time.Hour

// defaultLookback is how far an instant selector looks back for a sample
// at raw resolution, Prometheus's default.
const defaultLookback = 5 * time.Minute

// instantSamples is how many buckets an instant query's range selector
// reads at the least: a month's window reads days, a week's hours.
const instantSamples = 24

// twoSampleFuncs need two samples in a window to answer at all, so the
// buckets must be narrower than the window.
var twoSampleFuncs = map[string]bool{
	"rate": true, "increase": true, "delta": true, "irate": true, "idelta": true,
	"deriv": true, "predict_linear": true, "double_exponential_smoothing": true,
}

// seriesRead is what a selector reads: [from, to], from raw results when
// stride is 0, else per rollup bucket of that width.
type seriesRead struct {
	from, to time.Time
	stride   time.Duration
}

// read is the seriesRead for a Select's hints; without hints (series and
// label lookups) it reads as a range query with a one-day step would.
func (q tenantQueryable) read(h *storage.SelectHints, mint, maxt time.Time) seriesRead {
	r := seriesRead{from: mint, to: maxt}
	step, window, fn := store.Day, time.Duration(0), ""
	if h != nil {
		if h.Start != 0 {
			r.from, r.to = time.UnixMilli(h.Start).UTC(), time.UnixMilli(h.End).UTC()
		}
		step, window, fn = time.Duration(h.Step)*time.Millisecond, time.Duration(h.Range)*time.Millisecond, h.Func
	}
	r.stride = promStride(r.to.Sub(r.from), step, window, fn, q.store.FinestKept(r.from, q.now))
	return r
}

// lookback is the query's lookback delta: a bucket's width when the
// instant selectors of a query over [start, end] read rollups, so each step
// finds the bucket that ends there; Prometheus's five minutes otherwise.
func (q tenantQueryable) lookback(start, end time.Time, step time.Duration) time.Duration {
	from := start.Add(-defaultLookback)
	return max(defaultLookback, promStride(end.Sub(from), step, 0, "", q.store.FinestKept(from, q.now)))
}

// promStride picks the bucket width a selector reads: 0 for raw results
// when they are kept at its start and it spans at most rawSpan; otherwise
// the widest rollup bucket that is at most the query's step (for an
// instant query, a 24th of the window; the finest kept for an instant
// selector), at most the selector's window, and narrower than it for
// functions that need two samples; never finer than finest, the finest
// level kept at the selector's start.
func promStride(span, step, window time.Duration, fn string, finest time.Duration) time.Duration {
	if finest == 0 && span <= rawSpan {
		return 0
	}
	limit := step
	if step == 0 {
		limit = window / instantSamples
	}
	if window > 0 {
		limit = min(limit, window)
		if twoSampleFuncs[fn] {
			limit = min(limit, window-1)
		}
	}
	out := finest
	for _, d := range store.RollupStrides {
		if d > out && d <= limit {
			out = d
		}
	}
	return out
}

// bucketGauges are the gauges the rollups answer, with each bucket's mean
// of the raw values over all regions: probe_success is the share of checks
// that succeeded, probe_duration_seconds the mean latency. The other
// gauges take the newest raw result of each region and bucket.
var bucketGauges = map[string]bool{metricSuccess: true, metricDuration: true}

// end is where the sample of the bucket starting at start lies: the
// bucket's end, or the end of the read for the bucket it cuts.
func (r seriesRead) end(start time.Time) time.Time {
	if end := start.Add(r.stride); end.Before(r.to) {
		return end
	}
	return r.to
}

// bucketSeries builds the series from the rollups: one sample per bucket
// with checks, at the bucket's end. Counters are exact there: everything
// before the first bucket plus the buckets up to that one.
func (tq *tenantQuerier) bucketSeries(ctx context.Context, b *seriesBuilder, r seriesRead, monitors map[uuid.UUID]model.Monitor,
	ids []uuid.UUID, kinds [3]bool) error {
	q := tq.q
	var gauges, others bool
	for _, pm := range probeMetrics {
		if pm.kind == kindResult && matches(b.matchers, labels.MetricName, pm.Name) {
			gauges = gauges || bucketGauges[pm.Name]
			others = others || !bucketGauges[pm.Name]
		}
	}
	if buckets := int(r.to.Sub(r.from)/r.stride) + 2; buckets*len(ids) > q.maxRows {
		return errs.Describe(errs.ErrLimitExceeded,
			fmt.Sprintf("the query would read more than %d buckets; narrow the time range or the selector, or widen the step", q.maxRows))
	}
	if gauges || kinds[kindCounter] {
		sums, err := tq.probeBuckets(ctx, ids, store.BucketRead{From: r.from, To: r.to, Stride: r.stride,
			Totals: kinds[kindCounter], Histogram: matches(b.matchers, labels.MetricName, metricLatencyBucket)})
		if err != nil {
			return err
		}
		for _, id := range ids {
			base := monitorLabels(monitors[id])
			success, duration := b.series(metricSuccess, base, nil), b.series(metricDuration, base, nil)
			counters := newCounterSeries(b, base)
			total := sums[id].Before
			total.LatencyLE = slices.Clone(total.LatencyLE) // the read is shared; the running sum is this selector's
			for _, bucket := range sums[id].Buckets {
				t := r.end(bucket.Start)
				if gauges {
					success.append(t, float64(bucket.Up+bucket.Degraded)/float64(bucket.Checks))
					if bucket.LatencyCount > 0 {
						duration.append(t, bucket.LatencySumMS/float64(bucket.LatencyCount)/1000)
					}
				}
				if kinds[kindCounter] {
					total.Add(bucket.Rollup)
					counters.add(total, t)
				}
			}
		}
	}
	if !others {
		return nil
	}
	results, err := q.store.LastProbeResults(ctx, q.tenant, ids, store.BucketStart(r.from, r.stride), r.to, r.stride, q.maxRows)
	if err != nil {
		return err
	}
	for _, res := range results {
		base := append(monitorLabels(monitors[res.MonitorID]), pair{labelProbe, res.Region})
		t := r.end(store.BucketStart(res.Time, r.stride))
		for _, p := range resultPoints(res) {
			if !bucketGauges[p.metric] {
				b.add(p.metric, base, p, t)
			}
		}
	}
	return nil
}

// probeBuckets reads the buckets of ids once per querier: the selectors of
// one query, such as an uptime ratio's two counters, usually read the same.
func (tq *tenantQuerier) probeBuckets(ctx context.Context, ids []uuid.UUID, r store.BucketRead) (map[uuid.UUID]*store.ProbeBuckets, error) {
	var key strings.Builder
	fmt.Fprint(&key, r.From.UnixMilli(), r.To.UnixMilli(), r.Stride, r.Totals, r.Histogram)
	for _, id := range ids {
		key.WriteString(id.String())
	}
	tq.mu.Lock()
	defer tq.mu.Unlock()
	if got, ok := tq.buckets[key.String()]; ok {
		return got, nil
	}
	got, err := tq.q.store.ProbeBuckets(ctx, tq.q.tenant, ids, r, tq.q.now)
	if err != nil {
		return nil, err
	}
	if tq.buckets == nil {
		tq.buckets = map[string]map[uuid.UUID]*store.ProbeBuckets{}
	}
	tq.buckets[key.String()] = got
	return got, nil
}
