package api

import (
	"context"
	"fmt"
	"slices"
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
}

func (*tenantQuerier) Close() error { return nil }

// Select builds the series that match: only the metrics and monitors the
// matchers allow are read from the store.
func (tq *tenantQuerier) Select(ctx context.Context, sortSeries bool, hints *storage.SelectHints, matchers ...*labels.Matcher) storage.SeriesSet {
	from, to := tq.mint, tq.maxt
	if hints != nil && hints.Start != 0 {
		from, to = time.UnixMilli(hints.Start).UTC(), time.UnixMilli(hints.End).UTC()
	}
	series, err := tq.series(ctx, from, to, matchers)
	if err != nil {
		return storage.ErrSeriesSet(err)
	}
	return &seriesSet{list: series, i: -1}
}

// LabelNames lists the label names of the matching series.
func (tq *tenantQuerier) LabelNames(ctx context.Context, _ *storage.LabelHints, matchers ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	series, err := tq.series(ctx, tq.mint, tq.maxt, matchers)
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
	series, err := tq.series(ctx, tq.mint, tq.maxt, matchers)
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

// series reads and builds every matching series over [from, to], sorted by
// labels; more than maxSeries is errs.ErrLimitExceeded.
func (tq *tenantQuerier) series(ctx context.Context, from, to time.Time, matchers []*labels.Matcher) ([]storage.Series, error) {
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
	var results []model.CheckResult
	if kinds[kindResult] || kinds[kindCounter] {
		if results, err = q.store.ProbeResults(ctx, q.tenant, ids, from, to, q.maxRows); err != nil {
			return nil, err
		}
	}
	if kinds[kindResult] {
		for _, r := range results {
			base := append(monitorLabels(monitors[r.MonitorID]), pair{labelProbe, r.Region})
			for _, p := range resultPoints(r) {
				b.add(p.metric, base, p, r.Time)
			}
		}
	}
	if kinds[kindCounter] {
		if err := tq.counters(ctx, b, monitors, ids, results, from, to); err != nil {
			return nil, err
		}
	}
	if kinds[kindInfo] {
		if steps := int(to.Sub(from)/infoStep) + 1; steps*len(ids) > q.maxRows {
			return nil, errs.Describe(errs.ErrLimitExceeded,
				fmt.Sprintf("the query would make more than %d samples of %s; narrow the time range or the selector", q.maxRows, metricInfo))
		}
		for _, id := range ids {
			m := monitors[id]
			labels := append(monitorLabels(m), infoLabels(m)...)
			start := from.Truncate(infoStep)
			for t := start; !t.After(to) && !t.After(q.now); t = t.Add(infoStep) {
				if !t.Before(from) {
					b.add(metricInfo, labels, point{metric: metricInfo, value: 1}, t)
				}
			}
		}
	}
	out := b.list()
	if len(out) > q.maxSeries {
		return nil, errs.Describe(errs.ErrLimitExceeded,
			fmt.Sprintf("the query selects more than %d series; narrow the selector", q.maxSeries))
	}
	return out, nil
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
	emit := func(id uuid.UUID, t time.Time) {
		for _, p := range counterPoints(totals[id]) {
			b.add(p.metric, monitorLabels(monitors[id]), p, t)
		}
	}
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
		emit(r.MonitorID, r.Time)
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
}

type builtSeries struct {
	labels  labels.Labels
	samples []chunks.Sample
}

func (b *seriesBuilder) add(metric string, base []pair, p point, t time.Time) {
	lb := labels.NewScratchBuilder(len(base) + len(p.labels) + 1)
	lb.Add(labels.MetricName, metric)
	for _, l := range base {
		lb.Add(l.name, l.value)
	}
	for _, l := range p.labels {
		lb.Add(l.name, l.value)
	}
	lb.Sort()
	ls := lb.Labels()
	key := ls.String()
	s, ok := b.byKey[key]
	if !ok {
		if b.rejected[key] {
			return
		}
		for _, m := range b.matchers {
			if !m.Matches(ls.Get(m.Name)) {
				if b.rejected == nil {
					b.rejected = map[string]bool{}
				}
				b.rejected[key] = true
				return
			}
		}
		s = &builtSeries{labels: ls}
		b.byKey[key] = s
	}
	ms := t.UnixMilli()
	if n := len(s.samples); n > 0 && s.samples[n-1].T() >= ms {
		return // two results in the same millisecond: keep the first
	}
	s.samples = append(s.samples, sample{t: ms, f: p.value})
}

func (b *seriesBuilder) list() []storage.Series {
	out := make([]storage.Series, 0, len(b.byKey))
	for _, s := range b.byKey {
		out = append(out, storage.NewListSeries(s.labels, s.samples))
	}
	slices.SortFunc(out, func(a, b storage.Series) int { return labels.Compare(a.Labels(), b.Labels()) })
	return out
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

func (s sample) T() int64                      { return s.t }
func (s sample) ST() int64                     { return 0 }
func (s sample) F() float64                    { return s.f }
func (s sample) H() *histogram.Histogram       { return nil }
func (s sample) FH() *histogram.FloatHistogram { return nil }
func (s sample) Type() chunkenc.ValueType      { return chunkenc.ValFloat }
func (s sample) Copy() chunks.Sample           { return s }
