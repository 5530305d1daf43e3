package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/pgcluster"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

// hits records when each monitor's target was requested.
type hits struct {
	mu sync.Mutex
	at map[string][]time.Time
}

func (h *hits) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.at[strings.TrimPrefix(r.URL.Path, "/m/")] = append(h.at[strings.TrimPrefix(r.URL.Path, "/m/")], time.Now())
	h.mu.Unlock()
}

// TestThreeWorkersAndAKill9 runs three real worker processes over one
// database, kills one with SIGKILL, and checks from the targets' side that
// every monitor kept being probed (no gap over 30 s) and that no monitor was
// probed twice in one tick.
func TestThreeWorkersAndAKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about a minute")
	}
	ctx := context.Background()
	bin := buildWorker(t)

	h := &hits{at: map[string][]time.Time{}}
	target := httptest.NewServer(h)
	defer target.Close()
	url := pgtest.NewDB(t, store.EnginePostgres)
	st, err := store.Open(ctx, url, store.Options{})
	require.NoError(t, err)
	defer st.Close()
	tenant, user, err := st.CreateTenantWithOwner(ctx, store.NewOwner{TenantName: "t", Email: "k@example.com", Name: "k", PasswordHash: "x"})
	require.NoError(t, err)
	const interval = 3 * time.Second
	var ids []uuid.UUID
	for i := range 24 {
		id := uuid.New()
		spec := model.MonitorSpec{Name: fmt.Sprintf("m%d", i), Type: model.TypeHTTP, Target: target.URL + "/m/" + id.String(),
			IntervalSeconds: int(interval / time.Second), TimeoutSeconds: 2, Enabled: true}
		spec.Config.HTTP = &model.HTTPConfig{Method: "GET", ExpectedStatus: []string{"200-299"}, VerifyTLS: true}
		m, err := st.CreateMonitor(ctx, tenant, auth.Actor{Type: "user", ID: user}, spec, 100)
		require.NoError(t, err)
		_, err = st.Pool().Exec(ctx, `UPDATE monitors SET target = $1 WHERE id = $2`, target.URL+"/m/"+m.ID.String(), m.ID)
		require.NoError(t, err)
		ids = append(ids, m.ID)
	}

	var workers []*exec.Cmd
	for i := range 3 {
		port, err := pgcluster.FreePort()
		require.NoError(t, err)
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+url, "WORKER_PORT="+strconv.Itoa(port), "LOG_LEVEL=warn",
			"VINSIGHT_ALLOW_PRIVATE_TARGETS=true", "VINSIGHT_SPOOL_DIR="+t.TempDir(), fmt.Sprintf("REGION=%s", ""))
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		require.NoError(t, cmd.Start(), "worker %d", i)
		workers = append(workers, cmd)
	}
	t.Cleanup(func() {
		for _, w := range workers {
			_ = w.Process.Signal(syscall.SIGTERM)
		}
		for _, w := range workers {
			_, _ = w.Process.Wait()
		}
	})

	time.Sleep(15 * time.Second) // the three join and balance their shares
	settled := time.Now()
	time.Sleep(5 * time.Second)
	require.NoError(t, workers[1].Process.Kill()) // kill -9: no lease released, no goodbye
	killed := time.Now()
	time.Sleep(35 * time.Second)
	end := time.Now()

	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range ids {
		times := h.at[id.String()]
		sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
		var last time.Time
		var afterKill int
		for _, at := range times {
			if at.Before(settled) {
				continue
			}
			if !last.IsZero() {
				assert.Greater(t, at.Sub(last), interval/2, "monitor %s probed twice in one tick", id)
				assert.LessOrEqual(t, at.Sub(last), 30*time.Second, "monitor %s missed for too long", id)
			}
			if at.After(killed) {
				afterKill++
			}
			last = at
		}
		require.False(t, last.IsZero(), "monitor %s was probed", id)
		assert.Less(t, end.Sub(last), 30*time.Second, "monitor %s still probed at the end", id)
		assert.Positive(t, afterKill)
	}
}
