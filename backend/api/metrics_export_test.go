package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMetricsExport(t *testing.T) {
	ts := newTestServer(t, nil)
	f := ts.promFleet(t, "Acme", `shop "eu" \ main`)

	text := ts.export(t, f.key, "")
	assert.True(t, strings.HasPrefix(text.contentType, "text/plain"), text.contentType)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(text.body))
	require.NoError(t, err, text.body)

	t.Run("label values are escaped", func(t *testing.T) {
		assert.Contains(t, text.body, `job="shop \"eu\" \\ main"`)
		var jobs []string
		for _, m := range families["probe_success"].GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "job" {
					jobs = append(jobs, l.GetValue())
				}
			}
		}
		assert.Contains(t, jobs, `shop "eu" \ main`)
	})

	t.Run("gauges are each region's newest result", func(t *testing.T) {
		got := map[string]float64{}
		for _, m := range families["probe_success"].GetMetric() {
			got[labelOf(m.GetLabel(), "monitor_id")+"/"+labelOf(m.GetLabel(), "probe")] = m.GetGauge().GetValue()
		}
		assert.Equal(t, map[string]float64{f.shop.String() + "/eu": 0, f.shop.String() + "/us": 1, f.api.String() + "/eu": 0}, got)
		for _, m := range families["probe_ssl_earliest_cert_expiry"].GetMetric() {
			assert.Equal(t, float64(time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC).Unix()), m.GetGauge().GetValue())
		}
	})

	t.Run("counters and histogram are every check", func(t *testing.T) {
		for _, m := range families["probe_all_success"].GetMetric() {
			id := labelOf(m.GetLabel(), "monitor_id")
			checks := ts.scalarSQL(t, `SELECT count(*) FROM check_results WHERE tenant_id = $1 AND monitor_id = $2`, f.tenant, id)
			up := ts.scalarSQL(t, `SELECT count(*) FROM check_results WHERE tenant_id = $1 AND monitor_id = $2 AND status <> 'down'`, f.tenant, id)
			assert.Equal(t, uint64(checks), m.GetSummary().GetSampleCount())
			assert.Equal(t, up, m.GetSummary().GetSampleSum())
		}
		for _, m := range families["probe_all_duration_seconds"].GetMetric() {
			id := labelOf(m.GetLabel(), "monitor_id")
			h := m.GetHistogram()
			require.Len(t, h.GetBucket(), 17, "the rollup bounds and +Inf")
			for _, b := range h.GetBucket()[:16] {
				want := ts.scalarSQL(t, `SELECT count(*) FROM check_results WHERE tenant_id = $1 AND monitor_id = $2 AND latency_ms <= $3`,
					f.tenant, id, b.GetUpperBound()*1000)
				assert.Equal(t, uint64(want), b.GetCumulativeCount(), "le=%g", b.GetUpperBound())
			}
			latencies := ts.scalarSQL(t, `SELECT count(latency_ms) FROM check_results WHERE tenant_id = $1 AND monitor_id = $2`, f.tenant, id)
			assert.Equal(t, uint64(latencies), h.GetBucket()[16].GetCumulativeCount(), "+Inf")
			assert.Equal(t, uint64(latencies), h.GetSampleCount())
			sum := ts.scalarSQL(t, `SELECT sum(latency_ms) / 1000 FROM check_results WHERE tenant_id = $1 AND monitor_id = $2`, f.tenant, id)
			assert.InDelta(t, sum, h.GetSampleSum(), 1e-9)
		}
	})

	t.Run("OpenMetrics when asked", func(t *testing.T) {
		om := ts.export(t, f.key, "application/openmetrics-text;version=1.0.0")
		assert.True(t, strings.HasPrefix(om.contentType, "application/openmetrics-text"), om.contentType)
		assert.True(t, strings.HasSuffix(om.body, "# EOF\n"))
		assert.Contains(t, om.body, `probe_all_duration_seconds_bucket{`)
	})

	t.Run("promtool check metrics", func(t *testing.T) {
		promtool, err := exec.LookPath("promtool")
		if err != nil {
			t.Skip("promtool not installed (Debian's prometheus package; `make deps` installs it)")
		}
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = strings.NewReader(text.body)
		out, err := cmd.CombinedOutput()
		assert.NoError(t, err, "%s", out)
	})
}

func labelOf(pairs []*dto.LabelPair, name string) string {
	for _, p := range pairs {
		if p.GetName() == name {
			return p.GetValue()
		}
	}
	return ""
}

// TestPrometheusScrapesExport runs a real Prometheus on loopback that
// scrapes the export with the tenant's key as bearer token, then asks it.
func TestPrometheusScrapesExport(t *testing.T) {
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus not installed (Debian's prometheus package; `make deps` installs it)")
	}
	ts := newTestServer(t, nil)
	f := ts.promFleet(t, "Acme", "shop")
	target, err := url.Parse(ts.URL)
	require.NoError(t, err)

	dir := t.TempDir()
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
scrape_configs:
  - job_name: vinsight
    metrics_path: /api/v1/metrics
    honor_labels: true
    authorization:
      credentials: %q
    static_configs:
      - targets: [%q]
`, f.key, target.Host)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o600))
	addr := freeAddr(t)
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	checks := ts.scalarSQL(t, `SELECT count(*) FROM check_results WHERE tenant_id = $1 AND monitor_id = $2`, f.tenant, f.shop)
	query := fmt.Sprintf(`probe_all_success_count{monitor_id=%q, job="shop"}`, f.shop)
	var got []promSample
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && len(got) == 0 {
		time.Sleep(500 * time.Millisecond)
		resp, err := http.Get("http://" + addr + "/api/v1/query?" + url.Values{"query": {query}}.Encode())
		if err != nil {
			continue
		}
		var body struct {
			Data struct {
				Result []promSample `json:"result"`
			} `json:"data"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		got = body.Data.Result
	}
	require.Len(t, got, 1, "prometheus never scraped the export:\n%s", log.String())
	assert.Equal(t, checks, got[0].float(t))

	got = ts.promQueryOn(t, addr, `sum by (probe) (probe_success)`)
	byProbe := map[string]float64{}
	for _, s := range got {
		byProbe[s.Metric["probe"]] = s.float(t)
	}
	assert.Equal(t, map[string]float64{"eu": 0, "us": 1}, byProbe, "eu: both monitors' newest results are down; us: shop is up")
}

// promQueryOn asks a real Prometheus at addr.
func (s *testServer) promQueryOn(t *testing.T, addr, query string) []promSample {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/api/v1/query?" + url.Values{"query": {query}}.Encode())
	require.NoError(t, err)
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Result []promSample `json:"result"`
		} `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return body.Data.Result
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}
