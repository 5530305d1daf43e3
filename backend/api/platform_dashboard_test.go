package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/metrics"
	"github.com/vinsight/vinsight/worker/ingest"
	"github.com/vinsight/vinsight/worker/probe"
	"github.com/vinsight/vinsight/worker/schedule"
)

// panelQuery is one target of a dashboard panel.
type panelQuery struct {
	panel, expr string
}

// platformQueries reads every panel query of the platform dashboards.
func platformQueries(t *testing.T) []panelQuery {
	t.Helper()
	files, err := filepath.Glob("../../grafana/dashboards/platform*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var out []panelQuery
	for _, name := range files {
		raw, err := os.ReadFile(name)
		require.NoError(t, err)
		var d struct {
			Panels []struct {
				Title   string `json:"title"`
				Targets []struct {
					Expr string `json:"expr"`
				} `json:"targets"`
			} `json:"panels"`
		}
		require.NoError(t, json.Unmarshal(raw, &d))
		for _, p := range d.Panels {
			for _, target := range p.Targets {
				out = append(out, panelQuery{panel: filepath.Base(name) + "/" + p.Title, expr: target.Expr})
			}
		}
	}
	return out
}

// TestPlatformDashboardPanelsHaveData runs the backend's API and a worker
// (scheduler, probes and ingest buffer on their own registry) against a
// monitor probing a loopback server, lets a real Prometheus scrape both
// /metrics as jobs backend and worker, and requires data from every panel
// query of the platform dashboard.
func TestPlatformDashboardPanelsHaveData(t *testing.T) {
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus not installed (Debian's prometheus package; `make deps` installs it)")
	}
	queries := platformQueries(t)
	ts := newTestServer(t, map[string]string{"VINSIGHT_ALLOW_PRIVATE_TARGETS": "true", "VINSIGHT_MIN_INTERVAL_SECONDS": "1"})
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	t.Cleanup(target.Close)
	owner, _ := ts.signup(t, "Acme")
	idOf(t, owner.do("POST", "/api/v1/monitors", map[string]any{"name": "shop", "type": "http", "target": target.URL,
		"interval_seconds": 2, "timeout_seconds": 1}))

	worker := startWorker(t, ts)

	// Traffic for the API's request metrics while Prometheus scrapes.
	ctx, stopTraffic := context.WithCancel(context.Background())
	trafficDone := make(chan struct{})
	go func() {
		defer close(trafficDone)
		for ctx.Err() == nil {
			for _, path := range []string{"/health", "/api/v1/monitors", "/api/v1/no-such-route"} {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+path, nil)
				req.Header.Set("Authorization", "Bearer "+owner.token)
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	t.Cleanup(func() { stopTraffic(); <-trafficDone })

	addr := startPrometheus(t, bin, map[string]string{"backend": ts.URL, "worker": worker})
	vars := strings.NewReplacer("$__rate_interval", "10s", "$__range", "30s", "$__interval", "1s")

	// Wait until every query has data, or the deadline; then report each.
	results := map[string]string{}
	deadline := time.Now().Add(60 * time.Second)
	for {
		missing := 0
		for _, q := range queries {
			if results[q.expr] == "" {
				if promRangeHasData(addr, vars.Replace(q.expr)) {
					results[q.expr] = "data"
				} else {
					missing++
				}
			}
		}
		if missing == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	for _, q := range queries {
		t.Run(q.panel, func(t *testing.T) {
			expr := vars.Replace(q.expr)
			require.NotContains(t, expr, "$", "an unknown variable in %s", q.expr)
			assert.Equal(t, "data", results[q.expr], "no data for %s", expr)
		})
	}
}

// startWorker runs the worker's scheduler, prober and ingest buffer on the
// test's store and serves their registry's /metrics; it returns the URL.
func startWorker(t *testing.T, ts *testServer) string {
	t.Helper()
	reg := metrics.NewRegistry()
	wm := metrics.NewWorker(reg)
	log := zerolog.Nop()
	buffer, err := ingest.New(ts.Store, ingest.Options{BatchSize: 100, FlushInterval: 200 * time.Millisecond,
		Capacity: 1000, SpoolDir: t.TempDir(), SpoolMaxBytes: 1 << 20}, log, wm)
	require.NoError(t, err)
	ingestCtx, stopIngest := context.WithCancel(context.Background())
	ingestDone := make(chan struct{})
	go func() { buffer.Run(ingestCtx); close(ingestDone) }()

	prober := probe.New(probe.Options{AllowPrivate: true, Region: "local"})
	sched, err := schedule.New(ts.Store, prober.Probe, buffer.Submit, wm, log, schedule.Options{Region: "local", Concurrency: 4})
	require.NoError(t, err)
	probeCtx, stopProbing := context.WithCancel(context.Background())
	probing := make(chan error, 1)
	go func() { probing <- sched.Run(probeCtx) }()

	srv := httptest.NewServer(metrics.Handler(reg))
	t.Cleanup(func() {
		srv.Close()
		stopProbing()
		<-probing
		stopIngest()
		<-ingestDone
	})
	return srv.URL
}

// startPrometheus runs a real Prometheus on loopback that scrapes each
// job's /metrics every second; it returns its address.
func startPrometheus(t *testing.T, bin string, jobs map[string]string) string {
	t.Helper()
	var config strings.Builder
	config.WriteString("global:\n  scrape_interval: 1s\nscrape_configs:\n")
	for job, base := range jobs {
		u, err := url.Parse(base)
		require.NoError(t, err)
		fmt.Fprintf(&config, "  - job_name: %s\n    static_configs:\n      - targets: [%q]\n", job, u.Host)
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config.String()), 0o600))
	addr := freeAddr(t)
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus:\n%s", log.String())
		}
	})
	return addr
}

// promRangeHasData asks Prometheus for the last 30 seconds of expr, as a
// Grafana time series panel would, and reports whether any point is a number.
func promRangeHasData(addr, expr string) bool {
	end := time.Now()
	q := url.Values{"query": {expr}, "start": {fmt.Sprint(end.Add(-30 * time.Second).Unix())},
		"end": {fmt.Sprint(end.Unix())}, "step": {"1"}}
	resp, err := http.Get("http://" + addr + "/api/v1/query_range?" + q.Encode())
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Values [][2]any `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	if json.NewDecoder(resp.Body).Decode(&body) != nil || body.Status != "success" {
		return false
	}
	for _, s := range body.Data.Result {
		for _, v := range s.Values {
			if v[1] != "NaN" {
				return true
			}
		}
	}
	return false
}
