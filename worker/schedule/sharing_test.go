package schedule_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/metrics"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/worker/schedule"
)

// runLog records every probe: which worker ran which monitor when.
type runLog struct {
	mu   sync.Mutex
	runs map[uuid.UUID][]run
}

type run struct {
	at     time.Time
	worker string
}

func (l *runLog) probeAs(worker string) schedule.ProbeFunc {
	return func(_ context.Context, m model.Monitor) model.CheckResult {
		l.mu.Lock()
		l.runs[m.ID] = append(l.runs[m.ID], run{at: time.Now(), worker: worker})
		l.mu.Unlock()
		return model.CheckResult{Time: time.Now(), Status: model.ResultUp}
	}
}

// TestWorkersShareMonitors: three workers split the monitors, every monitor
// runs on one worker at a time, and when one stops the others take its
// monitors over.
func TestWorkersShareMonitors(t *testing.T) {
	h := start(t) // owns the database; its own scheduler runs nothing shared
	h.stop()
	var monitors []model.Monitor
	for i := range 30 {
		monitors = append(monitors, h.create(t, fmt.Sprintf("m%d", i), 2, 0))
	}
	log := &runLog{runs: map[uuid.UUID][]run{}}
	stops := map[string]context.CancelFunc{}
	var wg sync.WaitGroup
	for _, name := range []string{"w1", "w2", "w3"} {
		s, err := schedule.New(h.st, log.probeAs(name), func(context.Context, model.CheckResult) error { return nil },
			metrics.NewWorker(prometheus.NewRegistry()), zerolog.Nop(), schedule.Options{
				Resync: time.Second, Sharing: schedule.Sharing{WorkerID: uuid.New(), TTL: 3 * time.Second, Every: 500 * time.Millisecond}})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		stops[name] = cancel
		wg.Add(1)
		go func() { defer wg.Done(); _ = s.Run(ctx) }()
	}
	t.Cleanup(func() {
		for _, stop := range stops {
			stop()
		}
		wg.Wait()
	})

	time.Sleep(4 * time.Second) // join and balance
	mark := time.Now()
	time.Sleep(4 * time.Second)
	stops["w2"]()
	stopped := time.Now()
	time.Sleep(6 * time.Second)
	end := time.Now()

	log.mu.Lock()
	defer log.mu.Unlock()
	perWorker := map[string]int{}
	for _, m := range monitors {
		runs := log.runs[m.ID]
		sort.Slice(runs, func(i, j int) bool { return runs[i].at.Before(runs[j].at) })
		var prev run
		for _, r := range runs {
			if r.at.Before(mark) {
				continue
			}
			if r.at.Before(stopped) {
				perWorker[r.worker]++
			}
			// Two workers within one 2 s tick would be a monitor owned twice;
			// one worker running late is only lag.
			if !prev.at.IsZero() && prev.worker != r.worker {
				assert.Greater(t, r.at.Sub(prev.at), time.Second, "monitor %s ran on %s and %s in one tick", m.Name, prev.worker, r.worker)
			}
			prev = r
		}
		var inWindow int
		for _, r := range runs {
			if !r.at.Before(mark) && r.at.Before(stopped) {
				inWindow++
			}
		}
		assert.LessOrEqual(t, inWindow, int(stopped.Sub(mark)/(2*time.Second))+1, "monitor %s ran more often than its interval", m.Name)
		// After w2 stops, every monitor still runs, on w1 or w3.
		var late int
		for _, r := range runs {
			if r.at.After(stopped.Add(3*time.Second)) && r.at.Before(end) {
				late++
				assert.NotEqual(t, "w2", r.worker)
			}
		}
		assert.Positive(t, late, "monitor %s was taken over", m.Name)
	}
	for _, w := range []string{"w1", "w2", "w3"} {
		assert.Positive(t, perWorker[w], "%s has a share", w)
	}
}
