package alert_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
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
	"github.com/vinsight/vinsight/internal/notify"
	"github.com/vinsight/vinsight/internal/notify/smtptest"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
	"github.com/vinsight/vinsight/worker/alert"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// receiver is a webhook endpoint on loopback that checks every signature
// and answers with the statuses it is given, then 200.
type receiver struct {
	*httptest.Server
	secret string
	mu     sync.Mutex
	script []int
	got    []model.Notification
	bad    []string
}

func newReceiver(t *testing.T, secret string, script ...int) *receiver {
	r := &receiver{secret: secret, script: script}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if !notify.VerifySignature(r.secret, req.Header.Get(notify.HeaderTimestamp), body, req.Header.Get(notify.HeaderSignature)) {
			r.bad = append(r.bad, "bad signature")
		}
		var n model.Notification
		if err := json.Unmarshal(body, &n); err != nil || req.Header.Get(notify.HeaderEventID) != n.ID.String() ||
			req.Header.Get("Idempotency-Key") != n.ID.String() || req.Header.Get("X-Team") != "ops" {
			r.bad = append(r.bad, "bad request: "+string(body))
		}
		if len(r.script) > 0 {
			status := r.script[0]
			r.script = r.script[1:]
			w.WriteHeader(status)
			return
		}
		r.got = append(r.got, n)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) received() []model.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]model.Notification(nil), r.got...)
}

// world is a tenant with one monitor alerting one channel.
type world struct {
	s       *store.Store
	tenant  uuid.UUID
	monitor model.Monitor
	channel model.Channel
	clock   time.Time
}

func newWorld(t *testing.T, ch model.Channel) *world {
	t.Helper()
	ctx := context.Background()
	s := pgtest.NewStore(t, store.EnginePostgres)
	tenant, user, err := s.CreateTenantWithOwner(ctx, store.NewOwner{TenantName: "w", Email: "w@example.com", Name: "w", PasswordHash: "x"})
	require.NoError(t, err)
	actor := auth.Actor{Type: "user", ID: user}
	ch.Enabled = true
	ch, err = s.CreateChannel(ctx, tenant, actor, ch)
	require.NoError(t, err)
	spec := model.MonitorSpec{Name: "api", Type: model.TypeHeartbeat, IntervalSeconds: 3600, TimeoutSeconds: 30, Enabled: true,
		NotificationChannelIDs: []uuid.UUID{ch.ID}}
	spec.Config.Heartbeat = &model.HeartbeatConfig{}
	m, err := s.CreateMonitor(ctx, tenant, actor, spec, 10)
	require.NoError(t, err)
	return &world{s: s, tenant: tenant, monitor: m, channel: ch, clock: time.Now().Add(-time.Hour)}
}

// goes records the monitor's state d after the last one.
func (w *world) goes(t *testing.T, status model.MonitorStatus, d time.Duration) {
	t.Helper()
	w.clock = w.clock.Add(d)
	require.NoError(t, w.s.RecordMonitorStates(context.Background(), []store.MonitorState{{TenantID: w.tenant, MonitorID: w.monitor.ID,
		Region: "push", Status: status, CheckedAt: w.clock, ErrorKind: "timeout", Message: "no heartbeat within 60 seconds"}}))
}

func dispatcher(t *testing.T, s *store.Store, o alert.SenderOptions) *alert.Dispatcher {
	o.AllowPrivate = true
	senders, err := alert.Senders(o)
	require.NoError(t, err)
	return alert.New(s, senders, metrics.NewWorker(prometheus.NewRegistry()), zerolog.Nop(),
		alert.Options{Concurrency: 4, Timeout: 5 * time.Second, RetryBase: 50 * time.Millisecond, Poll: 20 * time.Millisecond})
}

// run runs the dispatcher until cond holds (or 10 s pass).
func run(t *testing.T, d *alert.Dispatcher, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	assert.Eventually(t, cond, 10*time.Second, 10*time.Millisecond)
	cancel()
	<-done
}

type attempt struct {
	Attempt int
	OK      *bool
	Error   string
}

func attempts(t *testing.T, s *store.Store) (status []string, list []attempt) {
	t.Helper()
	ctx := context.Background()
	rows, err := s.Pool().Query(ctx, `SELECT status FROM notification_deliveries ORDER BY created_at`)
	require.NoError(t, err)
	for rows.Next() {
		var st string
		require.NoError(t, rows.Scan(&st))
		status = append(status, st)
	}
	rows.Close()
	rows, err = s.Pool().Query(ctx, `SELECT attempt, ok, error FROM notification_attempts ORDER BY id`)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var a attempt
		require.NoError(t, rows.Scan(&a.Attempt, &a.OK, &a.Error))
		list = append(list, a)
	}
	return status, list
}

func webhookChannel(url string) model.Channel {
	return model.Channel{Name: "ops hook", Type: model.ChannelWebhook,
		Config: model.ChannelConfig{URL: url, Secret: "whsec-1", Headers: map[string]string{"X-Team": "ops"}}}
}

func TestWebhookDownAndRecoveryWithSignatureAndRetries(t *testing.T) {
	rcv := newReceiver(t, "whsec-1", http.StatusServiceUnavailable, http.StatusTooManyRequests)
	w := newWorld(t, webhookChannel(rcv.URL))
	d := dispatcher(t, w.s, alert.SenderOptions{})

	w.goes(t, model.StatusDown, 0)
	w.goes(t, model.StatusUp, 4*time.Minute+3*time.Second)
	run(t, d, func() bool { return len(rcv.received()) == 2 })

	got := rcv.received()
	require.Len(t, got, 2)
	assert.Empty(t, rcv.bad)
	kinds := []string{got[0].Type, got[1].Type}
	assert.ElementsMatch(t, []string{model.NotifyOpened, model.NotifyResolved}, kinds)
	for _, n := range got {
		if n.Type == model.NotifyResolved {
			assert.EqualValues(t, 243, n.Incident.DurationSeconds)
			assert.Contains(t, n.Message, "4m 3s")
		}
	}
	status, list := attempts(t, w.s)
	assert.Equal(t, []string{"delivered", "delivered"}, status)
	assert.Len(t, list, 4, "two refusals retried, two successes, each recorded")
	failures := 0
	for _, a := range list {
		require.NotNil(t, a.OK, "every attempt finished")
		if !*a.OK {
			failures++
			assert.Contains(t, a.Error, "webhook answered")
		}
	}
	assert.Equal(t, 2, failures)

	incidents, _, err := w.s.ListIncidents(context.Background(), w.tenant, store.IncidentFilter{Limit: 10})
	require.NoError(t, err)
	detail, err := w.s.GetIncident(context.Background(), w.tenant, incidents[0].ID)
	require.NoError(t, err)
	var notified int
	for _, e := range detail.Timeline {
		if e.Kind == model.EventNotified {
			notified++
			assert.Equal(t, "ops hook", e.Details["channel_name"])
		}
	}
	assert.Equal(t, 2, notified, "the timeline shows both notifications and their outcome")
}

func TestPermanentFailureIsNotRetried(t *testing.T) {
	rcv := newReceiver(t, "whsec-1", http.StatusNotFound)
	w := newWorld(t, webhookChannel(rcv.URL))
	d := dispatcher(t, w.s, alert.SenderOptions{})
	w.goes(t, model.StatusDown, 0)
	run(t, d, func() bool {
		status, _ := attempts(t, w.s)
		return len(status) == 1 && status[0] == "failed"
	})
	_, list := attempts(t, w.s)
	require.Len(t, list, 1)
	assert.Contains(t, list[0].Error, "404")
	assert.Empty(t, rcv.received())
}

func TestBackoffDoublesUpToTheCeiling(t *testing.T) {
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 10: time.Minute} {
		got := alert.Backoff(time.Second, time.Minute, n)
		assert.InDelta(t, float64(want), float64(got), 0.21*float64(want), "attempt %d", n)
	}
}

func TestEmailThroughARealSMTPServer(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	w := newWorld(t, model.Channel{Name: "ops mail", Type: model.ChannelEmail, Config: model.ChannelConfig{To: []string{"ops@example.com"}}})
	d := dispatcher(t, w.s, alert.SenderOptions{SMTPURL: srv.URL("V-Insight <alerts@example.com>")})
	w.goes(t, model.StatusDown, 0)
	run(t, d, func() bool { return srv.Pending() > 0 })
	msg := srv.Next(t)
	assert.Equal(t, []string{"ops@example.com"}, msg.To)
	assert.Contains(t, string(msg.Data), "is down")
	assert.Contains(t, string(msg.Data), "no heartbeat within 60")
	assert.Regexp(t, `Message-ID: <[0-9a-f-]{36}@example.com>`, string(msg.Data), "the event id makes the Message-ID")
}

func TestShoutrrrGenericServiceOnLoopback(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, r.URL.Path+" "+string(b))
		mu.Unlock()
	}))
	defer srv.Close()
	w := newWorld(t, model.Channel{Name: "chat", Type: model.ChannelShoutrrr,
		Config: model.ChannelConfig{URL: "generic+" + srv.URL + "/hooks/ops?template=json"}})
	d := dispatcher(t, w.s, alert.SenderOptions{})
	w.goes(t, model.StatusDown, 0)
	run(t, d, func() bool { mu.Lock(); defer mu.Unlock(); return len(bodies) == 1 })
	assert.Contains(t, bodies[0], "/hooks/ops")
	assert.Contains(t, bodies[0], "is down")
}

func TestPagerDutyEventsV2ThroughShoutrrr(t *testing.T) {
	var mu sync.Mutex
	var events []map[string]any
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var e map[string]any
		_ = json.NewDecoder(r.Body).Decode(&e)
		e["path"] = r.URL.Path
		mu.Lock()
		events = append(events, e)
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	client := srv.Client()
	client.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: client.Transport.(*http.Transport).TLSClientConfig.RootCAs}
	w := newWorld(t, model.Channel{Name: "pager", Type: model.ChannelShoutrrr,
		Config: model.ChannelConfig{URL: "pagerduty://" + srv.Listener.Addr().String() + "/0123456789abcdef0123456789abcdef"}})
	d := dispatcher(t, w.s, alert.SenderOptions{Client: client})
	w.goes(t, model.StatusDown, 0)
	w.goes(t, model.StatusUp, time.Minute)
	run(t, d, func() bool { mu.Lock(); defer mu.Unlock(); return len(events) == 2 })

	incidents, _, err := w.s.ListIncidents(context.Background(), w.tenant, store.IncidentFilter{Limit: 1})
	require.NoError(t, err)
	actions := map[string]bool{}
	for _, e := range events {
		assert.Equal(t, "/v2/enqueue", e["path"])
		assert.Equal(t, "0123456789abcdef0123456789abcdef", e["routing_key"])
		assert.Equal(t, incidents[0].ID.String(), e["dedup_key"], "PagerDuty's incident follows ours")
		actions[e["event_action"].(string)] = true
	}
	assert.Equal(t, map[string]bool{"trigger": true, "resolve": true}, actions)
}
