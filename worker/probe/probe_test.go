package probe

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/model"
)

// Every server in these tests listens on loopback, so the probers that
// reach them allow private targets; the guard has its own tests.

// testProber returns a prober that may reach loopback.
func testProber(opts Options) *Prober {
	opts.AllowPrivate = true
	opts.Region = "test-region"
	return New(opts)
}

// monitor builds a monitor the way the API does: validated, defaults
// filled in. config is the JSON config object ("" for defaults).
func monitor(t testing.TB, typ model.MonitorType, target, config string) model.Monitor {
	t.Helper()
	in := model.MonitorInput{Name: "probe test", Type: typ, Target: target, IntervalSeconds: 30, TimeoutSeconds: 5}
	if config != "" {
		in.Config = json.RawMessage(config)
	}
	spec, err := in.Validate(model.MonitorRules{MinIntervalSeconds: 1})
	require.NoError(t, err, "monitor %s %s %s", typ, target, config)
	return model.Monitor{ID: uuid.New(), TenantID: uuid.New(), MonitorSpec: spec}
}

// probe runs p on m with a deadline of timeout.
func probe(p *Prober, m model.Monitor, timeout time.Duration) model.CheckResult {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return p.Probe(ctx, m)
}

// expectDown checks a down result's kind and message.
func expectDown(t *testing.T, r model.CheckResult, kind, messagePart string) {
	t.Helper()
	assert.Equal(t, model.ResultDown, r.Status, "message: %s", r.Message)
	assert.Equal(t, kind, r.ErrorKind, "message: %s", r.Message)
	assert.Contains(t, r.Message, messagePart)
}

// expectUp checks an up result.
func expectUp(t *testing.T, r model.CheckResult) {
	t.Helper()
	assert.Equal(t, model.ResultUp, r.Status, "kind %q, message: %s", r.ErrorKind, r.Message)
	assert.Empty(t, r.ErrorKind)
}

func TestProbeStampsIdentity(t *testing.T) {
	l := listenTCP(t, nil)
	m := monitor(t, model.TypeTCP, l, "")
	before := time.Now()
	r := probe(testProber(Options{}), m, 2*time.Second)
	expectUp(t, r)
	assert.Equal(t, m.ID, r.MonitorID)
	assert.Equal(t, m.TenantID, r.TenantID)
	assert.Equal(t, "test-region", r.Region)
	assert.False(t, r.Time.Before(before), "Time is the start of the probe")
	assert.False(t, r.Time.After(time.Now()))
}

func TestHeartbeatIsNotProbed(t *testing.T) {
	for _, typ := range model.MonitorTypes {
		assert.Equal(t, typ != model.TypeHeartbeat, Probes(typ), typ)
	}
	m := monitor(t, model.TypeHeartbeat, "", "")
	r := probe(testProber(Options{}), m, time.Second)
	assert.Equal(t, model.ResultDown, r.Status)
	assert.Contains(t, r.Message, "not probed")
}

func TestEmptyConfigUsesDefaults(t *testing.T) {
	srv := httpServer(t)
	m := monitor(t, model.TypeHTTP, srv.URL+"/ok", "")
	m.Config = model.MonitorConfig{}
	expectUp(t, probe(testProber(Options{}), m, 2*time.Second))
}

func TestDegradedWhenSlow(t *testing.T) {
	srv := httpServer(t)
	tests := []struct {
		name      string
		threshold int
		want      model.ResultStatus
	}{
		{"slower than the threshold", 10, model.ResultDegraded},
		{"within the threshold", 4000, model.ResultUp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := monitor(t, model.TypeHTTP, srv.URL+"/slow?ms=50", `{"degraded_latency_ms":`+itoa(tt.threshold)+`}`)
			r := probe(testProber(Options{}), m, 2*time.Second)
			assert.Equal(t, tt.want, r.Status, r.Message)
			assert.Empty(t, r.ErrorKind)
			if tt.want == model.ResultDegraded {
				assert.Contains(t, r.Message, "slower than 10 ms")
			}
		})
	}
}
