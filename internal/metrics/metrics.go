// Package metrics defines the platform's own Prometheus metrics (namespace
// vinsight). Labels have bounded values: never a tenant or monitor id.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const namespace = "vinsight"

// NewRegistry returns a registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Handler serves the registry in the Prometheus exposition format.
func Handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}

// HTTP measures the API's requests by route template, method and status class.
type HTTP struct {
	Requests *prometheus.CounterVec
	Duration *prometheus.HistogramVec
}

// NewHTTP registers the request metrics on reg.
func NewHTTP(reg prometheus.Registerer) *HTTP {
	m := &HTTP{
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "http_requests_total",
			Help: "HTTP requests by route template, method and status class.",
		}, []string{"route", "method", "status"}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "http_request_duration_seconds",
			Help:    "HTTP request latency by route template and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.Requests, m.Duration)
	return m
}

// Worker measures probing and ingest.
type Worker struct {
	Checks              *prometheus.CounterVec
	ScheduleLag         prometheus.Histogram
	IngestBatchSize     prometheus.Histogram
	IngestBatchDuration prometheus.Histogram
	IngestQueueDepth    prometheus.Gauge
	IngestErrors        prometheus.Counter
	IngestWritten       prometheus.Counter
	IngestSpoolResults  prometheus.Gauge
	IngestSpoolBytes    prometheus.Gauge
	IngestSpooled       prometheus.Counter
	IngestDropped       prometheus.Counter
	IngestSetAside      prometheus.Counter
	ProbeDuration       *prometheus.HistogramVec
	Notifications       *prometheus.CounterVec
	NotifyDuration      *prometheus.HistogramVec
}

// NewWorker registers the worker metrics on reg.
func NewWorker(reg prometheus.Registerer) *Worker {
	m := &Worker{
		Checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "checks_total",
			Help: "Probes run by monitor type and result (up, degraded, down).",
		}, []string{"type", "result"}),
		ScheduleLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "schedule_lag_seconds",
			Help:    "Delay between a probe's planned and actual start.",
			Buckets: []float64{.001, .005, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		IngestBatchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "ingest_batch_size",
			Help:    "Results per batch written to the store.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 9),
		}),
		IngestBatchDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "ingest_batch_duration_seconds",
			Help:    "Time to write one batch (COPY and rollups).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
		IngestQueueDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "ingest_queue_depth",
			Help: "Results waiting to be written.",
		}),
		IngestErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "ingest_errors_total",
			Help: "Failed batch writes (the batch is kept and retried).",
		}),
		IngestWritten: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "ingest_results_written_total",
			Help: "Results written to the store.",
		}),
	}
	reg.MustRegister(m.Checks, m.ScheduleLag, m.IngestBatchSize, m.IngestBatchDuration,
		m.IngestQueueDepth, m.IngestErrors, m.IngestWritten)
	registerSpool(reg, m)
	registerNotify(reg, m)
	return m
}

// registerNotify adds the metrics of notification delivery.
func registerNotify(reg prometheus.Registerer, m *Worker) {
	m.Notifications = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "notifications_total",
		Help: "Notification delivery attempts by channel type and result (delivered, retry, failed).",
	}, []string{"channel_type", "result"})
	m.NotifyDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "notification_duration_seconds",
		Help:    "Time one delivery attempt took, by channel type.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"channel_type"})
	reg.MustRegister(m.Notifications, m.NotifyDuration)
}

// registerSpool adds the metrics of the on-disk spool that holds results
// while the database is away and memory is full.
func registerSpool(reg prometheus.Registerer, m *Worker) {
	m.IngestSpoolResults = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "ingest_spool_results",
		Help: "Results held in the on-disk spool, waiting to be written.",
	})
	m.IngestSpoolBytes = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "ingest_spool_bytes",
		Help: "Disk used by the spool files.",
	})
	m.IngestSpooled = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "ingest_spooled_total",
		Help: "Results moved from memory to the spool.",
	})
	m.IngestDropped = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "ingest_dropped_total",
		Help: "Results lost because memory and spool were both full (should stay 0).",
	})
	m.IngestSetAside = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "ingest_set_aside_total",
		Help: "Spool files or batches moved to the spool's rejected directory (unreadable, or refused by the database).",
	})
	reg.MustRegister(m.IngestSpoolResults, m.IngestSpoolBytes, m.IngestSpooled, m.IngestDropped, m.IngestSetAside)
	m.ProbeDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "probe_duration_seconds",
		Help:    "Time one probe attempt took, by monitor type.",
		Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"type"})
	reg.MustRegister(m.ProbeDuration)
}
