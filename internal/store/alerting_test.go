package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

// alerting is a tenant with one TCP monitor and two channels: one linked to
// the monitor, one default; a third channel is neither and gets nothing.
type alerting struct {
	s                         *store.Store
	tenant                    uuid.UUID
	actor                     auth.Actor
	monitor                   model.Monitor
	linked, fallback, ignored uuid.UUID
	clock                     time.Time
}

func newAlerting(t *testing.T, common model.CommonConfig) *alerting {
	t.Helper()
	ctx := context.Background()
	s := pgtest.NewStore(t, store.EnginePostgres)
	tenant, user, err := s.CreateTenantWithOwner(ctx, store.NewOwner{TenantName: "a", Email: "a@example.com", Name: "a", PasswordHash: "x"})
	require.NoError(t, err)
	a := &alerting{s: s, tenant: tenant, actor: auth.Actor{Type: "user", ID: user, Name: "Ada"}, clock: time.Now().Truncate(time.Second)}
	mk := func(name string, def bool) uuid.UUID {
		ch, err := s.CreateChannel(ctx, tenant, a.actor, model.Channel{Name: name, Type: model.ChannelWebhook, Enabled: true, IsDefault: def,
			Config: model.ChannelConfig{URL: "https://hooks.example.com/" + name, Secret: "s3cret"}})
		require.NoError(t, err)
		return ch.ID
	}
	a.linked, a.fallback, a.ignored = mk("linked", false), mk("default", true), mk("ignored", false)
	spec := model.MonitorSpec{Name: "db", Type: model.TypeTCP, Target: "db.example.com:5432", IntervalSeconds: 60, TimeoutSeconds: 10,
		Enabled: true, NotificationChannelIDs: []uuid.UUID{a.linked}, Tags: []string{"prod"}}
	spec.Config.TCP = &model.TCPConfig{CommonConfig: common}
	a.monitor, err = s.CreateMonitor(ctx, tenant, a.actor, spec, 10)
	require.NoError(t, err)
	return a
}

// check records one check of the monitor, one second after the last.
func (a *alerting) check(t *testing.T, status model.MonitorStatus, msg string) {
	t.Helper()
	a.clock = a.clock.Add(time.Second)
	a.checkAt(t, a.clock, status, msg, nil)
}

func (a *alerting) checkAt(t *testing.T, at time.Time, status model.MonitorStatus, msg string, cert *time.Time) {
	t.Helper()
	kind := ""
	if status == model.StatusDown {
		kind = "connect"
	}
	require.NoError(t, a.s.RecordMonitorStates(context.Background(), []store.MonitorState{{TenantID: a.tenant, MonitorID: a.monitor.ID,
		Region: "eu", Status: status, CheckedAt: at, ErrorKind: kind, Message: msg, CertExpiresAt: cert}}))
}

func (a *alerting) incidents(t *testing.T) []model.Incident {
	t.Helper()
	list, _, err := a.s.ListIncidents(context.Background(), a.tenant, store.IncidentFilter{Limit: 100})
	require.NoError(t, err)
	return list
}

// outbox lists the notification kinds written so far, oldest first, and
// the channels each went to.
func (a *alerting) outbox(t *testing.T) (kinds []string, channels [][]uuid.UUID) {
	t.Helper()
	rows, err := a.s.Pool().Query(context.Background(), `
		SELECT e.kind, array_agg(d.channel_id ORDER BY d.channel_id) FILTER (WHERE d.channel_id IS NOT NULL)
		FROM notification_events e LEFT JOIN notification_deliveries d ON d.event_id = e.id
		WHERE e.tenant_id = $1 GROUP BY e.id, e.kind, e.created_at ORDER BY e.created_at, e.id`, a.tenant)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var k string
		var ch []uuid.UUID
		require.NoError(t, rows.Scan(&k, &ch))
		kinds, channels = append(kinds, k), append(channels, ch)
	}
	return kinds, channels
}

func TestIncidentOpensAndResolvesWithTheOutbox(t *testing.T) {
	a := newAlerting(t, model.CommonConfig{})
	a.check(t, model.StatusUp, "")
	assert.Empty(t, a.incidents(t))

	a.check(t, model.StatusDown, "connection refused")
	started := a.clock
	a.check(t, model.StatusDown, "connection refused again")
	list := a.incidents(t)
	require.Len(t, list, 1, "one incident however long it stays down")
	assert.Equal(t, "open", list[0].Status)
	assert.Equal(t, "connection refused", list[0].FirstError)
	assert.Equal(t, "connect", list[0].ErrorKind)
	assert.True(t, list[0].StartedAt.Equal(started))

	kinds, channels := a.outbox(t)
	require.Equal(t, []string{model.NotifyOpened}, kinds)
	assert.ElementsMatch(t, []uuid.UUID{a.linked, a.fallback}, channels[0], "the monitor's channel and the default, not the other")

	a.clock = a.clock.Add(2 * time.Minute)
	a.check(t, model.StatusUp, "")
	list = a.incidents(t)
	require.Len(t, list, 1)
	assert.Equal(t, "resolved", list[0].Status)
	assert.EqualValues(t, 122, list[0].DurationSeconds)
	kinds, _ = a.outbox(t)
	assert.Equal(t, []string{model.NotifyOpened, model.NotifyResolved}, kinds)

	var payload model.Notification
	require.NoError(t, a.s.Pool().QueryRow(context.Background(),
		`SELECT payload FROM notification_events WHERE kind = 'incident.resolved'`).Scan(&payload))
	assert.EqualValues(t, 122, payload.Incident.DurationSeconds)
	assert.Contains(t, payload.Title, "up again after 2m 2s")

	d, err := a.s.GetIncident(context.Background(), a.tenant, list[0].ID)
	require.NoError(t, err)
	var timeline []string
	for _, e := range d.Timeline {
		timeline = append(timeline, e.Kind)
	}
	assert.Equal(t, []string{model.EventOpened, model.EventResolved}, timeline)
}

func TestRecoveryNeedsConsecutiveHealthyChecks(t *testing.T) {
	a := newAlerting(t, model.CommonConfig{RecoveryChecks: 3})
	a.check(t, model.StatusDown, "timeout")
	a.check(t, model.StatusUp, "")
	a.check(t, model.StatusUp, "")
	a.check(t, model.StatusDown, "timeout")
	a.check(t, model.StatusUp, "")
	a.check(t, model.StatusUp, "")
	assert.Equal(t, "open", a.incidents(t)[0].Status, "two in a row are not three")
	a.check(t, model.StatusUp, "")
	list := a.incidents(t)
	require.Len(t, list, 1)
	assert.Equal(t, "resolved", list[0].Status)
}

func TestDegradedOpensNoIncidentUnlessAsked(t *testing.T) {
	a := newAlerting(t, model.CommonConfig{})
	a.check(t, model.StatusDegraded, "slow")
	assert.Empty(t, a.incidents(t))

	b := newAlerting(t, model.CommonConfig{AlertOnDegraded: true})
	b.check(t, model.StatusDegraded, "slow")
	list := b.incidents(t)
	require.Len(t, list, 1)
	assert.Equal(t, "degraded", list[0].Cause)
}

func TestOneOpenIncidentPerMonitorEvenWithConcurrentRecorders(t *testing.T) {
	a := newAlerting(t, model.CommonConfig{})
	ctx := context.Background()
	var wg sync.WaitGroup
	for _, region := range []string{"eu", "us", "ap", "sa"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, a.s.RecordMonitorStates(ctx, []store.MonitorState{{TenantID: a.tenant, MonitorID: a.monitor.ID,
				Region: region, Status: model.StatusDown, CheckedAt: time.Now(), Message: "refused in " + region}}))
		}()
	}
	wg.Wait()
	assert.Len(t, a.incidents(t), 1)
	kinds, _ := a.outbox(t)
	assert.Len(t, kinds, 1, "announced once")

	_, err := a.s.Pool().Exec(ctx, `INSERT INTO incidents (id, tenant_id, monitor_id, started_at, cause) VALUES ($1, $2, $3, now(), 'down')`,
		uuid.New(), a.tenant, a.monitor.ID)
	assert.ErrorContains(t, err, "incidents_one_open_per_monitor", "the database itself refuses a second open incident")
}

func TestFlappingIsReportedOnceAndDamped(t *testing.T) {
	a := newAlerting(t, model.CommonConfig{})
	for range 5 {
		a.check(t, model.StatusDown, "refused")
		a.check(t, model.StatusUp, "")
	}
	list := a.incidents(t)
	require.Len(t, list, 3, "two ordinary incidents, then one that spans the flapping")
	assert.True(t, list[0].Flapping)
	assert.Equal(t, "open", list[0].Status, "a flapping incident waits for quiet")
	kinds, _ := a.outbox(t)
	assert.Equal(t, []string{model.NotifyOpened, model.NotifyResolved, model.NotifyOpened, model.NotifyResolved, model.NotifyFlapping}, kinds)

	a.clock = a.clock.Add(11 * time.Minute)
	a.check(t, model.StatusUp, "")
	assert.Equal(t, "resolved", a.incidents(t)[0].Status)
	kinds, _ = a.outbox(t)
	assert.Equal(t, model.NotifyResolved, kinds[len(kinds)-1])
}

func TestMaintenanceSilencesThenAnnouncesWhenItEnds(t *testing.T) {
	a := newAlerting(t, model.CommonConfig{})
	ctx := context.Background()
	w, err := model.MaintenanceInput{Name: "db upgrade", StartsAt: a.clock.Add(-time.Minute).Format(time.RFC3339),
		EndsAt: a.clock.Add(time.Hour).Format(time.RFC3339), Tags: []string{"prod"}}.Validate()
	require.NoError(t, err)
	_, err = a.s.CreateMaintenanceWindow(ctx, a.tenant, a.actor, w)
	require.NoError(t, err)

	a.check(t, model.StatusDown, "refused")
	list := a.incidents(t)
	require.Len(t, list, 1)
	assert.True(t, list[0].InMaintenance)
	kinds, _ := a.outbox(t)
	assert.Empty(t, kinds, "no one is notified")

	n, err := a.s.EndMaintenance(ctx, a.clock.Add(30*time.Minute))
	require.NoError(t, err)
	assert.Zero(t, n, "still inside the window")
	n, err = a.s.EndMaintenance(ctx, a.clock.Add(2*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	kinds, _ = a.outbox(t)
	assert.Equal(t, []string{model.NotifyOpened}, kinds, "still down when the window ended: now it is announced")
	assert.False(t, a.incidents(t)[0].InMaintenance)
}

func TestMaintenanceResolvedInsideTheWindowNotifiesNoOne(t *testing.T) {
	a := newAlerting(t, model.CommonConfig{})
	w, err := model.MaintenanceInput{Name: "all", StartsAt: a.clock.Add(-time.Minute).Format(time.RFC3339),
		EndsAt: a.clock.Add(time.Hour).Format(time.RFC3339), AllMonitors: true}.Validate()
	require.NoError(t, err)
	_, err = a.s.CreateMaintenanceWindow(context.Background(), a.tenant, a.actor, w)
	require.NoError(t, err)
	a.check(t, model.StatusDown, "refused")
	a.check(t, model.StatusUp, "")
	assert.Equal(t, "resolved", a.incidents(t)[0].Status)
	kinds, _ := a.outbox(t)
	assert.Empty(t, kinds)
}

func TestRemindersUntilAcknowledged(t *testing.T) {
	a := newAlerting(t, model.CommonConfig{ReminderMinutes: 5})
	ctx := context.Background()
	a.check(t, model.StatusDown, "refused")
	n, err := a.s.QueueReminders(ctx, a.clock.Add(4*time.Minute))
	require.NoError(t, err)
	assert.Zero(t, n)
	n, err = a.s.QueueReminders(ctx, a.clock.Add(5*time.Minute))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	n, err = a.s.QueueReminders(ctx, a.clock.Add(6*time.Minute))
	require.NoError(t, err)
	assert.Zero(t, n, "the next one is five minutes later")

	_, err = a.s.AcknowledgeIncident(ctx, a.tenant, a.actor, a.incidents(t)[0].ID)
	require.NoError(t, err)
	n, err = a.s.QueueReminders(ctx, a.clock.Add(time.Hour))
	require.NoError(t, err)
	assert.Zero(t, n, "acknowledged: no more reminders")
	kinds, _ := a.outbox(t)
	assert.Equal(t, []string{model.NotifyOpened, model.NotifyReminder}, kinds)
}

func TestCertificateWarningsOnceEach(t *testing.T) {
	a := newAlerting(t, model.CommonConfig{})
	notAfter := a.clock.Add(40 * 24 * time.Hour)
	for _, daysBefore := range []float64{35, 29.5, 29, 20, 13.5, 13, 6.9, 0.5, 0.4} {
		at := notAfter.Add(-time.Duration(daysBefore * 24 * float64(time.Hour)))
		a.checkAt(t, at, model.StatusUp, "", &notAfter)
	}
	kinds, _ := a.outbox(t)
	assert.Equal(t, []string{model.NotifyCertificate, model.NotifyCertificate, model.NotifyCertificate, model.NotifyCertificate}, kinds,
		"30, 14, 7 and 1 days, once each")

	renewed := notAfter.Add(90 * 24 * time.Hour)
	b := newAlerting(t, model.CommonConfig{})
	b.checkAt(t, renewed.Add(-5*24*time.Hour), model.StatusUp, "", &renewed)
	b.checkAt(t, renewed.Add(-5*24*time.Hour+time.Minute), model.StatusUp, "", &renewed)
	kinds, _ = b.outbox(t)
	assert.Len(t, kinds, 1, "first seen with 5 days left: the 7-day warning alone")
}

func TestPausingClosesTheIncidentQuietly(t *testing.T) {
	a := newAlerting(t, model.CommonConfig{})
	a.check(t, model.StatusDown, "refused")
	_, err := a.s.SetMonitorEnabled(context.Background(), a.tenant, a.actor, a.monitor.ID, false)
	require.NoError(t, err)
	assert.Equal(t, "resolved", a.incidents(t)[0].Status)
	kinds, _ := a.outbox(t)
	assert.Equal(t, []string{model.NotifyOpened}, kinds)
}

func TestMaintenanceIntervalsPerMonitor(t *testing.T) {
	a := newAlerting(t, model.CommonConfig{})
	ctx := context.Background()
	other, err := a.s.CreateMonitor(ctx, a.tenant, a.actor, model.MonitorSpec{Name: "other", Type: model.TypeHeartbeat, IntervalSeconds: 60,
		TimeoutSeconds: 30, Enabled: true, Config: model.MonitorConfig{Heartbeat: &model.HeartbeatConfig{}}}, 10)
	require.NoError(t, err)
	add := func(in model.MaintenanceInput) {
		w, err := in.Validate()
		require.NoError(t, err)
		_, err = a.s.CreateMaintenanceWindow(ctx, a.tenant, a.actor, w)
		require.NoError(t, err)
	}
	// Nightly 01:00-02:00 New York time for tag prod; a one-off that
	// overlaps the first night for the monitor by id; tenant-wide on the 3rd.
	add(model.MaintenanceInput{Name: "nightly", StartsAt: "2026-06-01T01:00", EndsAt: "2026-06-01T02:00", TimeZone: "America/New_York",
		RRule: "FREQ=DAILY", Tags: []string{"prod"}})
	add(model.MaintenanceInput{Name: "upgrade", StartsAt: "2026-06-01T05:30:00Z", EndsAt: "2026-06-01T07:00:00Z",
		MonitorIDs: []string{a.monitor.ID.String()}})
	add(model.MaintenanceInput{Name: "all", StartsAt: "2026-06-03T00:00:00Z", EndsAt: "2026-06-03T00:30:00Z", AllMonitors: true})

	from, to := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 3, 5, 30, 0, 0, time.UTC)
	foreign := uuid.New()
	got, err := a.s.MaintenanceIntervals(ctx, a.tenant, []uuid.UUID{a.monitor.ID, other.ID, foreign}, from, to)
	require.NoError(t, err)
	at := func(d, h, m int) time.Time { return time.Date(2026, 6, d, h, m, 0, 0, time.UTC) }
	assert.Equal(t, []model.Interval{{From: at(1, 5, 0), To: at(1, 7, 0)}, {From: at(2, 5, 0), To: at(2, 6, 0)}, {From: at(3, 0, 0), To: at(3, 0, 30)}, {From: at(3, 5, 0), To: at(3, 5, 30)}},
		got[a.monitor.ID], "01:00 EDT is 05:00 UTC; the one-off joins the first night; the last night is clipped")
	assert.Equal(t, []model.Interval{{From: at(3, 0, 0), To: at(3, 0, 30)}}, got[other.ID])
	assert.Equal(t, []model.Interval{}, got[foreign])

	otherTenant, _, err := a.s.CreateTenantWithOwner(ctx, store.NewOwner{TenantName: "b", Email: "b@example.com", Name: "b", PasswordHash: "x"})
	require.NoError(t, err)
	got, err = a.s.MaintenanceIntervals(ctx, otherTenant, []uuid.UUID{a.monitor.ID}, from, to)
	require.NoError(t, err)
	assert.Empty(t, got[a.monitor.ID], "another tenant sees none of it")
}
