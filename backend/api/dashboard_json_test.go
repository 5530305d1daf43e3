package api

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/store"
)

// referenceDashboardMonitor is the dashboard's monitor as encoding/json
// would write it from plain fields: what the hand-written encoding must
// match byte for byte.
type referenceDashboardMonitor struct {
	ID              uuid.UUID           `json:"id"`
	Name            string              `json:"name"`
	Type            model.MonitorType   `json:"type"`
	Target          string              `json:"target"`
	Status          model.MonitorStatus `json:"status"`
	Enabled         bool                `json:"enabled"`
	IntervalSeconds int                 `json:"interval_seconds"`
	LastCheckedAt   *time.Time          `json:"last_checked_at"`
	LastLatencyMS   *float64            `json:"last_latency_ms"`
	Uptime24h       *float64            `json:"uptime_24h"`
	Checks24h       int64               `json:"checks_24h"`
	DailyUptime     []*float64          `json:"daily_uptime"`
	DailyFailed     []int64             `json:"daily_failed_checks"`
	HourlyLatencyMS []*float64          `json:"hourly_latency_ms"`
}

func referenceDashboard(t *testing.T, dates []string, hours []time.Time, rows []store.DashboardRow, meta map[string]any) []byte {
	out := make([]referenceDashboardMonitor, len(rows))
	for i, r := range rows {
		d := referenceDashboardMonitor{ID: r.ID, Name: r.Name, Type: r.Type, Target: r.Target, Status: r.Status, Enabled: r.Enabled,
			IntervalSeconds: r.IntervalSeconds, LastCheckedAt: r.LastCheckedAt, LastLatencyMS: r.LastLatencyMS,
			Uptime24h: r.Last24h.Uptime(), Checks24h: r.Last24h.Checks, DailyFailed: make([]int64, len(r.Daily))}
		for j, day := range r.Daily {
			d.DailyUptime = append(d.DailyUptime, day.Uptime())
			d.DailyFailed[j] = day.Failed()
		}
		for _, hour := range r.Hourly {
			d.HourlyLatencyMS = append(d.HourlyLatencyMS, hour.LatencyAvgMS())
		}
		out[i] = d
	}
	b, err := json.Marshal(envelope{Data: map[string]any{"days": dates, "hours": hours, "monitors": out}, Meta: meta})
	require.NoError(t, err)
	return b
}

// TestDashboardEnvelopeIsWhatEncodingJSONWrites: names that need escaping,
// missing and present optional values, ratios with long expansions, tiny
// and huge latencies all come out as encoding/json writes them.
func TestDashboardEnvelopeIsWhatEncodingJSONWrites(t *testing.T) {
	checked := time.Date(2026, 3, 29, 1, 30, 0, 123456789, time.UTC)
	latency := 12.345678901234
	rows := []store.DashboardRow{
		{
			MonitorSummary: store.MonitorSummary{ID: uuid.New(), Name: `api <prod> & "edge" \ ünïcode` + "\u2028\x01", Type: model.TypeHTTP,
				Target: "https://example.com/?a=1&b=<2>", Status: model.StatusUp, Enabled: true, IntervalSeconds: 30, LastCheckedAt: &checked},
			LastLatencyMS: &latency,
			Last24h:       model.Rollup{Checks: 2880, Up: 2877, Degraded: 1},
			Daily:         []model.Rollup{{}, {Checks: 3, Up: 1, Degraded: 1}, {Checks: 7, Up: 7}, {Checks: 1_000_000, Up: 1}},
			Hourly:        []model.Rollup{{}, {LatencyCount: 3, LatencySumMS: 1}, {LatencyCount: 1, LatencySumMS: 1e-9}, {LatencyCount: 1, LatencySumMS: 3e21}, {LatencyCount: 2, LatencySumMS: 0}},
		},
		{
			MonitorSummary: store.MonitorSummary{ID: uuid.New(), Name: "plain", Type: model.TypeTCP, Target: "127.0.0.1:9", Status: model.StatusPaused},
			Daily:          []model.Rollup{{}, {}},
			Hourly:         []model.Rollup{{}},
		},
	}
	dates := []string{"2026-03-28", "2026-03-29"}
	hours := []time.Time{checked.Truncate(time.Hour), checked.Truncate(time.Hour).Add(time.Hour)}
	meta := map[string]any{"page": 1, "per_page": 1000, "total": 2, "generated_at": checked}

	got, err := dashboardEnvelope(dates, hours, rows, meta)
	require.NoError(t, err)
	assert.Equal(t, string(referenceDashboard(t, dates, hours, rows, meta)), string(got))

	empty, err := dashboardEnvelope([]string{}, []time.Time{}, nil, map[string]any{})
	require.NoError(t, err)
	assert.Equal(t, string(referenceDashboard(t, []string{}, []time.Time{}, nil, map[string]any{})), string(empty))
}

// TestJSONFloatsAreWhatEncodingJSONWrites over magnitudes from 1e-300 to
// 1e300, both signs, and the boundaries where the exponent form starts.
func TestJSONFloatsAreWhatEncodingJSONWrites(t *testing.T) {
	values := []float64{0, 1, -1, 0.5, 1.0 / 3, 2.0 / 3, 99.99, 1e-6, 9.99999e-7, 1e-7, 1e20, 1e21, 1.5e21, math.MaxFloat64, math.SmallestNonzeroFloat64}
	for e := -300; e <= 300; e += 7 {
		values = append(values, 1.2345678*math.Pow(10, float64(e)))
	}
	for _, v := range append(values, negate(values)...) {
		want, err := json.Marshal(v)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(jsonBuf(nil).float(v)), "%g", v)
	}
	assert.Equal(t, "null", string(jsonBuf(nil).float(math.NaN())))
}

func negate(vs []float64) []float64 {
	out := make([]float64, len(vs))
	for i, v := range vs {
		out[i] = -v
	}
	return out
}
