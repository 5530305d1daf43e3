package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/notify"
	"github.com/vinsight/vinsight/internal/pgcluster"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

// idempotentReceiver is a webhook endpoint that acts once per event id, as
// the Idempotency-Key asks; it counts every request it gets.
type idempotentReceiver struct {
	mu       sync.Mutex
	requests int
	seen     map[string]int
}

func (r *idempotentReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if !notify.VerifySignature("kill-secret", req.Header.Get(notify.HeaderTimestamp), body, req.Header.Get(notify.HeaderSignature)) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	time.Sleep(150 * time.Millisecond) // slow enough that a kill lands mid-delivery
	r.mu.Lock()
	r.requests++
	r.seen[req.Header.Get("Idempotency-Key")]++
	r.mu.Unlock()
}

func (r *idempotentReceiver) counts() (requests, distinct int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests, len(r.seen)
}

// TestNotificationsSurviveAKill9: a worker process is killed with SIGKILL
// in the middle of delivering 60 notifications and another is started: the
// receiver, keyed by the event id, acts on every notification exactly once,
// and the database records each as delivered.
func TestNotificationsSurviveAKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("runs worker processes for about half a minute")
	}
	ctx := context.Background()
	bin := buildWorker(t)

	rcv := &idempotentReceiver{seen: map[string]int{}}
	hook := httptest.NewServer(rcv)
	defer hook.Close()
	url := pgtest.NewDB(t, store.EnginePostgres)
	st := openStore(t, url)
	tenant, user, err := st.CreateTenantWithOwner(ctx, store.NewOwner{TenantName: "k", Email: "kill@example.com", Name: "k", PasswordHash: "x"})
	require.NoError(t, err)
	actor := auth.Actor{Type: "user", ID: user}
	_, err = st.CreateChannel(ctx, tenant, actor, model.Channel{Name: "hook", Type: model.ChannelWebhook, Enabled: true, IsDefault: true,
		Config: model.ChannelConfig{URL: hook.URL, Secret: "kill-secret"}})
	require.NoError(t, err)
	const monitors = 60
	var states []store.MonitorState
	for i := range monitors {
		spec := model.MonitorSpec{Name: fmt.Sprintf("job %d", i), Type: model.TypeHeartbeat, IntervalSeconds: 3600, TimeoutSeconds: 30, Enabled: true}
		spec.Config.Heartbeat = &model.HeartbeatConfig{}
		m, err := st.CreateMonitor(ctx, tenant, actor, spec, 1000)
		require.NoError(t, err)
		states = append(states, store.MonitorState{TenantID: tenant, MonitorID: m.ID, Region: "push", Status: model.StatusDown,
			CheckedAt: time.Now(), Message: "no heartbeat"})
	}

	start := func() *exec.Cmd {
		port, err := pgcluster.FreePort()
		require.NoError(t, err)
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+url, "WORKER_PORT="+strconv.Itoa(port), "LOG_LEVEL=error",
			"VINSIGHT_ALLOW_PRIVATE_TARGETS=true", "VINSIGHT_SPOOL_DIR="+t.TempDir(), "VINSIGHT_SECRET_KEY="+pgtest.SecretKey,
			"VINSIGHT_NOTIFY_CONCURRENCY=4", "VINSIGHT_NOTIFY_TIMEOUT=2s")
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		require.NoError(t, cmd.Start())
		return cmd
	}
	first := start()
	require.NoError(t, st.RecordMonitorStates(ctx, states), "60 incidents open: 60 notifications in the outbox")

	require.Eventually(t, func() bool { n, _ := rcv.counts(); return n >= 15 }, 30*time.Second, 5*time.Millisecond)
	require.NoError(t, first.Process.Kill()) // mid-delivery: four requests in flight
	_, _ = first.Process.Wait()
	requestsAtKill, _ := rcv.counts()

	second := start()
	t.Cleanup(func() { _ = second.Process.Signal(syscall.SIGTERM); _, _ = second.Process.Wait() })
	require.Eventually(t, func() bool { _, d := rcv.counts(); return d == monitors }, 60*time.Second, 50*time.Millisecond)
	require.Eventually(t, func() bool {
		var pending int
		require.NoError(t, st.Pool().QueryRow(ctx, `SELECT count(*) FROM notification_deliveries WHERE status <> 'delivered'`).Scan(&pending))
		return pending == 0
	}, 30*time.Second, 50*time.Millisecond)

	requests, distinct := rcv.counts()
	assert.Equal(t, monitors, distinct, "every notification arrived: none lost")
	var interrupted int
	require.NoError(t, st.Pool().QueryRow(ctx, `SELECT count(*) FROM notification_attempts WHERE finished_at IS NULL`).Scan(&interrupted))
	t.Logf("%d requests for %d notifications (%d before the kill); %d attempts cut short by the kill, re-sent with the same event id",
		requests, distinct, requestsAtKill, interrupted)
	assert.LessOrEqual(t, requests-distinct, interrupted, "a notification is only ever sent again when its attempt was cut short")
}

func openStore(t *testing.T, url string) *store.Store {
	t.Helper()
	key, err := hex.DecodeString(pgtest.SecretKey)
	require.NoError(t, err)
	st, err := store.Open(context.Background(), url, store.Options{SecretKey: key})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	return st
}
