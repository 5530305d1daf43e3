package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/notify"
	"github.com/vinsight/vinsight/internal/pgcluster"
	"github.com/vinsight/vinsight/internal/store"
)

// The alerting benchmark: a fleet of HTTP monitors whose targets all fail
// at once, each tenant alerting a webhook on loopback; it measures how long
// until every notification has arrived, and whether any arrived twice.
const (
	alertInterval = 10 * time.Second
	alertTimeout  = 5 * time.Second
	hookSecret    = "bench-webhook-secret"
)

// benchKey is the VINSIGHT_SECRET_KEY of the benchmark's databases.
var benchKey = []byte("v-insight bench key, 32 bytes!!!")

// inbox is the webhook receiver: it checks every signature and notes when
// each event id first arrived and how often.
type inbox struct {
	mu       sync.Mutex
	first    map[uuid.UUID]time.Time
	kind     map[uuid.UUID]string
	requests int
	bad      int
}

func (b *inbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	now := time.Now()
	id, err := uuid.Parse(r.Header.Get("Idempotency-Key"))
	b.mu.Lock()
	defer b.mu.Unlock()
	b.requests++
	if err != nil || !notify.VerifySignature(hookSecret, r.Header.Get(notify.HeaderTimestamp), body, r.Header.Get(notify.HeaderSignature)) {
		b.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if _, seen := b.first[id]; !seen {
		b.first[id], b.kind[id] = now, r.Header.Get(notify.HeaderEvent)
	}
}

// arrived counts distinct events of a kind, and the latest arrival.
func (b *inbox) arrived(kind string) (n int, last time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for id, at := range b.first {
		if b.kind[id] == kind {
			n++
			if at.After(last) {
				last = at
			}
		}
	}
	return n, last
}

// alertPhase is one wave of notifications: all down, or all up again.
type alertPhase struct {
	name              string
	kind              string
	allDelivered      time.Duration // from the targets' change to the last arrival
	firstJudged       time.Duration // from the change to the first and last incident change in the database
	lastJudged        time.Duration
	latencyP50, p99   time.Duration // outbox row written to arrival
	latencyMax        time.Duration
	notifications     int
	attempts, retries int
}

func runAlerts(ctx context.Context, monitors int, workerBin string) error {
	started := time.Now()
	dir, err := os.MkdirTemp("", "vinsight-bench-alerts-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	bin := workerBin
	if bin == "" {
		if bin, err = buildWorker(ctx, dir); err != nil {
			return err
		}
	} else if bin, err = filepath.Abs(bin); err != nil {
		return err
	}
	var failing atomic.Bool
	tg, err := startTargets(targetPorts, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		answerOK(w, r)
	}))
	if err != nil {
		return err
	}
	defer tg.close()
	box := &inbox{first: map[uuid.UUID]time.Time{}, kind: map[uuid.UUID]string{}}
	hookListener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hook := &http.Server{Handler: box, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hook.Serve(hookListener) }()
	defer hook.Close()

	pg, err := pgcluster.Start(ctx, pgcluster.Options{Dir: filepath.Join(dir, "pg"), Settings: map[string]string{"shared_buffers": "1GB"}})
	if err != nil {
		return err
	}
	defer pg.Stop()
	st, err := createStore(ctx, pg, "alerts", store.EnginePostgres)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := createFleet(ctx, st, tg.urls, monitors, monitorsPerTenant, alertInterval, alertTimeout); err != nil {
		return fmt.Errorf("create monitors: %w", err)
	}
	if err := addWebhooks(ctx, st, "http://"+hookListener.Addr().String()+"/hook"); err != nil {
		return err
	}

	port, err := pgcluster.FreePort()
	if err != nil {
		return err
	}
	w, err := startWorker(bin, []string{"PATH=" + os.Getenv("PATH"), "TMPDIR=" + dir, "DATABASE_URL=" + pg.URL("alerts"),
		"VINSIGHT_STORAGE=postgres", "VINSIGHT_BIND_HOST=127.0.0.1", "WORKER_PORT=" + strconv.Itoa(port),
		"VINSIGHT_ALLOW_PRIVATE_TARGETS=true", "VINSIGHT_SPOOL_DIR=" + filepath.Join(dir, "spool"), "LOG_LEVEL=warn",
		"VINSIGHT_SECRET_KEY=" + hex.EncodeToString(benchKey)}, filepath.Join(dir, "worker.log"))
	if err != nil {
		return err
	}
	defer w.kill()
	if err := w.waitReady(ctx, "http://127.0.0.1:"+strconv.Itoa(port)+"/ready", 30*time.Second); err != nil {
		return err
	}
	fmt.Printf("\nV-Insight alerting benchmark: %s HTTP monitors (every %s, %d per tenant, each tenant a default webhook channel\n",
		thousands(float64(monitors)), alertInterval, monitorsPerTenant)
	fmt.Printf("on one loopback receiver that checks every signature) go down together, then up again; the worker binary\n")
	fmt.Printf("(%s) with default settings; %d CPUs, %s.\n", bin, runtime.NumCPU(), runtime.Version())
	err = poll(ctx, w, 60*time.Second, 250*time.Millisecond, func() (bool, error) {
		var up int
		err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM monitors WHERE status = 'up'`).Scan(&up)
		return up == monitors, err
	})
	if err != nil {
		return fmt.Errorf("waiting for every monitor to be up: %w", err)
	}

	var phases []alertPhase
	for _, p := range []struct {
		name, kind string
		fail       bool
		column     string
	}{{"down", model.NotifyOpened, true, "started_at"}, {"up again", model.NotifyResolved, false, "resolved_at"}} {
		changed := time.Now()
		failing.Store(p.fail)
		err := poll(ctx, w, 3*time.Minute, 20*time.Millisecond, func() (bool, error) {
			n, _ := box.arrived(p.kind)
			return n == monitors, nil
		})
		if err != nil {
			return fmt.Errorf("%s: waiting for %d notifications: %w", p.name, monitors, err)
		}
		ph, err := measurePhase(ctx, st, box, p.name, p.kind, p.column, changed)
		if err != nil {
			return err
		}
		phases = append(phases, ph)
	}
	// Third wave: every monitor judged down in one transaction, as when one
	// flush of the worker carries them all; this times the outbox and the
	// dispatcher alone.
	burst, judgeTook, err := judgeAllDown(ctx, st, &failing)
	if err != nil {
		return err
	}
	err = poll(ctx, w, 3*time.Minute, 20*time.Millisecond, func() (bool, error) {
		n, _ := box.arrived(model.NotifyOpened)
		return n == 2*monitors, nil
	})
	if err != nil {
		return fmt.Errorf("burst: waiting for %d notifications: %w", monitors, err)
	}
	ph, err := measurePhase(ctx, st, box, "down, judged at once", model.NotifyOpened, "started_at", burst)
	if err != nil {
		return err
	}
	ph.notifications -= monitors // the first wave's are counted in the same kind
	ph.attempts, ph.retries = ph.attempts-phases[0].attempts, ph.retries-phases[0].retries
	phases = append(phases, ph)
	time.Sleep(2 * time.Second) // anything sent twice would arrive by now
	box.mu.Lock()
	requests, distinct, bad := box.requests, len(box.first), box.bad
	box.mu.Unlock()
	if err := w.stop(60 * time.Second); err != nil {
		return err
	}

	fmt.Printf("\n| wave | notifications | all delivered after the targets changed | incidents judged (first – last) | outbox → receiver p50 / p99 / max | attempts (retries) |\n")
	fmt.Printf("|---|---|---|---|---|---|\n")
	for _, p := range phases {
		fmt.Printf("| %s | %s | %.1f s | %.1f s – %.1f s | %s / %s / %s | %s (%d) |\n", p.name, thousands(float64(p.notifications)),
			p.allDelivered.Seconds(), p.firstJudged.Seconds(), p.lastJudged.Seconds(),
			millis(p.latencyP50.Seconds()), millis(p.p99.Seconds()), millis(p.latencyMax.Seconds()), thousands(float64(p.attempts)), p.retries)
	}
	fmt.Printf("\nThe third wave's %s incidents and their outbox rows were written in one transaction of %s.\n",
		thousands(float64(monitors)), judgeTook.Round(time.Millisecond))
	fmt.Printf("receiver: %s requests for %s distinct notifications: duplicates %d; bad signatures %d\n",
		thousands(float64(requests)), thousands(float64(distinct)), requests-distinct, bad)
	fmt.Printf("alerting benchmark took %s\n", time.Since(started).Round(time.Second))
	if requests != distinct || bad != 0 {
		return fmt.Errorf("the receiver got %d duplicates and %d bad signatures", requests-distinct, bad)
	}
	return nil
}

// addWebhooks gives every tenant a default webhook channel to url.
func addWebhooks(ctx context.Context, st *store.Store, url string) error {
	rows, err := st.Pool().Query(ctx, `SELECT t.id, m.user_id FROM tenants t JOIN memberships m ON m.tenant_id = t.id`)
	if err != nil {
		return err
	}
	type owner struct{ tenant, user uuid.UUID }
	owners, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (owner, error) {
		var o owner
		return o, r.Scan(&o.tenant, &o.user)
	})
	if err != nil {
		return err
	}
	for _, o := range owners {
		_, err := st.CreateChannel(ctx, o.tenant, auth.Actor{Type: "user", ID: o.user}, model.Channel{Name: "on-call webhook",
			Type: model.ChannelWebhook, IsDefault: true, Enabled: true, Config: model.ChannelConfig{URL: url, Secret: hookSecret}})
		if err != nil {
			return fmt.Errorf("webhook channel: %w", err)
		}
	}
	return nil
}

// measurePhase reads one wave's figures from the receiver and the database.
func measurePhase(ctx context.Context, st *store.Store, box *inbox, name, kind, column string, changed time.Time) (alertPhase, error) {
	p := alertPhase{name: name, kind: kind}
	var last time.Time
	p.notifications, last = box.arrived(kind)
	p.allDelivered = last.Sub(changed)
	var first, final time.Time
	err := st.Pool().QueryRow(ctx, `SELECT min(`+column+`), max(`+column+`) FROM incidents WHERE `+column+` >= $1`, changed).Scan(&first, &final)
	if err != nil {
		return p, fmt.Errorf("incident times: %w", err)
	}
	// Timestamps in the database have microseconds: never a negative delay.
	p.firstJudged, p.lastJudged = max(0, first.Sub(changed)), max(0, final.Sub(changed))
	rows, err := st.Pool().Query(ctx, `SELECT id, created_at FROM notification_events WHERE kind = $1`, kind)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	var latencies []time.Duration
	box.mu.Lock()
	for rows.Next() {
		var id uuid.UUID
		var created time.Time
		if err := rows.Scan(&id, &created); err != nil {
			box.mu.Unlock()
			return p, err
		}
		if at, ok := box.first[id]; ok {
			latencies = append(latencies, at.Sub(created))
		}
	}
	box.mu.Unlock()
	if len(latencies) > 0 {
		sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
		at := func(q float64) time.Duration { return latencies[min(len(latencies)-1, int(q*float64(len(latencies))))] }
		p.latencyP50, p.p99, p.latencyMax = at(0.5), at(0.99), latencies[len(latencies)-1]
	}
	err = st.Pool().QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE a.attempt > 1) FROM notification_attempts a
		JOIN notification_deliveries d ON d.id = a.delivery_id JOIN notification_events e ON e.id = d.event_id WHERE e.kind = $1`, kind).
		Scan(&p.attempts, &p.retries)
	return p, err
}

// judgeAllDown makes the targets fail and records every monitor down in one
// call, as one flush of the worker would; it returns when it started and
// how long the transaction took.
func judgeAllDown(ctx context.Context, st *store.Store, failing *atomic.Bool) (time.Time, time.Duration, error) {
	rows, err := st.Pool().Query(ctx, `SELECT tenant_id, id FROM monitors`)
	if err != nil {
		return time.Time{}, 0, err
	}
	states, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.MonitorState, error) {
		s := store.MonitorState{Region: "local", Status: model.StatusDown, ErrorKind: "http_status", Message: "HTTP 503"}
		return s, r.Scan(&s.TenantID, &s.MonitorID)
	})
	if err != nil {
		return time.Time{}, 0, err
	}
	start := time.Now()
	failing.Store(true)
	for i := range states {
		states[i].CheckedAt = start
	}
	if err := st.RecordMonitorStates(ctx, states); err != nil {
		return time.Time{}, 0, err
	}
	return start, time.Since(start), nil
}
