package api_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/store"
)

// probed is a monitor with three hours of one-minute results: every 17th
// down, the rest up (every 5th degraded), latencies 10 ms and up. Results
// lie half a minute off the minute, so windows ending "now" never cut one.
type probed struct {
	id      string
	results []model.CheckResult
}

func (s *testServer) probedMonitor(t *testing.T, owner client, name string) probed {
	t.Helper()
	id := idOf(t, owner.do("POST", "/api/v1/monitors", monitorBody(name)))
	var me meData
	owner.do("GET", "/api/v1/me", nil).into(t, &me)
	now := time.Now().UTC().Truncate(time.Minute).Add(-30 * time.Second)
	p := probed{id: id}
	for i := range 180 {
		lat := 10 + float64(i%40)
		r := model.CheckResult{Time: now.Add(-time.Duration(i) * time.Minute), TenantID: me.Tenant.TenantID,
			MonitorID: uuid.MustParse(id), Region: "local", Status: model.ResultUp, LatencyMS: &lat, StatusCode: 200}
		switch {
		case i%17 == 0:
			r.Status, r.ErrorKind, r.Message, r.StatusCode = model.ResultDown, "http_status", "status 503", 503
		case i%5 == 0:
			r.Status = model.ResultDegraded
		}
		p.results = append(p.results, r)
	}
	ctx := context.Background()
	require.NoError(t, s.Store.WriteResults(ctx, p.results))
	newest := p.results[0]
	require.NoError(t, s.Store.RecordMonitorStates(ctx, []store.MonitorState{{TenantID: newest.TenantID,
		MonitorID: newest.MonitorID, Region: "local", Status: model.StatusDown, CheckedAt: newest.Time}}))
	return p
}

// since counts the results newer than d ago: all, failed.
func (p probed) since(d time.Duration) (checks, failed int64) {
	cut := time.Now().Add(-d)
	for _, r := range p.results {
		if r.Time.After(cut) {
			checks++
			if r.Status == model.ResultDown {
				failed++
			}
		}
	}
	return checks, failed
}

// between counts the results in [from, to).
func (p probed) between(from, to time.Time) int64 {
	n := int64(0)
	for _, r := range p.results {
		if !r.Time.Before(from) && r.Time.Before(to) {
			n++
		}
	}
	return n
}

type availabilityData struct {
	Checks          int64    `json:"checks"`
	FailedChecks    int64    `json:"failed_checks"`
	Uptime          *float64 `json:"uptime"`
	DowntimeSeconds int64    `json:"downtime_seconds"`
}

func TestMonitorUptimeWindows(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Acme")
	p := ts.probedMonitor(t, owner, "api")

	var got struct {
		Windows []struct {
			Window    string `json:"window"`
			Incidents int    `json:"incidents"`
			availabilityData
		} `json:"windows"`
	}
	res := owner.do("GET", "/api/v1/monitors/"+p.id+"/uptime", nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Raw))
	res.into(t, &got)
	require.Len(t, got.Windows, 5)
	for i, w := range []time.Duration{time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour, 90 * 24 * time.Hour} {
		checks, failed := p.since(w)
		assert.Equal(t, []string{"1h", "24h", "7d", "30d", "90d"}[i], got.Windows[i].Window)
		assert.Equal(t, checks, got.Windows[i].Checks, got.Windows[i].Window)
		assert.Equal(t, failed, got.Windows[i].FailedChecks)
		assert.Equal(t, failed*60, got.Windows[i].DowntimeSeconds, "each failed check stands for one interval")
		assert.InDelta(t, float64(checks-failed)/float64(checks), *got.Windows[i].Uptime, 1e-12)
		assert.Equal(t, 1, got.Windows[i].Incidents, "the monitor is down now: one open incident")
	}

	res = owner.do("GET", "/api/v1/monitors/"+p.id+"/uptime?windows=90m,2d", nil)
	res.into(t, &got)
	require.Len(t, got.Windows, 2)
	assert.Equal(t, "90m", got.Windows[0].Window)
	checks, _ := p.since(90 * time.Minute)
	assert.Equal(t, checks, got.Windows[0].Checks)

	for _, bad := range []string{"windows=", "windows=1y", "windows=0h", "windows=24h,abc", "windows=9999d"} {
		res := owner.do("GET", "/api/v1/monitors/"+p.id+"/uptime?"+bad, nil)
		assert.Equal(t, http.StatusBadRequest, res.Status, bad)
		assert.Equal(t, "VALIDATION_ERROR", res.code())
		assert.Contains(t, string(res.Raw), "windows")
	}
}

// Time inside a maintenance window counts neither way.
func TestMaintenanceIsLeftOutOfUptime(t *testing.T) {
	ts := newTestServer(t, map[string]string{"VINSIGHT_SECRET_KEY": strings.Repeat("ab", 32)})
	owner, _ := ts.signup(t, "Acme")
	p := ts.probedMonitor(t, owner, "api")
	from := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Minute)
	to := from.Add(time.Hour)
	res := owner.do("POST", "/api/v1/maintenance-windows", map[string]any{"name": "upgrade",
		"starts_at": from.Format("2006-01-02T15:04"), "ends_at": to.Format("2006-01-02T15:04"), "time_zone": "UTC", "all_monitors": true})
	require.Equal(t, http.StatusCreated, res.Status, string(res.Raw))

	inside := int64(0)
	for _, r := range p.results {
		if !r.Time.Before(from) && r.Time.Before(to) {
			inside++
		}
	}
	require.Equal(t, int64(60), inside)
	var got struct {
		Windows []availabilityData `json:"windows"`
	}
	owner.do("GET", "/api/v1/monitors/"+p.id+"/uptime?windows=24h", nil).into(t, &got)
	assert.Equal(t, int64(len(p.results))-inside, got.Windows[0].Checks)

	var series struct {
		Points []struct {
			Time time.Time `json:"time"`
			availabilityData
		} `json:"points"`
	}
	owner.do("GET", "/api/v1/monitors/"+p.id+"/series?step=1h&from="+from.Add(-time.Hour).Format(time.RFC3339)+"&to="+to.Add(time.Hour).Format(time.RFC3339), nil).into(t, &series)
	total := int64(0)
	for _, pt := range series.Points {
		total += pt.Checks
	}
	assert.Equal(t, int64(120), total, "the hour before and after, none of the hour in between")

	var rows []availabilityData
	owner.do("GET", "/api/v1/reports/sla?from="+from.Add(-3*time.Hour).Format(time.RFC3339), nil).into(t, &rows)
	assert.Equal(t, int64(len(p.results))-inside, rows[0].Checks)
}

func TestMonitorSeries(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Acme")
	p := ts.probedMonitor(t, owner, "api")
	type point struct {
		Time time.Time `json:"time"`
		availabilityData
		P50 *float64 `json:"latency_p50_ms"`
		P99 *float64 `json:"latency_p99_ms"`
		Avg *float64 `json:"latency_avg_ms"`
		Min *float64 `json:"latency_min_ms"`
		Max *float64 `json:"latency_max_ms"`
	}
	var got struct {
		Step   string  `json:"step"`
		Points []point `json:"points"`
	}
	res := owner.do("GET", "/api/v1/monitors/"+p.id+"/series", nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Raw))
	res.into(t, &got)
	assert.Equal(t, "5m", got.Step, "24 hours in at most 500 points")
	assert.InDelta(t, 24*12, len(got.Points), 1)
	var total int64
	for _, pt := range got.Points {
		total += pt.Checks
		if pt.Checks > 0 {
			require.NotNil(t, pt.P50)
			assert.GreaterOrEqual(t, *pt.P50, *pt.Min)
			assert.LessOrEqual(t, *pt.P99, *pt.Max)
		} else {
			assert.Nil(t, pt.Uptime, "no checks, no uptime")
		}
	}
	assert.Equal(t, int64(len(p.results)), total, "every result is in a bucket")

	to := time.Now().UTC().Truncate(time.Minute)
	from := to.Add(-2 * time.Hour)
	q := "?from=" + from.Format(time.RFC3339) + "&to=" + to.Format(time.RFC3339) + "&step=1h"
	res = owner.do("GET", "/api/v1/monitors/"+p.id+"/series"+q, nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Raw))
	res.into(t, &got)
	checks := p.between(from, to)
	total = 0
	for _, pt := range got.Points {
		total += pt.Checks
	}
	assert.Equal(t, checks, total)

	for bad, field := range map[string]string{
		"?step=7m":                "step",
		"?step=abc":               "step",
		"?step=30s":               "step",
		"?from=2026-01-02&to=now": "from",
		"?from=" + to.Format(time.RFC3339) + "&to=" + from.Format(time.RFC3339): "from",
		"?from=" + to.Add(-30*24*time.Hour).Format(time.RFC3339) + "&step=1m":   "step",
	} {
		res := owner.do("GET", "/api/v1/monitors/"+p.id+"/series"+bad, nil)
		assert.Equal(t, http.StatusBadRequest, res.Status, bad)
		assert.Contains(t, string(res.Raw), `"`+field+`"`, bad)
	}
	res = owner.do("GET", "/api/v1/monitors/"+p.id+"/series?from="+to.Add(-30*24*time.Hour).Format(time.RFC3339)+"&step=1m", nil)
	assert.Contains(t, string(res.Raw), "at least 2h", "the error names the smallest step that fits")
}

func TestMonitorResultsPages(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Acme")
	p := ts.probedMonitor(t, owner, "api")
	type result struct {
		Time      time.Time `json:"time"`
		Status    string    `json:"status"`
		ErrorKind *string   `json:"error_kind"`
	}
	seen := map[time.Time]bool{}
	path := "/api/v1/monitors/" + p.id + "/results?per_page=50"
	pages := 0
	for {
		var page []result
		res := owner.do("GET", path, nil)
		require.Equal(t, http.StatusOK, res.Status, string(res.Raw))
		res.into(t, &page)
		var meta struct {
			Meta struct {
				NextCursor *string `json:"next_cursor"`
			} `json:"meta"`
		}
		require.NoError(t, json.Unmarshal(res.Raw, &meta))
		pages++
		for i, r := range page {
			assert.False(t, seen[r.Time], "a result on two pages")
			seen[r.Time] = true
			if i > 0 {
				assert.True(t, r.Time.Before(page[i-1].Time), "newest first")
			}
		}
		if meta.Meta.NextCursor == nil {
			break
		}
		path = "/api/v1/monitors/" + p.id + "/results?per_page=50&cursor=" + *meta.Meta.NextCursor
	}
	assert.Len(t, seen, len(p.results))
	assert.Equal(t, 4, pages)

	var down []result
	owner.do("GET", "/api/v1/monitors/"+p.id+"/results?status=down&per_page=1000", nil).into(t, &down)
	_, failed := p.since(4 * time.Hour)
	assert.Len(t, down, int(failed))
	for _, r := range down {
		assert.Equal(t, "down", r.Status)
		require.NotNil(t, r.ErrorKind)
		assert.Equal(t, "http_status", *r.ErrorKind)
	}
	for _, bad := range []string{"status=sideways", "cursor=nope", "per_page=0", "from=yesterday"} {
		res := owner.do("GET", "/api/v1/monitors/"+p.id+"/results?"+bad, nil)
		assert.Equal(t, http.StatusBadRequest, res.Status, bad)
	}
}

func TestMonitorDailyAndDashboard(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Acme")
	p := ts.probedMonitor(t, owner, "api")
	idOf(t, owner.do("POST", "/api/v1/monitors", monitorBody("never probed")))

	var daily struct {
		Days []struct {
			Date string `json:"date"`
			availabilityData
		} `json:"days"`
	}
	res := owner.do("GET", "/api/v1/monitors/"+p.id+"/daily", nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Raw))
	res.into(t, &daily)
	require.Len(t, daily.Days, 90)
	today := time.Now().UTC().Format(time.DateOnly)
	assert.Equal(t, today, daily.Days[89].Date)
	var total int64
	for _, d := range daily.Days {
		total += d.Checks
	}
	assert.Equal(t, int64(len(p.results)), total)
	assert.Equal(t, http.StatusBadRequest, owner.do("GET", "/api/v1/monitors/"+p.id+"/daily?days=0", nil).Status)
	assert.Equal(t, http.StatusBadRequest, owner.do("GET", "/api/v1/monitors/"+p.id+"/daily?days=1000", nil).Status)

	var dash struct {
		Days     []string `json:"days"`
		Monitors []struct {
			ID            string     `json:"id"`
			Name          string     `json:"name"`
			Status        string     `json:"status"`
			LastLatencyMS *float64   `json:"last_latency_ms"`
			Uptime24h     *float64   `json:"uptime_24h"`
			Checks24h     int64      `json:"checks_24h"`
			DailyUptime   []*float64 `json:"daily_uptime"`
			DailyFailed   []int64    `json:"daily_failed_checks"`
			Hourly        []*float64 `json:"hourly_latency_ms"`
		} `json:"monitors"`
	}
	res = owner.do("GET", "/api/v1/dashboard", nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Raw))
	res.into(t, &dash)
	require.Len(t, dash.Days, 90)
	require.Len(t, dash.Monitors, 2)
	m := dash.Monitors[0]
	assert.Equal(t, p.id, m.ID)
	assert.Equal(t, "down", m.Status)
	require.NotNil(t, m.LastLatencyMS)
	assert.Equal(t, *p.results[0].LatencyMS, *m.LastLatencyMS, "the newest result's latency")
	assert.Equal(t, int64(len(p.results)), m.Checks24h)
	assert.Len(t, m.DailyUptime, 90)
	assert.Len(t, m.Hourly, 24)
	assert.True(t, m.Hourly[23] != nil || m.Hourly[22] != nil, "the newest hour has results (half a minute old)")
	assert.Nil(t, m.Hourly[0], "three hours of results leave the oldest hours empty")
	dayTotal := int64(0)
	for _, f := range m.DailyFailed {
		dayTotal += f
	}
	_, failed := p.since(4 * time.Hour)
	assert.Equal(t, failed, dayTotal)
	var win struct {
		Windows []availabilityData `json:"windows"`
	}
	owner.do("GET", "/api/v1/monitors/"+p.id+"/uptime?windows=24h", nil).into(t, &win)
	assert.Equal(t, win.Windows[0].Checks, m.Checks24h, "the dashboard's 24 hours are the uptime endpoint's")
	assert.InDelta(t, *win.Windows[0].Uptime, *m.Uptime24h, 1e-12)
	never := dash.Monitors[1]
	assert.Nil(t, never.LastLatencyMS)
	assert.Nil(t, never.Uptime24h, "no checks: no uptime, not 0 %")
	assert.Nil(t, never.DailyUptime[89])

	res = owner.do("GET", "/api/v1/dashboard?q=never", nil)
	res.into(t, &dash)
	require.Len(t, dash.Monitors, 1, "the list filters apply")
	assert.Equal(t, http.StatusBadRequest, owner.do("GET", "/api/v1/dashboard?per_page=5000", nil).Status)
}

func TestSLAReport(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Acme")
	p := ts.probedMonitor(t, owner, "api")
	other := idOf(t, owner.do("POST", "/api/v1/monitors", monitorBody("other")))
	from := time.Now().UTC().Add(-6 * time.Hour).Format(time.RFC3339)

	var rows []struct {
		MonitorID string `json:"monitor_id"`
		Name      string `json:"name"`
		availabilityData
	}
	res := owner.do("GET", "/api/v1/reports/sla?from="+from, nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Raw))
	res.into(t, &rows)
	require.Len(t, rows, 2, "every monitor by default")
	assert.Equal(t, p.id, rows[0].MonitorID)
	checks, failed := p.since(6 * time.Hour)
	assert.Equal(t, checks, rows[0].Checks)
	assert.Equal(t, failed, rows[0].FailedChecks)

	owner.do("GET", "/api/v1/reports/sla?from="+from+"&monitor_id="+other, nil).into(t, &rows)
	require.Len(t, rows, 1)
	assert.Equal(t, other, rows[0].MonitorID)

	req, err := http.NewRequest("GET", ts.URL+"/api/v1/reports/sla?from="+from+"&monitor_id="+p.id, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+owner.token)
	req.Header.Set("Accept", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv"))
	records, err := csv.NewReader(resp.Body).ReadAll()
	require.NoError(t, err)
	require.Len(t, records, 2)
	assert.Equal(t, "monitor_id", records[0][0])
	assert.Equal(t, p.id, records[1][0])
	assert.Equal(t, "api", records[1][1])

	for _, bad := range []string{"from=" + from + "&monitor_id=xyz", "from=later", "from=" + from + "&format=xml"} {
		assert.Equal(t, http.StatusBadRequest, owner.do("GET", "/api/v1/reports/sla?"+bad, nil).Status, bad)
	}
	assert.Equal(t, http.StatusNotFound, owner.do("GET", "/api/v1/reports/sla?monitor_id="+uuid.NewString(), nil).Status)
}

// Another tenant reaches none of a tenant's time-series: its monitor ids
// are unknown everywhere, and its dashboard and reports are its own.
func TestAnalyticsTenantIsolation(t *testing.T) {
	ts := newTestServer(t, nil)
	alpha, _ := ts.signup(t, "Alpha")
	beta, _ := ts.signup(t, "Beta")
	p := ts.probedMonitor(t, alpha, "alpha api")
	mine := ts.probedMonitor(t, beta, "beta api")

	for _, path := range []string{"uptime", "series", "results", "daily"} {
		res := beta.do("GET", "/api/v1/monitors/"+p.id+"/"+path, nil)
		assert.Equal(t, http.StatusNotFound, res.Status, path)
		missing := beta.do("GET", "/api/v1/monitors/"+uuid.NewString()+"/"+path, nil)
		assert.Equal(t, missing.Raw[:40], res.Raw[:40], "a foreign monitor looks like a missing one")
	}
	res := beta.do("GET", "/api/v1/reports/sla?monitor_id="+p.id, nil)
	assert.Equal(t, http.StatusNotFound, res.Status)
	res = beta.do("GET", "/api/v1/reports/sla?monitor_id="+p.id+","+mine.id, nil)
	assert.Equal(t, http.StatusNotFound, res.Status, "one foreign id spoils the report")
	for _, path := range []string{"/api/v1/dashboard", "/api/v1/reports/sla"} {
		res := beta.do("GET", path, nil)
		require.Equal(t, http.StatusOK, res.Status)
		assert.NotContains(t, string(res.Raw), p.id)
		assert.NotContains(t, string(res.Raw), "alpha api")
		assert.Contains(t, string(res.Raw), mine.id)
	}
}
