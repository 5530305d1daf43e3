package api

import (
	"cmp"
	"slices"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/proto"

	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/store"
)

// tenantMetrics is GET /api/v1/metrics: the caller's monitors in the
// Prometheus text format, or OpenMetrics when the Accept header asks for it.
// Gauges come from each region's newest result, the counters and the
// latency histogram from every check so far.
func (a *API) tenantMetrics(c *gin.Context) error {
	ctx := c.Request.Context()
	tenant := principal(c).TenantID
	list, _, err := a.store.ListMonitors(ctx, tenant, store.MonitorFilter{})
	if err != nil {
		return err
	}
	latest, err := a.store.LatestProbeResults(ctx, tenant, list)
	if err != nil {
		return err
	}
	ids := make([]uuid.UUID, 0, len(list))
	for _, m := range list {
		ids = append(ids, m.ID)
	}
	totals, err := a.store.ProbeTotals(ctx, tenant, ids, a.now(), a.now())
	if err != nil {
		return err
	}
	families := exportFamilies(list, latest, totals)

	format := expfmt.NegotiateIncludingOpenMetrics(c.Request.Header)
	c.Header("Content-Type", string(format))
	c.Status(200)
	enc := expfmt.NewEncoder(c.Writer, format)
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			return nil // the client went away mid-body; nothing more to tell it
		}
	}
	if closer, ok := enc.(expfmt.Closer); ok {
		_ = closer.Close()
	}
	return nil
}

// exportFamilies builds every metric family of the export, families and
// series in a stable order.
func exportFamilies(list []model.Monitor, latest []model.CheckResult, totals map[uuid.UUID]model.Rollup) []*dto.MetricFamily {
	byID := make(map[uuid.UUID]model.Monitor, len(list))
	for _, m := range list {
		byID[m.ID] = m
	}
	gauges := map[string]*dto.MetricFamily{}
	var out []*dto.MetricFamily
	for _, pm := range probeMetrics {
		if pm.kind != kindResult {
			continue
		}
		f := &dto.MetricFamily{Name: proto.String(pm.Name), Help: proto.String(pm.Help), Type: dto.MetricType_GAUGE.Enum()}
		gauges[pm.Name] = f
		out = append(out, f)
	}
	for _, r := range latest {
		m, ok := byID[r.MonitorID]
		if !ok {
			continue
		}
		base := append(monitorLabels(m), pair{labelProbe, r.Region})
		for _, p := range resultPoints(r) {
			gauges[p.metric].Metric = append(gauges[p.metric].Metric,
				&dto.Metric{Label: labelPairs(append(slices.Clone(base), p.labels...)), Gauge: &dto.Gauge{Value: proto.Float64(p.value)}})
		}
	}

	success := &dto.MetricFamily{Name: proto.String("probe_all_success"), Type: dto.MetricType_SUMMARY.Enum(),
		Help: proto.String("Checks that succeeded (sum) and checks made (count), outside maintenance, all regions.")}
	latency := &dto.MetricFamily{Name: proto.String("probe_all_duration_seconds"), Type: dto.MetricType_HISTOGRAM.Enum(),
		Help: proto.String("Latency of the checks in seconds, outside maintenance, all regions.")}
	info := &dto.MetricFamily{Name: proto.String(metricInfo), Type: dto.MetricType_GAUGE.Enum(),
		Help: proto.String("The monitor's name, type and target; always 1.")}
	for _, m := range list {
		labels := labelPairs(monitorLabels(m))
		t := totals[m.ID]
		success.Metric = append(success.Metric, &dto.Metric{Label: labels, Summary: &dto.Summary{
			SampleCount: proto.Uint64(uint64(t.Checks)), SampleSum: proto.Float64(float64(t.Up + t.Degraded))}})
		h := &dto.Histogram{SampleCount: proto.Uint64(uint64(t.LatencyCount)), SampleSum: proto.Float64(t.LatencySumMS / 1000)}
		for i, b := range model.LatencyBoundsMS {
			var n int64
			if i < len(t.LatencyLE) {
				n = t.LatencyLE[i]
			}
			h.Bucket = append(h.Bucket, &dto.Bucket{UpperBound: proto.Float64(float64(b) / 1000), CumulativeCount: proto.Uint64(uint64(n))})
		}
		latency.Metric = append(latency.Metric, &dto.Metric{Label: labels, Histogram: h})
		info.Metric = append(info.Metric, &dto.Metric{Label: labelPairs(append(monitorLabels(m), infoLabels(m)...)),
			Gauge: &dto.Gauge{Value: proto.Float64(1)}})
	}
	out = append(out, success, latency, info)
	return slices.DeleteFunc(out, func(f *dto.MetricFamily) bool { return len(f.Metric) == 0 })
}

// labelPairs turns pairs into sorted protobuf label pairs.
func labelPairs(ps []pair) []*dto.LabelPair {
	out := make([]*dto.LabelPair, len(ps))
	for i, p := range ps {
		out[i] = &dto.LabelPair{Name: proto.String(p.name), Value: proto.String(p.value)}
	}
	slices.SortFunc(out, func(a, b *dto.LabelPair) int { return cmp.Compare(a.GetName(), b.GetName()) })
	return out
}
