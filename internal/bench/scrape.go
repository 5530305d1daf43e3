package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sort"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// workerMetrics is one scrape of the worker's /metrics: the counters and
// histograms the benchmark takes deltas of.
type workerMetrics struct {
	at            time.Time
	checks        float64 // vinsight_checks_total, every type and result
	checksDown    float64
	lag           histogram // vinsight_schedule_lag_seconds
	probe         histogram // vinsight_probe_duration_seconds, every type
	batchSize     histogram // vinsight_ingest_batch_size
	batchDuration histogram // vinsight_ingest_batch_duration_seconds
	written       float64   // vinsight_ingest_results_written_total
	dropped       float64   // vinsight_ingest_dropped_total
	spooled       float64   // vinsight_ingest_spooled_total
	ingestErrors  float64   // vinsight_ingest_errors_total
}

// histogram is a Prometheus histogram: cumulative counts by upper bound.
type histogram struct {
	count, sum float64
	bounds     []float64 // sorted upper bounds, +Inf excluded
	cumulative []float64 // count at or below each bound
}

func scrapeWorker(ctx context.Context, url string) (workerMetrics, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return workerMetrics{}, err
	}
	at := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return workerMetrics{}, fmt.Errorf("scrape worker: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return workerMetrics{}, fmt.Errorf("scrape worker: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return workerMetrics{}, fmt.Errorf("scrape worker: %w", err)
	}
	m := workerMetrics{at: at,
		checks:        sumCounter(families["vinsight_checks_total"], nil),
		checksDown:    sumCounter(families["vinsight_checks_total"], map[string]string{"result": "down"}),
		lag:           sumHistogram(families["vinsight_schedule_lag_seconds"]),
		probe:         sumHistogram(families["vinsight_probe_duration_seconds"]),
		batchSize:     sumHistogram(families["vinsight_ingest_batch_size"]),
		batchDuration: sumHistogram(families["vinsight_ingest_batch_duration_seconds"]),
		written:       sumCounter(families["vinsight_ingest_results_written_total"], nil),
		dropped:       sumCounter(families["vinsight_ingest_dropped_total"], nil),
		spooled:       sumCounter(families["vinsight_ingest_spooled_total"], nil),
		ingestErrors:  sumCounter(families["vinsight_ingest_errors_total"], nil),
	}
	if families["vinsight_checks_total"] == nil || families["vinsight_schedule_lag_seconds"] == nil {
		return m, fmt.Errorf("scrape worker: vinsight_checks_total or vinsight_schedule_lag_seconds missing")
	}
	return m, nil
}

// sumCounter adds up the series of a counter whose labels include match.
func sumCounter(f *dto.MetricFamily, match map[string]string) float64 {
	if f == nil {
		return 0
	}
	var total float64
	for _, m := range f.GetMetric() {
		if labelsMatch(m, match) {
			total += m.GetCounter().GetValue()
		}
	}
	return total
}

func labelsMatch(m *dto.Metric, match map[string]string) bool {
	for name, want := range match {
		found := false
		for _, l := range m.GetLabel() {
			if l.GetName() == name && l.GetValue() == want {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// sumHistogram adds up the series of a histogram family (they share their
// buckets).
func sumHistogram(f *dto.MetricFamily) histogram {
	var h histogram
	if f == nil {
		return h
	}
	byBound := map[float64]float64{}
	for _, m := range f.GetMetric() {
		hist := m.GetHistogram()
		h.count += float64(hist.GetSampleCount())
		h.sum += hist.GetSampleSum()
		for _, b := range hist.GetBucket() {
			if !math.IsInf(b.GetUpperBound(), +1) {
				byBound[b.GetUpperBound()] += float64(b.GetCumulativeCount())
			}
		}
	}
	for b := range byBound {
		h.bounds = append(h.bounds, b)
	}
	sort.Float64s(h.bounds)
	for _, b := range h.bounds {
		h.cumulative = append(h.cumulative, byBound[b])
	}
	return h
}

// since is the histogram of the observations made after earlier.
func (h histogram) since(earlier histogram) histogram {
	d := histogram{count: h.count - earlier.count, sum: h.sum - earlier.sum, bounds: h.bounds}
	for i := range h.bounds {
		before := 0.0
		if i < len(earlier.cumulative) {
			before = earlier.cumulative[i]
		}
		d.cumulative = append(d.cumulative, h.cumulative[i]-before)
	}
	return d
}

// quantile estimates the q-quantile the way PromQL's histogram_quantile
// does: linear within the bucket that holds it, the first bucket starting at
// 0, and the highest finite bound when it falls in the +Inf bucket.
func (h histogram) quantile(q float64) float64 {
	if h.count == 0 || len(h.bounds) == 0 {
		return math.NaN()
	}
	rank := q * h.count
	lower, below := 0.0, 0.0
	for i, upper := range h.bounds {
		if h.cumulative[i] >= rank {
			inBucket := h.cumulative[i] - below
			if inBucket == 0 {
				return upper
			}
			return lower + (upper-lower)*(rank-below)/inBucket
		}
		lower, below = upper, h.cumulative[i]
	}
	return h.bounds[len(h.bounds)-1]
}

// bucketOf returns the bounds of the bucket that holds the q-quantile: the
// worker's buckets are coarse, so the estimate is only known to lie there.
func (h histogram) bucketOf(q float64) (lower, upper float64) {
	rank := q * h.count
	for i, b := range h.bounds {
		if h.cumulative[i] >= rank {
			return lower, b
		}
		lower = b
	}
	return lower, math.Inf(+1)
}

// fractionAtOrBelow is the share of observations at or below bound, which
// must be one of the bucket bounds: exact, unlike a quantile estimate.
func (h histogram) fractionAtOrBelow(bound float64) float64 {
	for i, b := range h.bounds {
		if b == bound && h.count > 0 {
			return h.cumulative[i] / h.count
		}
	}
	return math.NaN()
}

func (h histogram) mean() float64 {
	if h.count == 0 {
		return math.NaN()
	}
	return h.sum / h.count
}
