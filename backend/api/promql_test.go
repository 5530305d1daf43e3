package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/store"
)

// promFleet is a tenant with two monitors and three hours of one-minute
// results: "shop" from regions eu and us (every 7th eu result down, every
// 4th us result degraded, latencies 3 ms to 2.5 s), "api" from eu only,
// up except its newest result.
type promFleet struct {
	tenant    uuid.UUID
	owner     client
	key       string // read-only API key
	shop, api uuid.UUID
	newest    time.Time
}

func (s *testServer) promFleet(t *testing.T, tenant, shopName string) promFleet {
	t.Helper()
	owner, _ := s.signup(t, tenant)
	var me meData
	owner.do("GET", "/api/v1/me", nil).into(t, &me)
	f := promFleet{tenant: me.Tenant.TenantID, owner: owner}
	shop := monitorBody(shopName)
	shop["target"] = "https://shop.example.com/"
	f.shop = uuid.MustParse(idOf(t, owner.do("POST", "/api/v1/monitors", shop)))
	f.api = uuid.MustParse(idOf(t, owner.do("POST", "/api/v1/monitors", monitorBody(tenant+" api"))))
	reader, _ := s.key(t, owner, "read")
	f.key = reader.token

	f.newest = time.Now().UTC().Truncate(time.Minute).Add(-30 * time.Second)
	var results []model.CheckResult
	for i := range 180 {
		at := f.newest.Add(-time.Duration(i) * time.Minute)
		latencies := []float64{3, 8, 20, 45, 90, 150, 250, 400, 600, 900, 1200, 1800, 2500}
		eu := latencies[i%len(latencies)]
		us := latencies[(i*5)%len(latencies)]
		dns, connect := 2.0, 4.0
		expiry := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
		r := model.CheckResult{Time: at, TenantID: f.tenant, MonitorID: f.shop, Region: "eu", Status: model.ResultUp,
			LatencyMS: &eu, StatusCode: 200, DNSMS: &dns, ConnectMS: &connect, CertExpiresAt: &expiry}
		if i%7 == 0 {
			r.Status, r.StatusCode, r.ErrorKind = model.ResultDown, 503, "http_status"
		}
		results = append(results, r)
		r2 := model.CheckResult{Time: at, TenantID: f.tenant, MonitorID: f.shop, Region: "us", Status: model.ResultUp, LatencyMS: &us, StatusCode: 200}
		if i%4 == 0 {
			r2.Status = model.ResultDegraded
		}
		results = append(results, r2)
		ok := 30.0
		r3 := model.CheckResult{Time: at, TenantID: f.tenant, MonitorID: f.api, Region: "eu", Status: model.ResultUp, LatencyMS: &ok, StatusCode: 200}
		if i == 0 {
			r3.Status, r3.StatusCode = model.ResultDown, 500
		}
		results = append(results, r3)
	}
	ctx := context.Background()
	require.NoError(t, s.Store.WriteResults(ctx, results))
	require.NoError(t, s.Store.RecordMonitorStates(ctx, []store.MonitorState{
		{TenantID: f.tenant, MonitorID: f.shop, Region: "eu", Status: model.StatusDown, CheckedAt: f.newest},
		{TenantID: f.tenant, MonitorID: f.api, Region: "eu", Status: model.StatusDown, CheckedAt: f.newest}}))
	return f
}

// promResponse is Prometheus's response format.
type promResponse struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	code      int
	raw       string
}

// promCall sends a Prometheus API request with the key as bearer token.
func (s *testServer) promCall(t *testing.T, key, method, path string, params url.Values) promResponse {
	t.Helper()
	u := s.URL + "/api/v1/prom/api/v1" + path
	var body io.Reader
	if method == "GET" {
		u += "?" + params.Encode()
	} else {
		body = strings.NewReader(params.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	require.NoError(t, err)
	if method != "GET" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	out := promResponse{code: resp.StatusCode, raw: string(raw)}
	require.NoError(t, json.Unmarshal(raw, &out), "not Prometheus's format: %s", raw)
	return out
}

// promSample is one series of a vector, or one of a matrix.
type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
	Values [][2]any          `json:"values"`
}

func (p promSample) float(t *testing.T) float64 {
	v, err := strconv.ParseFloat(p.Value[1].(string), 64)
	require.NoError(t, err)
	return v
}

// instant runs an instant query at ts and returns the vector.
func (s *testServer) instant(t *testing.T, key, query string, ts time.Time) []promSample {
	t.Helper()
	r := s.promCall(t, key, "POST", "/query", url.Values{"query": {query}, "time": {fmt.Sprint(float64(ts.UnixMilli()) / 1000)}})
	require.Equal(t, http.StatusOK, r.code, r.raw)
	require.Equal(t, "success", r.Status)
	var data struct {
		ResultType string       `json:"resultType"`
		Result     []promSample `json:"result"`
	}
	require.NoError(t, json.Unmarshal(r.Data, &data))
	require.Equal(t, "vector", data.ResultType, r.raw)
	return data.Result
}

// scalarSQL runs a query over the stored results and returns one number.
func (s *testServer) scalarSQL(t *testing.T, sql string, args ...any) float64 {
	t.Helper()
	var v float64
	require.NoError(t, s.Store.Pool().QueryRow(context.Background(), sql, args...).Scan(&v))
	return v
}

// extrapolated is what Prometheus's increase() makes of a counter whose
// samples lie every minute, the newest at the end of a window of w:
// the delta between the first and the last sample in the window, stretched
// by the minute before the first sample.
func extrapolated(delta float64, w time.Duration) float64 {
	sampled := w - time.Minute
	return delta * w.Seconds() / sampled.Seconds()
}

func TestPromQLMatchesStoredResults(t *testing.T) {
	ts := newTestServer(t, nil)
	f := ts.promFleet(t, "Acme", "shop")
	at := f.newest
	shop := fmt.Sprintf(`monitor_id=%q`, f.shop)

	t.Run("avg_over_time", func(t *testing.T) {
		for _, region := range []string{"eu", "us"} {
			got := ts.instant(t, f.key, fmt.Sprintf(`avg_over_time(probe_duration_seconds{%s, probe=%q}[10m])`, shop, region), at)
			require.Len(t, got, 1)
			want := ts.scalarSQL(t, `SELECT avg(latency_ms) / 1000 FROM check_results
				WHERE tenant_id = $1 AND monitor_id = $2 AND region = $3 AND time > $4 AND time <= $5`,
				f.tenant, f.shop, region, at.Add(-10*time.Minute), at)
			assert.InDelta(t, want, got[0].float(t), 1e-9, region)
		}
	})

	t.Run("sum by probe", func(t *testing.T) {
		got := ts.instant(t, f.key, `sum by (probe) (probe_success)`, at)
		byProbe := map[string]float64{}
		for _, s := range got {
			byProbe[s.Metric["probe"]] = s.float(t)
		}
		for _, region := range []string{"eu", "us"} {
			want := ts.scalarSQL(t, `SELECT count(*) FILTER (WHERE status <> 'down') FROM (
				SELECT DISTINCT ON (monitor_id) status FROM check_results
				WHERE tenant_id = $1 AND region = $2 AND time <= $3 ORDER BY monitor_id, time DESC) x`, f.tenant, region, at)
			assert.Equal(t, want, byProbe[region], region)
		}
		assert.Len(t, byProbe, 2)
	})

	t.Run("probe_success == 0", func(t *testing.T) {
		got := ts.instant(t, f.key, `probe_success == 0`, at)
		var down []string
		for _, s := range got {
			down = append(down, s.Metric["monitor_id"]+"/"+s.Metric["probe"])
		}
		rows, err := ts.Store.Pool().Query(context.Background(), `SELECT monitor_id::text || '/' || region FROM (
			SELECT DISTINCT ON (monitor_id, region) monitor_id, region, status FROM check_results
			WHERE tenant_id = $1 AND time <= $2 ORDER BY monitor_id, region, time DESC) x WHERE status = 'down'`, f.tenant, at)
		require.NoError(t, err)
		var want []string
		for rows.Next() {
			var s string
			require.NoError(t, rows.Scan(&s))
			want = append(want, s)
		}
		require.NotEmpty(t, want)
		assert.ElementsMatch(t, want, down)
	})

	t.Run("absent", func(t *testing.T) {
		got := ts.instant(t, f.key, `absent(probe_success{job="no such monitor"})`, at)
		require.Len(t, got, 1)
		assert.Equal(t, 1.0, got[0].float(t))
		assert.Equal(t, "no such monitor", got[0].Metric["job"])
		assert.Empty(t, ts.instant(t, f.key, fmt.Sprintf(`absent(probe_success{%s})`, shop), at))
	})

	for _, w := range []time.Duration{5 * time.Minute, 30 * time.Minute} {
		t.Run(fmt.Sprintf("increase and rate over %s", w), func(t *testing.T) {
			first := at.Add(-w + time.Minute)
			// The checks and successes between the window's first and last sample.
			checks := ts.scalarSQL(t, `SELECT count(*) FROM check_results
				WHERE tenant_id = $1 AND monitor_id = $2 AND time > $3 AND time <= $4`, f.tenant, f.shop, first, at)
			up := ts.scalarSQL(t, `SELECT count(*) FILTER (WHERE status <> 'down') FROM check_results
				WHERE tenant_id = $1 AND monitor_id = $2 AND time > $3 AND time <= $4`, f.tenant, f.shop, first, at)
			window := fmt.Sprintf("%dm", int(w.Minutes()))

			got := ts.instant(t, f.key, fmt.Sprintf(`increase(probe_all_success_sum{%s}[%s])`, shop, window), at)
			require.Len(t, got, 1)
			assert.InDelta(t, extrapolated(up, w), got[0].float(t), 1e-9)
			got = ts.instant(t, f.key, fmt.Sprintf(`rate(probe_all_success_count{%s}[%s])`, shop, window), at)
			require.Len(t, got, 1)
			assert.InDelta(t, extrapolated(checks, w)/w.Seconds(), got[0].float(t), 1e-9)
			got = ts.instant(t, f.key, fmt.Sprintf(`sum by (job) (increase(probe_all_success_sum[%[1]s])) / sum by (job) (increase(probe_all_success_count[%[1]s]))`, window), at)
			uptimes := map[string]float64{}
			for _, s := range got {
				uptimes[s.Metric["job"]] = s.float(t)
			}
			assert.InDelta(t, up/checks, uptimes["shop"], 1e-9)
			assert.InDelta(t, 1-1/(w.Minutes()-1), uptimes["Acme api"], 1e-9, "one failure among the api's checks")
		})
	}

	t.Run("histogram_quantile", func(t *testing.T) {
		first := at.Add(-29 * time.Minute)
		for _, q := range []float64{0.5, 0.9, 0.99} {
			got := ts.instant(t, f.key, fmt.Sprintf(`histogram_quantile(%g, sum by (le) (increase(probe_all_duration_seconds_bucket{%s}[30m])))`, q, shop), at)
			require.Len(t, got, 1)
			rows, err := ts.Store.Pool().Query(context.Background(), `SELECT latency_ms FROM check_results
				WHERE tenant_id = $1 AND monitor_id = $2 AND time > $3 AND time <= $4 AND latency_ms IS NOT NULL`, f.tenant, f.shop, first, at)
			require.NoError(t, err)
			var lat []float64
			for rows.Next() {
				var v float64
				require.NoError(t, rows.Scan(&v))
				lat = append(lat, v/1000)
			}
			assert.InDelta(t, bucketQuantile(q, lat), got[0].float(t), 1e-9, "q=%g", q)
		}
	})

	t.Run("limit truncates with Prometheus's warning", func(t *testing.T) {
		r := ts.promCall(t, f.key, "GET", "/label/job/values", url.Values{"limit": {"1"}, "match[]": {"probe_monitor_info"},
			"start": {fmt.Sprint(at.Add(-10 * time.Minute).Unix())}, "end": {fmt.Sprint(at.Unix())}})
		require.Equal(t, http.StatusOK, r.code, r.raw)
		var out struct {
			Data     []string `json:"data"`
			Warnings []string `json:"warnings"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.raw), &out))
		assert.Equal(t, []string{"Acme api"}, out.Data)
		assert.Equal(t, []string{"results truncated due to limit"}, out.Warnings)
	})

	t.Run("query_range follows the results", func(t *testing.T) {
		start, end := at.Add(-20*time.Minute), at
		got := ts.promRange(t, f.key, fmt.Sprintf(`probe_success{%s, probe="eu"}`, shop), start, end, time.Minute, "monitor_id")
		require.Len(t, got, 1)
		require.Len(t, got[f.shop.String()], 21)
		for ts0, v := range got[f.shop.String()] {
			want := ts.scalarSQL(t, `SELECT CASE WHEN status = 'down' THEN 0 ELSE 1 END FROM check_results
				WHERE tenant_id = $1 AND monitor_id = $2 AND region = 'eu' AND time <= $3 ORDER BY time DESC LIMIT 1`, f.tenant, f.shop, ts0)
			assert.Equal(t, want, v, "at %s", ts0)
		}
	})
}

// bucketQuantile is histogram_quantile over the export's buckets, computed
// from the latencies themselves: the bucket that holds the rank, linear
// inside it.
func bucketQuantile(q float64, latencies []float64) float64 {
	rank := q * float64(len(latencies))
	lower, below := 0.0, 0.0
	for _, ms := range model.LatencyBoundsMS {
		upper := float64(ms) / 1000
		count := 0.0
		for _, l := range latencies {
			if l <= upper {
				count++
			}
		}
		if count >= rank && count > below {
			return lower + (upper-lower)*(rank-below)/(count-below)
		}
		lower, below = upper, count
	}
	return math.NaN()
}

func TestPromAPIShowsOnlyTheCallersTenant(t *testing.T) {
	ts := newTestServer(t, nil)
	a := ts.promFleet(t, "Alpha", "alpha shop")
	b := ts.promFleet(t, "Beta", "beta shop")

	for _, q := range []string{`probe_success`, `probe_all_success_count`, `probe_monitor_info`, `{__name__=~".+"}`} {
		got := ts.instant(t, b.key, q, b.newest)
		require.NotEmpty(t, got, q)
		for _, s := range got {
			assert.Contains(t, []string{b.shop.String(), b.api.String()}, s.Metric["monitor_id"], q)
		}
	}
	for _, path := range []string{"/series", "/labels", "/label/job/values", "/label/monitor_id/values"} {
		r := ts.promCall(t, b.key, "GET", path, url.Values{"match[]": {`{__name__=~"probe_.+"}`}})
		require.Equal(t, http.StatusOK, r.code, r.raw)
		assert.NotContains(t, r.raw, a.shop.String(), path)
		assert.NotContains(t, r.raw, "alpha shop", path)
	}
	r := ts.promCall(t, b.key, "GET", "/label/job/values", nil)
	var jobs []string
	require.NoError(t, json.Unmarshal(r.Data, &jobs))
	assert.Equal(t, []string{"Beta api", "beta shop"}, jobs)

	export := ts.export(t, b.key, "")
	assert.Contains(t, export.body, b.shop.String())
	assert.NotContains(t, export.body, a.shop.String())
	assert.NotContains(t, export.body, "alpha shop")
}

func TestPromAPIErrorsInPrometheusFormat(t *testing.T) {
	ts := newTestServer(t, map[string]string{"VINSIGHT_PROM_MAX_SERIES": "1", "VINSIGHT_PROM_MAX_SAMPLES": "100"})
	f := ts.promFleet(t, "Acme", "shop")
	now := fmt.Sprint(f.newest.Unix())

	tests := []struct {
		name, key, path string
		params          url.Values
		status          int
		errorType       string
	}{
		{"too many series", f.key, "/query", url.Values{"query": {"probe_monitor_info"}, "time": {now}}, 422, "execution"},
		{"too many results read", f.key, "/query", url.Values{"query": {fmt.Sprintf("avg_over_time(probe_success{monitor_id=%q}[3h])", f.api)}, "time": {now}}, 422, "execution"},
		{"no credentials", "", "/query", url.Values{"query": {"up"}}, 401, "unauthorized"},
		{"wrong key", "vik_wrong", "/query", url.Values{"query": {"up"}}, 401, "unauthorized"},
		{"syntax error", f.key, "/query", url.Values{"query": {"sum(("}}, 400, "bad_data"},
		{"empty query", f.key, "/query", url.Values{}, 400, "bad_data"},
		{"bad time", f.key, "/query", url.Values{"query": {"probe_success"}, "time": {"yesterday"}}, 400, "bad_data"},
		{"bad timeout", f.key, "/query", url.Values{"query": {"probe_success"}, "timeout": {"soon"}}, 400, "bad_data"},
		{"no step", f.key, "/query_range", url.Values{"query": {"probe_success"}, "start": {"0"}, "end": {now}}, 400, "bad_data"},
		{"zero step", f.key, "/query_range", url.Values{"query": {"probe_success"}, "start": {"0"}, "end": {now}, "step": {"0"}}, 400, "bad_data"},
		{"end before start", f.key, "/query_range", url.Values{"query": {"probe_success"}, "start": {now}, "end": {"0"}, "step": {"15"}}, 400, "bad_data"},
		{"too many points", f.key, "/query_range", url.Values{"query": {"probe_success"}, "start": {"0"}, "end": {now}, "step": {"1"}}, 400, "bad_data"},
		{"series without match", f.key, "/series", url.Values{}, 400, "bad_data"},
		{"bad matcher", f.key, "/series", url.Values{"match[]": {"{job=~\"(\"}"}}, 400, "bad_data"},
		{"bad label name", f.key, "/label/%FF/values", url.Values{}, 400, "bad_data"},
		{"negative limit", f.key, "/series", url.Values{"match[]": {"probe_success"}, "limit": {"-1"}}, 400, "bad_data"},
		{"limit not a number", f.key, "/labels", url.Values{"limit": {"ten"}}, 400, "bad_data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.promCall(t, tt.key, "GET", tt.path, tt.params)
			assert.Equal(t, tt.status, r.code, r.raw)
			assert.Equal(t, "error", r.Status)
			assert.Equal(t, tt.errorType, r.ErrorType)
			assert.NotEmpty(t, r.Error)
		})
	}

	t.Run("basic auth password is the key", func(t *testing.T) {
		req, err := http.NewRequest("GET", ts.URL+"/api/v1/prom/api/v1/query?query=vector(1)", nil)
		require.NoError(t, err)
		req.SetBasicAuth("grafana", f.key)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	})

	t.Run("metadata and buildinfo", func(t *testing.T) {
		r := ts.promCall(t, f.key, "GET", "/metadata", nil)
		require.Equal(t, http.StatusOK, r.code)
		var meta map[string][]struct{ Type string }
		require.NoError(t, json.Unmarshal(r.Data, &meta))
		assert.Equal(t, "gauge", meta["probe_success"][0].Type)
		r = ts.promCall(t, f.key, "GET", "/status/buildinfo", nil)
		require.Equal(t, http.StatusOK, r.code)
		assert.Contains(t, r.raw, `"version":"3.`)
	})
}

// exported is one scrape of /api/v1/metrics.
type exported struct {
	contentType string
	body        string
}

func (s *testServer) export(t *testing.T, key, accept string) exported {
	t.Helper()
	req, err := http.NewRequest("GET", s.URL+"/api/v1/metrics", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(raw))
	return exported{contentType: resp.Header.Get("Content-Type"), body: string(raw)}
}

// sortedLines are the sample lines of an exposition, sorted.
func sortedLines(body string) []string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}
