package api

import (
	"strconv"
	"time"

	"github.com/vinsight/vinsight/internal/model"
)

// The tenant's monitors as Prometheus metrics, with the names and labels of
// blackbox_exporter and Grafana Synthetic Monitoring, so their dashboards
// and alert rules work unchanged. The export (GET /api/v1/metrics) and the
// PromQL API (/api/v1/prom) both build their series from here.

// metricKind says where a metric's samples come from.
type metricKind int

const (
	kindResult  metricKind = iota // one sample per raw result, per region
	kindCounter                   // running sums of the monitor's checks, all regions
	kindInfo                      // 1 while the monitor exists
)

// probeMetric is one exported metric.
type probeMetric struct {
	Name string
	Type string // Prometheus metadata type: gauge, counter, histogram, summary, info
	Help string
	Unit string
	kind metricKind
}

// Metric names.
const (
	metricSuccess       = "probe_success"
	metricDuration      = "probe_duration_seconds"
	metricStatusCode    = "probe_http_status_code"
	metricPhase         = "probe_http_duration_seconds"
	metricDNS           = "probe_dns_lookup_time_seconds"
	metricCertExpiry    = "probe_ssl_earliest_cert_expiry"
	metricSuccessSum    = "probe_all_success_sum"
	metricSuccessCount  = "probe_all_success_count"
	metricLatencyBucket = "probe_all_duration_seconds_bucket"
	metricLatencySum    = "probe_all_duration_seconds_sum"
	metricLatencyCount  = "probe_all_duration_seconds_count"
	metricInfo          = "probe_monitor_info"
)

// probeMetrics are every metric the tenant's data answers, in export order.
var probeMetrics = []probeMetric{
	{metricSuccess, "gauge", "Whether the last probe succeeded (1: up or degraded, 0: down).", "", kindResult},
	{metricDuration, "gauge", "How long the probe took in seconds.", "seconds", kindResult},
	{metricStatusCode, "gauge", "HTTP status code of the probe's response.", "", kindResult},
	{metricPhase, "gauge", "Duration of an HTTP probe by phase (resolve, connect, tls, processing: until the first byte).", "seconds", kindResult},
	{metricDNS, "gauge", "Time the probe's DNS lookup took in seconds.", "seconds", kindResult},
	{metricCertExpiry, "gauge", "Expiry of the earliest certificate in the chain, as a Unix timestamp.", "seconds", kindResult},
	{metricSuccessSum, "counter", "Checks that succeeded (up or degraded), outside maintenance, all regions.", "", kindCounter},
	{metricSuccessCount, "counter", "Checks made, outside maintenance, all regions.", "", kindCounter},
	{metricLatencyBucket, "counter", "Checks whose latency was at most le seconds (cumulative), outside maintenance.", "seconds", kindCounter},
	{metricLatencySum, "counter", "Sum of the latencies of the checks in seconds, outside maintenance.", "seconds", kindCounter},
	{metricLatencyCount, "counter", "Checks that measured a latency, outside maintenance.", "", kindCounter},
	{metricInfo, "info", "The monitor's name, type and target; always 1.", "", kindInfo},
}

// Label names.
const (
	labelJob     = "job"
	labelInst    = "instance"
	labelMonitor = "monitor_id"
	labelProbe   = "probe"
	labelPhase   = "phase"
	labelLE      = "le"
)

// pair is one label name and value.
type pair struct{ name, value string }

// monitorLabels identify a monitor in every series: job is its name,
// instance its target.
func monitorLabels(m model.Monitor) []pair {
	return []pair{{labelJob, m.Name}, {labelInst, m.Target}, {labelMonitor, m.ID.String()}}
}

// infoLabels are the extra labels of probe_monitor_info.
func infoLabels(m model.Monitor) []pair {
	return []pair{{"name", m.Name}, {"type", string(m.Type)}, {"target", m.Target}}
}

// point is one value of a metric, with labels beyond the monitor's.
type point struct {
	metric string
	labels []pair
	value  float64
}

// resultPoints are the gauges one result sets; a measurement the probe did
// not get to is left out, as blackbox_exporter leaves it.
func resultPoints(r model.CheckResult) []point {
	success := 0.0
	if r.Status != model.ResultDown {
		success = 1
	}
	out := []point{{metric: metricSuccess, value: success}}
	if r.LatencyMS != nil {
		out = append(out, point{metric: metricDuration, value: *r.LatencyMS / 1000})
	}
	if r.StatusCode > 0 {
		out = append(out, point{metric: metricStatusCode, value: float64(r.StatusCode)})
	}
	for _, ph := range []struct {
		name string
		ms   *float64
	}{{"resolve", r.DNSMS}, {"connect", r.ConnectMS}, {"tls", r.TLSMS}, {"processing", r.TTFBMS}} {
		if ph.ms != nil {
			out = append(out, point{metric: metricPhase, labels: []pair{{labelPhase, ph.name}}, value: *ph.ms / 1000})
		}
	}
	if r.DNSMS != nil {
		out = append(out, point{metric: metricDNS, value: *r.DNSMS / 1000})
	}
	if r.CertExpiresAt != nil {
		out = append(out, point{metric: metricCertExpiry, value: float64(r.CertExpiresAt.Unix())})
	}
	return out
}

// leLabels are the histogram's bounds in seconds, as Prometheus writes them.
var leLabels = func() []string {
	out := make([]string, len(model.LatencyBoundsMS))
	for i, b := range model.LatencyBoundsMS {
		out[i] = strconv.FormatFloat(float64(b)/1000, 'f', -1, 64)
	}
	return out
}()

// counterShape are a monitor's counters, in export order, without their
// values: counterValues gives those.
var counterShape = func() []point {
	out := []point{{metric: metricSuccessSum}, {metric: metricSuccessCount}}
	for _, le := range leLabels {
		out = append(out, point{metric: metricLatencyBucket, labels: []pair{{labelLE, le}}})
	}
	return append(out, point{metric: metricLatencyBucket, labels: []pair{{labelLE, "+Inf"}}},
		point{metric: metricLatencySum}, point{metric: metricLatencyCount})
}()

// counterValues are the counters' values for a monitor's running sums, in
// the order of counterShape, written over dst.
func counterValues(total model.Rollup, dst []float64) []float64 {
	dst = append(dst[:0], float64(total.Up+total.Degraded), float64(total.Checks))
	for i := range leLabels {
		var n int64
		if i < len(total.LatencyLE) {
			n = total.LatencyLE[i]
		}
		dst = append(dst, float64(n))
	}
	return append(dst, float64(total.LatencyCount), total.LatencySumMS/1000, float64(total.LatencyCount))
}

// resultRollup is one result as a rollup row, to add to running sums.
func resultRollup(r model.CheckResult) model.Rollup {
	out := model.Rollup{Checks: 1, LatencyLE: make([]int64, len(model.LatencyBoundsMS))}
	switch r.Status {
	case model.ResultUp:
		out.Up = 1
	case model.ResultDegraded:
		out.Degraded = 1
	}
	if r.LatencyMS != nil {
		out.LatencyCount, out.LatencySumMS = 1, *r.LatencyMS
		out.LatencyMinMS, out.LatencyMaxMS = r.LatencyMS, r.LatencyMS
		for i, b := range model.LatencyBoundsMS {
			if *r.LatencyMS <= float64(b) {
				out.LatencyLE[i] = 1
			}
		}
	}
	return out
}

// inIntervals reports whether t falls in one of the sorted intervals.
func inIntervals(t time.Time, iv []model.Interval) bool {
	for _, i := range iv {
		if !t.Before(i.From) && t.Before(i.To) {
			return true
		}
	}
	return false
}
