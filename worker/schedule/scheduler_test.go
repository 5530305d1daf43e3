package schedule_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/metrics"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
	"github.com/vinsight/vinsight/worker/schedule"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// recorder is the probe: it counts runs per monitor and answers with the
// status a test sets.
type recorder struct {
	mu      sync.Mutex
	runs    map[uuid.UUID][]time.Time
	failFor map[uuid.UUID]int // this many more runs fail
}

func newRecorder() *recorder {
	return &recorder{runs: map[uuid.UUID][]time.Time{}, failFor: map[uuid.UUID]int{}}
}

func (r *recorder) probe(_ context.Context, m model.Monitor) model.CheckResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs[m.ID] = append(r.runs[m.ID], time.Now())
	res := model.CheckResult{Time: time.Now(), Status: model.ResultUp, Region: "test"}
	if r.failFor[m.ID] != 0 {
		r.failFor[m.ID]--
		res.Status, res.ErrorKind = model.ResultDown, "connect"
	}
	return res
}

func (r *recorder) count(id uuid.UUID) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.runs[id])
}

type harness struct {
	st      *store.Store
	rec     *recorder
	tenant  uuid.UUID
	actor   auth.Actor
	results chan model.CheckResult
	stop    func()
	done    chan error
}

func start(t *testing.T) *harness {
	t.Helper()
	st := pgtest.NewStore(t, store.EnginePostgres)
	tenant, user, err := st.CreateTenantWithOwner(context.Background(), store.NewOwner{TenantName: "t", Email: "o@example.com", Name: "o", PasswordHash: "x"})
	require.NoError(t, err)
	h := &harness{st: st, rec: newRecorder(), tenant: tenant, actor: auth.Actor{Type: "user", ID: user},
		results: make(chan model.CheckResult, 10000), done: make(chan error, 1)}
	submit := func(_ context.Context, r model.CheckResult) error { h.results <- r; return nil }
	s, err := schedule.New(st, h.rec.probe, submit, metrics.NewWorker(prometheus.NewRegistry()), zerolog.Nop(),
		schedule.Options{Resync: 500 * time.Millisecond, RetryBackoff: 10 * time.Millisecond})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	go func() { h.done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-h.done
	})
	return h
}

func (h *harness) create(t *testing.T, name string, interval int, retries int) model.Monitor {
	t.Helper()
	spec := model.MonitorSpec{Name: name, Type: model.TypeTCP, Target: "127.0.0.1:9", IntervalSeconds: interval, TimeoutSeconds: 1, Enabled: true}
	spec.Config.TCP = &model.TCPConfig{}
	spec.Config.TCP.Retries = retries
	m, err := h.st.CreateMonitor(context.Background(), h.tenant, h.actor, spec, 1000)
	require.NoError(t, err)
	return m
}

func TestNewMonitorsRunWithinTwoSecondsPlusInterval(t *testing.T) {
	h := start(t)
	m := h.create(t, "fresh", 1, 0)
	require.Eventually(t, func() bool { return h.rec.count(m.ID) >= 2 }, 4*time.Second, 20*time.Millisecond,
		"a monitor created while the worker runs is probed without a restart")

	_, err := h.st.SetMonitorEnabled(context.Background(), h.tenant, h.actor, m.ID, false)
	require.NoError(t, err)
	time.Sleep(3 * time.Second) // the change is applied within 2 s; a little slack for a loaded machine
	before := h.rec.count(m.ID)
	time.Sleep(2500 * time.Millisecond)
	assert.Equal(t, before, h.rec.count(m.ID), "a paused monitor is not probed")

	_, err = h.st.SetMonitorEnabled(context.Background(), h.tenant, h.actor, m.ID, true)
	require.NoError(t, err)
	assert.Eventually(t, func() bool { return h.rec.count(m.ID) > before }, 4*time.Second, 20*time.Millisecond, "resumed")

	require.NoError(t, h.st.DeleteMonitor(context.Background(), h.tenant, h.actor, m.ID))
	time.Sleep(3 * time.Second)
	after := h.rec.count(m.ID)
	time.Sleep(2500 * time.Millisecond)
	assert.Equal(t, after, h.rec.count(m.ID), "a deleted monitor is not probed")
}

func TestRetriesConfirmAFailure(t *testing.T) {
	h := start(t)
	flaky := h.create(t, "flaky", 2, 2)
	broken := h.create(t, "broken", 2, 2)
	h.rec.mu.Lock()
	h.rec.failFor[flaky.ID] = 1   // one failure, then fine
	h.rec.failFor[broken.ID] = 99 // never fine
	h.rec.mu.Unlock()

	got := map[uuid.UUID]model.CheckResult{}
	deadline := time.After(6 * time.Second)
	for len(got) < 2 {
		select {
		case r := <-h.results:
			if _, seen := got[r.MonitorID]; !seen {
				got[r.MonitorID] = r
			}
		case <-deadline:
			t.Fatal("no results")
		}
	}
	assert.Equal(t, model.ResultUp, got[flaky.ID].Status, "a failure that a re-check contradicts is not down")
	assert.Equal(t, model.ResultDown, got[broken.ID].Status)
	assert.Equal(t, h.tenant, got[broken.ID].TenantID)
	assert.GreaterOrEqual(t, h.rec.count(broken.ID), 3, "down only after the first try and two re-checks")
}

func TestStatesAreRecorded(t *testing.T) {
	h := start(t)
	m := h.create(t, "recorded", 1, 0)
	assert.Eventually(t, func() bool {
		got, err := h.st.GetMonitor(context.Background(), h.tenant, m.ID)
		return err == nil && got.Status == model.StatusUp && got.LastCheckedAt != nil
	}, 5*time.Second, 50*time.Millisecond)
}

func TestOnlyMonitorsOfTheWorkersRegionRun(t *testing.T) {
	h := start(t) // a worker with no REGION option runs region ""
	everywhere := h.create(t, "everywhere", 1, 0)
	spec := model.MonitorSpec{Name: "eu only", Type: model.TypeTCP, Target: "127.0.0.1:9", IntervalSeconds: 1, TimeoutSeconds: 1,
		Enabled: true, Regions: []string{"eu-west"}}
	spec.Config.TCP = &model.TCPConfig{}
	euOnly, err := h.st.CreateMonitor(context.Background(), h.tenant, h.actor, spec, 1000)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return h.rec.count(everywhere.ID) >= 2 }, 5*time.Second, 20*time.Millisecond)
	assert.Zero(t, h.rec.count(euOnly.ID), "a monitor of another region is left to that region's workers")
}
