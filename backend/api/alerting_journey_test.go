package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/notify"
	"github.com/vinsight/vinsight/internal/notify/smtptest"
	"github.com/vinsight/vinsight/internal/pgcluster"
	"github.com/vinsight/vinsight/internal/pgtest"
)

// hookInbox is a webhook receiver that checks signatures and keeps what came.
type hookInbox struct {
	mu  sync.Mutex
	got []model.Notification
	bad int
}

func (h *hookInbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	var n model.Notification
	if !notify.VerifySignature("journey-secret", r.Header.Get(notify.HeaderTimestamp), body, r.Header.Get(notify.HeaderSignature)) ||
		json.Unmarshal(body, &n) != nil {
		h.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	h.got = append(h.got, n)
}

func (h *hookInbox) types() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, n := range h.got {
		out = append(out, n.Type)
	}
	return out
}

// TestAlertingJourney is the alerting story end to end, with the real
// worker binary: a new user makes a webhook and an email channel, stops the
// target, receives one down and one recovery notification with the outage's
// duration on each, and a maintenance window silences the next outage.
func TestAlertingJourney(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the worker binary for about half a minute")
	}
	mail := smtptest.Start(t, smtptest.Options{})
	smtpURL := mail.URL("V-Insight <alerts@example.com>")
	ts := newTestServer(t, map[string]string{"VINSIGHT_SMTP_URL": smtpURL, "VINSIGHT_MIN_INTERVAL_SECONDS": "2"})
	inbox := &hookInbox{}
	hook := httptest.NewServer(inbox)
	defer hook.Close()
	var targetDown atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if targetDown.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer target.Close()

	bin := filepath.Join(t.TempDir(), "worker")
	out, err := exec.Command("go", "build", "-o", bin, "../../worker").CombinedOutput()
	require.NoError(t, err, string(out))
	port, err := pgcluster.FreePort()
	require.NoError(t, err)
	worker := exec.Command(bin)
	worker.Env = append(os.Environ(), "DATABASE_URL="+ts.DBURL, "WORKER_PORT="+strconv.Itoa(port), "LOG_LEVEL=error",
		"VINSIGHT_ALLOW_PRIVATE_TARGETS=true", "VINSIGHT_SPOOL_DIR="+t.TempDir(), "VINSIGHT_SECRET_KEY="+pgtest.SecretKey,
		"VINSIGHT_SMTP_URL="+smtpURL)
	worker.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, worker.Start())
	t.Cleanup(func() { _ = worker.Process.Signal(syscall.SIGTERM); _, _ = worker.Process.Wait() })

	owner, _ := ts.signup(t, "Acme")
	webhook := idOf(t, owner.do("POST", "/api/v1/notification-channels", map[string]any{"name": "Ops webhook", "type": "webhook",
		"config": map[string]any{"url": hook.URL + "/alerts", "secret": "journey-secret"}}))
	email := idOf(t, owner.do("POST", "/api/v1/notification-channels", map[string]any{"name": "Ops mail", "type": "email",
		"config": map[string]any{"to": []string{"oncall@example.com"}}}))

	tested := owner.do("POST", "/api/v1/notification-channels/"+webhook+"/test", nil)
	require.Equal(t, http.StatusOK, tested.Status, string(tested.Raw))
	assert.Contains(t, string(tested.Raw), `"status":"delivered"`)
	require.Eventually(t, func() bool { return len(inbox.types()) == 1 }, 5*time.Second, 20*time.Millisecond)
	assert.Equal(t, []string{model.NotifyTest}, inbox.types())

	monitor := idOf(t, owner.do("POST", "/api/v1/monitors", map[string]any{"name": "Shop", "type": "http", "target": target.URL,
		"interval_seconds": 2, "timeout_seconds": 1, "notification_channel_ids": []string{webhook, email}}))
	status := func() string {
		var m struct {
			Status string `json:"status"`
		}
		owner.do("GET", "/api/v1/monitors/"+monitor, nil).into(t, &m)
		return m.Status
	}
	require.Eventually(t, func() bool { return status() == "up" }, 20*time.Second, 100*time.Millisecond)

	targetDown.Store(true)
	require.Eventually(t, func() bool { return len(inbox.types()) == 2 }, 20*time.Second, 50*time.Millisecond, "down alert")
	down := mail.Next(t)
	assert.Contains(t, string(down.Data), "[DOWN] Shop is down")
	time.Sleep(2 * time.Second)
	targetDown.Store(false)
	require.Eventually(t, func() bool { return len(inbox.types()) == 3 }, 20*time.Second, 50*time.Millisecond, "recovery")
	up := mail.Next(t)
	assert.Contains(t, string(up.Data), "[UP] Shop is up again after")
	assert.Equal(t, []string{model.NotifyTest, model.NotifyOpened, model.NotifyResolved}, inbox.types())
	inbox.mu.Lock()
	recovery := inbox.got[2]
	inbox.mu.Unlock()
	assert.GreaterOrEqual(t, recovery.Incident.DurationSeconds, int64(2), "the outage's duration")
	assert.Contains(t, recovery.Message, "It was down for")
	assert.Zero(t, inbox.bad, "every request was signed")

	var incidents []model.Incident
	owner.do("GET", "/api/v1/monitors/"+monitor+"/incidents", nil).into(t, &incidents)
	require.Len(t, incidents, 1)
	assert.Equal(t, "resolved", incidents[0].Status)
	assert.Contains(t, incidents[0].FirstError, "503")
	require.Eventually(t, func() bool {
		var d model.IncidentDetail
		owner.do("GET", "/api/v1/incidents/"+incidents[0].ID.String(), nil).into(t, &d)
		notified := 0
		for _, e := range d.Timeline {
			if e.Kind == model.EventNotified {
				notified++
			}
		}
		return notified == 4
	}, 5*time.Second, 50*time.Millisecond, "the timeline shows the four notifications delivered")

	window := owner.do("POST", "/api/v1/maintenance-windows", map[string]any{"name": "Shop migration",
		"starts_at": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339), "ends_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		"monitor_ids": []string{monitor}})
	require.Equal(t, http.StatusCreated, window.Status, string(window.Raw))
	assert.Contains(t, string(window.Raw), `"active":true`)

	targetDown.Store(true)
	require.Eventually(t, func() bool {
		owner.do("GET", "/api/v1/monitors/"+monitor+"/incidents?state=open", nil).into(t, &incidents)
		return len(incidents) == 1
	}, 20*time.Second, 100*time.Millisecond)
	assert.True(t, incidents[0].InMaintenance)
	time.Sleep(3 * time.Second)
	assert.Len(t, inbox.types(), 3, "the maintenance window silenced the outage")
	assert.Zero(t, mail.Pending())
}
