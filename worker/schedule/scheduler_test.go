package schedule_test

import (
	"context"
	"strconv"
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
	delay   time.Duration     // every probe takes this long
	running map[uuid.UUID]int // probes under way per monitor
	inRun   int               // probes under way
	maxRun  int               // the most probes ever under way at once
	overlap bool              // a monitor was probed twice at once
}

func newRecorder() *recorder {
	return &recorder{runs: map[uuid.UUID][]time.Time{}, failFor: map[uuid.UUID]int{}, running: map[uuid.UUID]int{}}
}

func (r *recorder) probe(_ context.Context, m model.Monitor) model.CheckResult {
	r.mu.Lock()
	r.runs[m.ID] = append(r.runs[m.ID], time.Now())
	res := model.CheckResult{Time: time.Now(), Status: model.ResultUp, Region: "test"}
	if r.failFor[m.ID] != 0 {
		r.failFor[m.ID]--
		res.Status, res.ErrorKind = model.ResultDown, "connect"
	}
	r.running[m.ID]++
	r.overlap = r.overlap || r.running[m.ID] > 1
	r.inRun++
	r.maxRun = max(r.maxRun, r.inRun)
	delay := r.delay
	r.mu.Unlock()

	time.Sleep(delay)
	r.mu.Lock()
	r.running[m.ID]--
	r.inRun--
	r.mu.Unlock()
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
	return startWith(t, schedule.Options{Resync: 500 * time.Millisecond, RetryBackoff: 10 * time.Millisecond}, 0)
}

// startWith starts a scheduler with opts whose probes take delay.
func startWith(t *testing.T, opts schedule.Options, delay time.Duration) *harness {
	t.Helper()
	st := pgtest.NewStore(t, store.EnginePostgres)
	tenant, user, err := st.CreateTenantWithOwner(context.Background(), store.NewOwner{TenantName: "t", Email: "o@example.com", Name: "o", PasswordHash: "x"})
	require.NoError(t, err)
	h := &harness{st: st, rec: newRecorder(), tenant: tenant, actor: auth.Actor{Type: "user", ID: user},
		results: make(chan model.CheckResult, 10000), done: make(chan error, 1)}
	h.rec.delay = delay
	submit := func(_ context.Context, r model.CheckResult) error { h.results <- r; return nil }
	s, err := schedule.New(st, h.rec.probe, submit, metrics.NewWorker(prometheus.NewRegistry()), zerolog.Nop(), opts)
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

func TestConcurrencyIsBounded(t *testing.T) {
	h := startWith(t, schedule.Options{Concurrency: 2, Resync: time.Minute}, 400*time.Millisecond)
	var monitors []model.Monitor
	for i := range 6 {
		monitors = append(monitors, h.create(t, "m"+strconv.Itoa(i), 1, 0))
	}
	// Six monitors a second at 400 ms each need 2.4 runners; two are
	// allowed, so the runs queue and every monitor still gets its turns.
	require.Eventually(t, func() bool {
		for _, m := range monitors {
			if h.rec.count(m.ID) < 2 {
				return false
			}
		}
		return true
	}, 10*time.Second, 50*time.Millisecond)
	h.rec.mu.Lock()
	defer h.rec.mu.Unlock()
	assert.Equal(t, 2, h.rec.maxRun, "at most Concurrency probes at once")
	assert.False(t, h.rec.overlap)
}

func TestASlowMonitorDelaysOnlyItsOwnRuns(t *testing.T) {
	h := startWith(t, schedule.Options{Resync: time.Minute}, 2500*time.Millisecond)
	slow := h.create(t, "slow", 1, 0) // every probe takes 2.5 intervals
	time.Sleep(8 * time.Second)
	h.rec.mu.Lock()
	defer h.rec.mu.Unlock()
	assert.False(t, h.rec.overlap, "a monitor is never probed twice at once")
	runs := h.rec.runs[slow.ID]
	require.GreaterOrEqual(t, len(runs), 2)
	for i := 1; i < len(runs); i++ {
		gap := runs[i].Sub(runs[i-1])
		assert.GreaterOrEqual(t, gap, 2500*time.Millisecond, "the next run waits for the previous one")
		assert.Less(t, gap, 3500*time.Millisecond, "and starts at the first planned point after it")
	}
}

func TestStopWaitsForChecksUnderWay(t *testing.T) {
	h := startWith(t, schedule.Options{Resync: time.Minute}, 1500*time.Millisecond)
	m := h.create(t, "long", 1, 0)
	require.Eventually(t, func() bool { return h.rec.count(m.ID) >= 1 }, 5*time.Second, 10*time.Millisecond)
	h.stop()
	select {
	case err := <-h.done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
	h.done <- nil // for the cleanup
	select {
	case r := <-h.results:
		assert.Equal(t, m.ID, r.MonitorID, "the check under way handed in its result")
	default:
		t.Fatal("the check under way was dropped")
	}
}
