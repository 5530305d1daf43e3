package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/pgcluster"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestRefusesToStartOnASchemaThatIsBehind(t *testing.T) {
	t.Setenv("DATABASE_URL", pgtest.NewEmptyDB(t))
	t.Setenv("VINSIGHT_STORAGE", "postgres")
	err := run()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refusing to start")
	assert.Contains(t, err.Error(), "schema is behind")
}

func TestServesReadyAndStopsOnSIGTERM(t *testing.T) {
	port, err := pgcluster.FreePort()
	require.NoError(t, err)
	t.Setenv("DATABASE_URL", pgtest.NewDB(t, store.EnginePostgres))
	t.Setenv("WORKER_PORT", strconv.Itoa(port))
	t.Setenv("LOG_LEVEL", "warn")
	t.Setenv("VINSIGHT_SPOOL_DIR", t.TempDir())
	done := make(chan error, 1)
	go func() { done <- run() }()

	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/ready"
	require.Eventually(t, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 10*time.Second, 20*time.Millisecond)

	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGTERM))
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("worker did not stop on SIGTERM")
	}
	_, err = http.Get(url)
	assert.Error(t, err, "the port is closed after shutdown")
}

// TestProbesLoopbackTargetsEndToEnd: the worker process schedules a monitor,
// probes a real HTTP server, writes results and judges the monitor up, then
// down once the server stops.
func TestProbesLoopbackTargetsEndToEnd(t *testing.T) {
	ctx := context.Background()
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) }))
	url := pgtest.NewDB(t, store.EnginePostgres)
	st, err := store.Open(ctx, url, store.Options{})
	require.NoError(t, err)
	defer st.Close()
	tenant, user, err := st.CreateTenantWithOwner(ctx, store.NewOwner{TenantName: "t", Email: "w@example.com", Name: "w", PasswordHash: "x"})
	require.NoError(t, err)
	spec := model.MonitorSpec{Name: "site", Type: model.TypeHTTP, Target: target.URL, IntervalSeconds: 1, TimeoutSeconds: 1, Enabled: true}
	spec.Config.HTTP = &model.HTTPConfig{Method: "GET", ExpectedStatus: []string{"200-299"}, FollowRedirects: true, MaxRedirects: 5, VerifyTLS: true}
	m, err := st.CreateMonitor(ctx, tenant, auth.Actor{Type: "user", ID: user}, spec, 10)
	require.NoError(t, err)

	port, err := pgcluster.FreePort()
	require.NoError(t, err)
	t.Setenv("DATABASE_URL", url)
	t.Setenv("WORKER_PORT", strconv.Itoa(port))
	t.Setenv("LOG_LEVEL", "warn")
	t.Setenv("VINSIGHT_ALLOW_PRIVATE_TARGETS", "true")
	t.Setenv("VINSIGHT_SPOOL_DIR", t.TempDir())
	done := make(chan error, 1)
	go func() { done <- run() }()
	defer func() {
		_ = syscall.Kill(syscall.Getpid(), syscall.SIGTERM)
		<-done
	}()

	status := func() model.MonitorStatus {
		got, err := st.GetMonitor(ctx, tenant, m.ID)
		require.NoError(t, err)
		return got.Status
	}
	// Results reach check_results through the ingest buffer (flushed every
	// second), the status through the scheduler's own flush: wait for each.
	rows := func(where string) int {
		var n int
		require.NoError(t, st.Pool().QueryRow(ctx, `SELECT count(*) FROM check_results WHERE monitor_id = $1 AND `+where, m.ID).Scan(&n))
		return n
	}
	require.Eventually(t, func() bool { return status() == model.StatusUp }, 15*time.Second, 100*time.Millisecond)
	assert.Eventually(t, func() bool { return rows(`status = 'up' AND status_code = 200`) > 0 }, 15*time.Second, 100*time.Millisecond)

	target.Close()
	assert.Eventually(t, func() bool { return status() == model.StatusDown }, 15*time.Second, 100*time.Millisecond)
	assert.Eventually(t, func() bool { return rows(`status = 'down' AND error_kind = 'connect'`) > 0 }, 15*time.Second, 100*time.Millisecond)
}
