package api

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/prometheus/prometheus/tsdb/chunks"
	"github.com/prometheus/prometheus/util/annotations"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/store"
)

// infoStep is the spacing of probe_monitor_info's samples, well inside the
// engine's five-minute lookback.
const infoStep = time.Minute

// tenantQueryable is a storage.Queryable over one tenant's results and
// rollups: the PromQL engine asks it for series and it reads them through
// the store, always with the tenant of the request's credentials.
type tenantQueryable struct {
	store     *store.Store
	tenant    uuid.UUID
	now       time.Time
	maxSeries int
	maxRows   int
}

func (q tenantQueryable) Querier(mint, maxt int64) (storage.Querier, error) {
	return &tenantQuerier{q: q, mint: time.UnixMilli(mint).UTC(), maxt: time.UnixMilli(maxt).UTC()}, nil
}

type tenantQuerier struct {
	q          tenantQueryable
	mint, maxt time.Time

	mu      sync.Mutex
	buckets map[string]map[uuid.UUID]*store.ProbeBuckets // reads of probeBuckets, by what they read
}

func (*tenantQuerier) Close() error { return nil }

// Select builds the series that match: only the metrics and monitors the
// matchers allow are read from the store, at the resolution the hints ask
// for (see promStride).
func (tq *tenantQuerier) Select(ctx context.Context, sortSeries bool, hints *storage.SelectHints, matchers ...*labels.Matcher) storage.SeriesSet {
	series, err := tq.series(ctx, tq.q.read(hints, tq.mint, tq.maxt), matchers)
	if err != nil {
		return storage.ErrSeriesSet(err)
	}
	return &seriesSet{list: series, i: -1}
}

// LabelNames lists the label names of the matching series.
func (tq *tenantQuerier) LabelNames(ctx context.Context, _ *storage.LabelHints, matchers ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	series, err := tq.series(ctx, tq.q.read(nil, tq.mint, tq.maxt), matchers)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, s := range series {
		s.Labels().Range(func(l labels.Label) { seen[l.Name] = true })
	}
	return sortedKeys(seen), nil, nil
}

// LabelValues lists the values of one label among the matching series.
func (tq *tenantQuerier) LabelValues(ctx context.Context, name string, _ *storage.LabelHints, matchers ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	series, err := tq.series(ctx, tq.q.read(nil, tq.mint, tq.maxt), matchers)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, s := range series {
		if v := s.Labels().Get(name); v != "" {
			seen[v] = true
		}
	}
	return sortedKeys(seen), nil, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// series reads and builds every matching series of r, sorted by labels;
// more than maxSeries is errs.ErrLimitExceeded.
func (tq *tenantQuerier) series(ctx context.Context, r seriesRead, matchers []*labels.Matcher) ([]storage.Series, error) {
	q := tq.q
	var kinds [3]bool
	for _, pm := range probeMetrics {
		if matches(matchers, labels.MetricName, pm.Name) {
			kinds[pm.kind] = true
		}
	}
	if !kinds[kindResult] && !kinds[kindCounter] && !kinds[kindInfo] {
		return nil, nil
	}
	list, _, err := q.store.ListMonitors(ctx, q.tenant, store.MonitorFilter{})
	if err != nil {
		return nil, err
	}
	monitors := map[uuid.UUID]model.Monitor{}
	var ids []uuid.UUID
	for _, m := range list {
		if matchAll(matchers, monitorLabels(m)) {
			monitors[m.ID] = m
			ids = append(ids, m.ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	b := &seriesBuilder{matchers: matchers, byKey: map[string]*builtSeries{}}
	if r.stride == 0 {
		err = tq.rawSeries(ctx, b, r, monitors, ids, kinds)
	} else {
		err = tq.bucketSeries(ctx, b, r, monitors, ids, kinds)
	}
	if err != nil {
		return nil, err
	}
	if kinds[kindInfo] {
		if err := tq.info(b, r, monitors, ids); err != nil {
			return nil, err
		}
	}
	out := b.list()
	if len(out) > q.maxSeries {
		return nil, errs.Describe(errs.ErrLimitExceeded,
			fmt.Sprintf("the query selects more than %d series; narrow the selector", q.maxSeries))
	}
	return out, nil
}

// rawSeries builds the series from raw results: one sample per result.
func (tq *tenantQuerier) rawSeries(ctx context.Context, b *seriesBuilder, r seriesRead, monitors map[uuid.UUID]model.Monitor,
	ids []uuid.UUID, kinds [3]bool) error {
	q := tq.q
	if !kinds[kindResult] && !kinds[kindCounter] {
		return nil
	}
	results, err := q.store.ProbeResults(ctx, q.tenant, ids, r.from, r.to, q.maxRows)
	if err != nil {
		return err
	}
	if kinds[kindResult] {
		for _, res := range results {
			base := append(monitorLabels(monitors[res.MonitorID]), pair{labelProbe, res.Region})
			for _, p := range resultPoints(res) {
				b.add(p.metric, base, p, res.Time)
			}
		}
	}
	if kinds[kindCounter] {
		return tq.counters(ctx, b, monitors, ids, results, r.from, r.to)
	}
	return nil
}

// info adds probe_monitor_info: 1 at every step of the resolution (a
// minute for raw results, else the bucket width) up to now.
func (tq *tenantQuerier) info(b *seriesBuilder, r seriesRead, monitors map[uuid.UUID]model.Monitor, ids []uuid.UUID) error {
	q := tq.q
	step := max(infoStep, r.stride)
	if steps := int(r.to.Sub(r.from)/step) + 1; steps*len(ids) > q.maxRows {
		return errs.Describe(errs.ErrLimitExceeded,
			fmt.Sprintf("the query would make more than %d samples of %s; narrow the time range or the selector", q.maxRows, metricInfo))
	}
	for _, id := range ids {
		m := monitors[id]
		s := b.series(metricInfo, append(monitorLabels(m), infoLabels(m)...), nil)
		if s == nil {
			continue
		}
		for t := store.BucketStart(r.from, step); !t.After(r.to) && !t.After(q.now); t = t.Add(step) {
			if !t.Before(r.from) {
				s.append(t, 1)
			}
		}
	}
	return nil
}

// counters adds the running sums: where each monitor stood before from (the
// rollups), then one sample per result, which results in maintenance leave
// unchanged.
func (tq *tenantQuerier) counters(ctx context.Context, b *seriesBuilder, monitors map[uuid.UUID]model.Monitor, ids []uuid.UUID,
	results []model.CheckResult, from, to time.Time) error {
	q := tq.q
	totals, err := q.store.ProbeTotals(ctx, q.tenant, ids, from, q.now)
	if err != nil {
		return err
	}
	maintenance, err := q.store.MaintenanceIntervals(ctx, q.tenant, ids, from, to.Add(time.Millisecond))
	if err != nil {
		return err
	}
	series := map[uuid.UUID]*counterSeries{}
	for i, r := range results {
		if !inIntervals(r.Time, maintenance[r.MonitorID]) {
			total := totals[r.MonitorID]
			total.Add(resultRollup(r))
			totals[r.MonitorID] = total
		}
		// Results of several regions at the same instant make one sample.
		if next := i + 1; next < len(results) && results[next].MonitorID == r.MonitorID && results[next].Time.Equal(r.Time) {
			continue
		}
		cs := series[r.MonitorID]
		if cs == nil {
			cs = newCounterSeries(b, monitorLabels(monitors[r.MonitorID]))
			series[r.MonitorID] = cs
		}
		cs.add(totals[r.MonitorID], r.Time)
	}
	return nil
}

// matches reports whether value passes every matcher on name.
func matches(ms []*labels.Matcher, name, value string) bool {
	for _, m := range ms {
		if m.Name == name && !m.Matches(value) {
			return false
		}
	}
	return true
}

// matchAll reports whether the labels pass the matchers on their names; an
// absent label is the empty value, as in Prometheus.
func matchAll(ms []*labels.Matcher, ps []pair) bool {
	for _, p := range ps {
		if !matches(ms, p.name, p.value) {
			return false
		}
	}
	return true
}

// seriesBuilder collects samples into series keyed by their labels, leaving
// out series the matchers reject.
type seriesBuilder struct {
	matchers []*labels.Matcher
	byKey    map[string]*builtSeries
	rejected map[string]bool
	names    map[string]bool // metric names the matchers accept
}

type builtSeries struct {
	labels  labels.Labels
	samples []sample
}

func (b *seriesBuilder) add(metric string, base []pair, p point, t time.Time) {
	b.series(metric, base, p.labels).append(t, p.value)
}

// series is the series of metric with the base and extra labels, nil when
// the matchers reject it.
func (b *seriesBuilder) series(metric string, base, extra []pair) *builtSeries {
	ok, seen := b.names[metric]
	if !seen {
		ok = matches(b.matchers, labels.MetricName, metric)
		if b.names == nil {
			b.names = map[string]bool{}
		}
		b.names[metric] = ok
	}
	if !ok {
		return nil
	}
	lb := labels.NewScratchBuilder(len(base) + len(extra) + 1)
	lb.Add(labels.MetricName, metric)
	for _, l := range base {
		lb.Add(l.name, l.value)
	}
	for _, l := range extra {
		lb.Add(l.name, l.value)
	}
	lb.Sort()
	ls := lb.Labels()
	key := ls.String()
	if s, ok := b.byKey[key]; ok {
		return s
	}
	if b.rejected[key] {
		return nil
	}
	for _, m := range b.matchers {
		if !m.Matches(ls.Get(m.Name)) {
			if b.rejected == nil {
				b.rejected = map[string]bool{}
			}
			b.rejected[key] = true
			return nil
		}
	}
	s := &builtSeries{labels: ls}
	b.byKey[key] = s
	return s
}

// append adds a sample after the last; a nil series (rejected) takes none.
func (s *builtSeries) append(t time.Time, v float64) {
	if s == nil {
		return
	}
	ms := t.UnixMilli()
	if n := len(s.samples); n > 0 && s.samples[n-1].t >= ms {
		return // two samples in the same millisecond: keep the first
	}
	s.samples = append(s.samples, sample{t: ms, f: v})
}

func (b *seriesBuilder) list() []storage.Series {
	out := make([]storage.Series, 0, len(b.byKey))
	for _, s := range b.byKey {
		out = append(out, &storage.SeriesEntry{Lset: s.labels, SampleIteratorFn: func(chunkenc.Iterator) chunkenc.Iterator {
			return storage.NewListSeriesIterator(floatSamples(s.samples))
		}})
	}
	slices.SortFunc(out, func(a, b storage.Series) int { return labels.Compare(a.Labels(), b.Labels()) })
	return out
}

// counterSeries are one monitor's counter series (counterShape), built
// once, so that a sample of each costs an append.
type counterSeries struct {
	list   []*builtSeries
	values []float64
}

func newCounterSeries(b *seriesBuilder, base []pair) *counterSeries {
	cs := &counterSeries{}
	for _, p := range counterShape {
		cs.list = append(cs.list, b.series(p.metric, base, p.labels))
	}
	return cs
}

// add appends where the running sums total stand at t.
func (cs *counterSeries) add(total model.Rollup, t time.Time) {
	cs.values = counterValues(total, cs.values)
	for i, s := range cs.list {
		s.append(t, cs.values[i])
	}
}

// seriesSet walks a built list.
type seriesSet struct {
	list []storage.Series
	i    int
}

func (s *seriesSet) Next() bool                        { s.i++; return s.i < len(s.list) }
func (s *seriesSet) At() storage.Series                { return s.list[s.i] }
func (s *seriesSet) Err() error                        { return nil }
func (s *seriesSet) Warnings() annotations.Annotations { return nil }

// sample is one float sample.
type sample struct {
	t int64
	f float64
}

func (s *sample) T() int64                      { return s.t }
func (s *sample) ST() int64                     { return 0 }
func (s *sample) F() float64                    { return s.f }
func (s *sample) H() *histogram.Histogram       { return nil }
func (s *sample) FH() *histogram.FloatHistogram { return nil }
func (s *sample) Type() chunkenc.ValueType      { return chunkenc.ValFloat }
func (s *sample) Copy() chunks.Sample           { c := *s; return &c }

// floatSamples are a built series' samples as the engine's list iterator
// reads them: by pointer, so that reading one allocates nothing.
type floatSamples []sample

func (s floatSamples) Get(i int) chunks.Sample { return &s[i] }
func (s floatSamples) Len() int                { return len(s) }
