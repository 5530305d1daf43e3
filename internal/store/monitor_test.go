package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

// monitorTenant creates a tenant and returns it with its owner as actor.
func monitorTenant(t *testing.T, s *store.Store, name string) (uuid.UUID, auth.Actor) {
	t.Helper()
	tenant, user, err := s.CreateTenantWithOwner(context.Background(), store.NewOwner{
		TenantName: name, Email: name + "@example.com", Name: name, PasswordHash: "x"})
	require.NoError(t, err)
	return tenant, auth.Actor{Type: "user", ID: user, Name: name + "@example.com", RequestID: "req-" + name}
}

// spec validates a request body into a spec, as the API does.
func spec(t *testing.T, body string) model.MonitorSpec {
	t.Helper()
	var in model.MonitorInput
	require.NoError(t, json.Unmarshal([]byte(body), &in))
	sp, err := in.Validate(model.MonitorRules{MinIntervalSeconds: 30})
	require.NoError(t, err, body)
	return sp
}

var specOfEachType = map[model.MonitorType]string{
	model.TypeHTTP:      `{"name":"API","type":"http","target":"https://example.com/health","config":{"headers":{"X-Key":"1"},"json_assertions":[{"path":"$.ok","op":"equals","value":true}]}}`,
	model.TypeKeyword:   `{"name":"Home","type":"keyword","target":"https://example.com","config":{"keyword":"Welcome"}}`,
	model.TypeTCP:       `{"name":"DB","type":"tcp","target":"db.example.com:5432","config":{"send":"PING","expect":"PONG"}}`,
	model.TypeDNS:       `{"name":"MX","type":"dns","target":"example.com","config":{"record_type":"MX","expected_values":["10 mx.example.com."]}}`,
	model.TypeICMP:      `{"name":"Ping","type":"icmp","target":"192.0.2.1","config":{"packet_count":2}}`,
	model.TypeTLS:       `{"name":"Cert","type":"tls","target":"example.com:443","config":{"warn_days":30,"critical_days":5}}`,
	model.TypeHeartbeat: `{"name":"Cron","type":"heartbeat","interval_seconds":3600,"config":{"grace_seconds":120}}`,
}

func TestMonitorCRUDForEachType(t *testing.T) {
	s := pgtest.NewStore(t, store.EnginePostgres)
	ctx := context.Background()
	tenant, actor := monitorTenant(t, s, "crud")
	for _, typ := range model.MonitorTypes {
		t.Run(string(typ), func(t *testing.T) {
			want := spec(t, specOfEachType[typ])
			created, err := s.CreateMonitor(ctx, tenant, actor, want, 100)
			require.NoError(t, err)
			assert.Equal(t, want, created.MonitorSpec)
			assert.Equal(t, model.StatusPending, created.Status)
			assert.Nil(t, created.LastCheckedAt)

			got, err := s.GetMonitor(ctx, tenant, created.ID)
			require.NoError(t, err)
			assert.Equal(t, created, got, "the stored config reads back as written")

			changed := want
			changed.Name = want.Name + " (renamed)"
			changed.IntervalSeconds = 300
			updated, err := s.UpdateMonitor(ctx, tenant, actor, created.ID, changed)
			require.NoError(t, err)
			assert.Equal(t, changed, updated.MonitorSpec)
			assert.True(t, !updated.UpdatedAt.Before(created.UpdatedAt))

			require.NoError(t, s.DeleteMonitor(ctx, tenant, actor, created.ID))
			_, err = s.GetMonitor(ctx, tenant, created.ID)
			assert.ErrorIs(t, err, errs.ErrNotFound)
			assert.ErrorIs(t, s.DeleteMonitor(ctx, tenant, actor, created.ID), errs.ErrNotFound, "deleting twice")
			var deletedAt *time.Time
			require.NoError(t, s.Pool().QueryRow(ctx, `SELECT deleted_at FROM monitors WHERE id = $1`, created.ID).Scan(&deletedAt))
			assert.NotNil(t, deletedAt, "soft delete keeps the row")

			var actions []string
			rows, err := s.Pool().Query(ctx, `SELECT action || ' ' || actor_id || ' ' || request_id FROM audit_log
				WHERE tenant_id = $1 AND resource_type = 'monitor' AND resource_id = $2 ORDER BY id`, tenant, created.ID.String())
			require.NoError(t, err)
			actions, err = pgx.CollectRows(rows, pgx.RowTo[string])
			require.NoError(t, err)
			suffix := " " + actor.ID.String() + " req-crud"
			assert.Equal(t, []string{"monitor.create" + suffix, "monitor.update" + suffix, "monitor.delete" + suffix}, actions)
		})
	}
}

func TestUpdateMonitorStatusFollowsChanges(t *testing.T) {
	s := pgtest.NewStore(t, store.EnginePostgres)
	ctx := context.Background()
	tenant, actor := monitorTenant(t, s, "status")
	base := spec(t, specOfEachType[model.TypeHTTP])
	m, err := s.CreateMonitor(ctx, tenant, actor, base, 0)
	require.NoError(t, err)
	setStatus := func(status string) {
		_, err := s.Pool().Exec(ctx, `UPDATE monitors SET status = $2 WHERE id = $1`, m.ID, status)
		require.NoError(t, err)
	}

	setStatus("up")
	renamed := base
	renamed.Name = "renamed"
	got, err := s.UpdateMonitor(ctx, tenant, actor, m.ID, renamed)
	require.NoError(t, err)
	assert.Equal(t, model.StatusUp, got.Status, "a rename keeps the status")

	moved := renamed
	moved.Target = "https://example.org/"
	got, err = s.UpdateMonitor(ctx, tenant, actor, m.ID, moved)
	require.NoError(t, err)
	assert.Equal(t, model.StatusPending, got.Status, "a new target is unknown until checked")

	disabled := moved
	disabled.Enabled = false
	got, err = s.UpdateMonitor(ctx, tenant, actor, m.ID, disabled)
	require.NoError(t, err)
	assert.Equal(t, model.StatusPaused, got.Status)

	paused := spec(t, `{"name":"off","type":"tcp","target":"a.example:1","enabled":false}`)
	created, err := s.CreateMonitor(ctx, tenant, actor, paused, 0)
	require.NoError(t, err)
	assert.Equal(t, model.StatusPaused, created.Status, "created disabled is paused")
}

func TestPauseAndResume(t *testing.T) {
	s := pgtest.NewStore(t, store.EnginePostgres)
	ctx := context.Background()
	tenant, actor := monitorTenant(t, s, "pause")
	m, err := s.CreateMonitor(ctx, tenant, actor, spec(t, specOfEachType[model.TypeTCP]), 0)
	require.NoError(t, err)
	_, err = s.Pool().Exec(ctx, `UPDATE monitors SET status = 'up' WHERE id = $1`, m.ID)
	require.NoError(t, err)

	got, err := s.SetMonitorEnabled(ctx, tenant, actor, m.ID, true)
	require.NoError(t, err)
	assert.Equal(t, model.StatusUp, got.Status, "resuming a running monitor keeps its status")

	got, err = s.SetMonitorEnabled(ctx, tenant, actor, m.ID, false)
	require.NoError(t, err)
	assert.False(t, got.Enabled)
	assert.Equal(t, model.StatusPaused, got.Status)

	got, err = s.SetMonitorEnabled(ctx, tenant, actor, m.ID, true)
	require.NoError(t, err)
	assert.True(t, got.Enabled)
	assert.Equal(t, model.StatusPending, got.Status)

	var n int
	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE resource_id = $1 AND action IN ('monitor.pause', 'monitor.resume')`,
		m.ID.String()).Scan(&n))
	assert.Equal(t, 3, n)
}

func TestMonitorLimitPerTenant(t *testing.T) {
	s := pgtest.NewStore(t, store.EnginePostgres)
	ctx := context.Background()
	tenant, actor := monitorTenant(t, s, "limit")
	other, otherActor := monitorTenant(t, s, "other")
	sp := spec(t, specOfEachType[model.TypeICMP])

	first, err := s.CreateMonitor(ctx, tenant, actor, sp, 2)
	require.NoError(t, err)
	_, err = s.CreateMonitor(ctx, tenant, actor, sp, 2)
	require.NoError(t, err)
	_, err = s.CreateMonitor(ctx, tenant, actor, sp, 2)
	require.ErrorIs(t, err, errs.ErrLimitExceeded)
	msg, _ := errs.PublicMessage(err)
	assert.Contains(t, msg, "at most 2 monitors")

	_, err = s.CreateMonitor(ctx, other, otherActor, sp, 2)
	assert.NoError(t, err, "the limit is per tenant")

	require.NoError(t, s.DeleteMonitor(ctx, tenant, actor, first.ID))
	_, err = s.CreateMonitor(ctx, tenant, actor, sp, 2)
	assert.NoError(t, err, "deleted monitors do not count")
}

func TestListMonitors(t *testing.T) {
	s := pgtest.NewStore(t, store.EnginePostgres)
	ctx := context.Background()
	tenant, actor := monitorTenant(t, s, "list")
	other, otherActor := monitorTenant(t, s, "foreign")
	byName := map[string]uuid.UUID{}
	for _, body := range []string{
		`{"name":"alpha api","type":"http","target":"https://a.example"}`,
		`{"name":"Beta API","type":"http","target":"https://b.example","enabled":false}`,
		`{"name":"gamma db","type":"tcp","target":"g.example:5432"}`,
		`{"name":"delta dns","type":"dns","target":"d.example"}`,
		`{"name":"epsilon gone","type":"dns","target":"e.example"}`,
	} {
		m, err := s.CreateMonitor(ctx, tenant, actor, spec(t, body), 0)
		require.NoError(t, err)
		byName[m.Name] = m.ID
	}
	require.NoError(t, s.DeleteMonitor(ctx, tenant, actor, byName["epsilon gone"]))
	_, err := s.Pool().Exec(ctx, `UPDATE monitors SET status = 'down' WHERE id = $1`, byName["gamma db"])
	require.NoError(t, err)
	_, err = s.CreateMonitor(ctx, other, otherActor, spec(t, `{"name":"alpha foreign","type":"http","target":"https://f.example"}`), 0)
	require.NoError(t, err)

	yes, no := true, false
	cases := []struct {
		name   string
		filter store.MonitorFilter
		want   []string
		total  int
	}{
		{"everything by name", store.MonitorFilter{}, []string{"alpha api", "Beta API", "delta dns", "gamma db"}, 4},
		{"by name descending", store.MonitorFilter{Desc: true}, []string{"gamma db", "delta dns", "Beta API", "alpha api"}, 4},
		{"type", store.MonitorFilter{Type: model.TypeHTTP}, []string{"alpha api", "Beta API"}, 2},
		{"status", store.MonitorFilter{Status: model.StatusDown}, []string{"gamma db"}, 1},
		{"enabled", store.MonitorFilter{Enabled: &yes}, []string{"alpha api", "delta dns", "gamma db"}, 3},
		{"disabled", store.MonitorFilter{Enabled: &no}, []string{"Beta API"}, 1},
		{"search ignores case", store.MonitorFilter{Search: "API"}, []string{"alpha api", "Beta API"}, 2},
		{"search treats wildcards literally", store.MonitorFilter{Search: "%"}, nil, 0},
		{"status worst first", store.MonitorFilter{Sort: "status"}, []string{"gamma db", "alpha api", "delta dns", "Beta API"}, 4},
		{"type then name", store.MonitorFilter{Sort: "type"}, []string{"delta dns", "alpha api", "Beta API", "gamma db"}, 4},
		{"created_at newest first", store.MonitorFilter{Sort: "created_at", Desc: true}, []string{"delta dns", "gamma db", "Beta API", "alpha api"}, 4},
		{"page two", store.MonitorFilter{Limit: 3, Offset: 3}, []string{"gamma db"}, 4},
		{"past the end", store.MonitorFilter{Limit: 3, Offset: 30}, nil, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			list, total, err := s.ListMonitors(ctx, tenant, tc.filter)
			require.NoError(t, err)
			var names []string
			for _, m := range list {
				names = append(names, m.Name)
			}
			assert.Equal(t, tc.want, names)
			assert.Equal(t, tc.total, total)
		})
	}
	_, _, err = s.ListMonitors(ctx, tenant, store.MonitorFilter{Sort: "id; DROP TABLE monitors"})
	assert.ErrorIs(t, err, errs.ErrValidation)
}

// TestMonitorsOfAnotherTenant: every method answers not found for a
// foreign id and leaves the row untouched.
func TestMonitorsOfAnotherTenant(t *testing.T) {
	s := pgtest.NewStore(t, store.EnginePostgres)
	ctx := context.Background()
	a, actorA := monitorTenant(t, s, "owner-a")
	b, actorB := monitorTenant(t, s, "owner-b")
	m, err := s.CreateMonitor(ctx, a, actorA, spec(t, specOfEachType[model.TypeHTTP]), 0)
	require.NoError(t, err)
	other := spec(t, `{"name":"hijacked","type":"tcp","target":"evil.example:1"}`)

	_, err = s.GetMonitor(ctx, b, m.ID)
	assert.ErrorIs(t, err, errs.ErrNotFound)
	_, err = s.UpdateMonitor(ctx, b, actorB, m.ID, other)
	assert.ErrorIs(t, err, errs.ErrNotFound)
	_, err = s.SetMonitorEnabled(ctx, b, actorB, m.ID, false)
	assert.ErrorIs(t, err, errs.ErrNotFound)
	assert.ErrorIs(t, s.DeleteMonitor(ctx, b, actorB, m.ID), errs.ErrNotFound)
	list, total, err := s.ListMonitors(ctx, b, store.MonitorFilter{})
	require.NoError(t, err)
	assert.Empty(t, list)
	assert.Zero(t, total)

	after, err := s.GetMonitor(ctx, a, m.ID)
	require.NoError(t, err)
	assert.Equal(t, m, after, "A's monitor is unchanged")
	var foreignAudit int
	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND resource_type = 'monitor'`, b).Scan(&foreignAudit))
	assert.Zero(t, foreignAudit, "failed writes leave no audit entry")
}

// TestMonitorChangesAreNotified: the worker hears of every create, update
// and delete on channel monitor_changed as "<tenant>:<monitor>".
func TestMonitorChangesAreNotified(t *testing.T) {
	s := pgtest.NewStore(t, store.EnginePostgres)
	ctx := context.Background()
	tenant, actor := monitorTenant(t, s, "notify")

	conn, err := s.Pool().Acquire(ctx)
	require.NoError(t, err)
	listener := conn.Hijack() // LISTEN state must not go back to the pool
	t.Cleanup(func() { listener.Close(context.Background()) })
	_, err = listener.Exec(ctx, "LISTEN monitor_changed")
	require.NoError(t, err)

	expect := func(t *testing.T, want string) {
		t.Helper()
		wait, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		n, err := listener.WaitForNotification(wait)
		require.NoError(t, err, "no notification within 2 s")
		assert.Equal(t, "monitor_changed", n.Channel)
		assert.Equal(t, want, n.Payload)
	}

	sp := spec(t, specOfEachType[model.TypeDNS])
	m, err := s.CreateMonitor(ctx, tenant, actor, sp, 0)
	require.NoError(t, err)
	payload := fmt.Sprintf("%s:%s", tenant, m.ID)
	t.Run("create", func(t *testing.T) { expect(t, payload) })

	sp.Name = "renamed"
	_, err = s.UpdateMonitor(ctx, tenant, actor, m.ID, sp)
	require.NoError(t, err)
	t.Run("update", func(t *testing.T) { expect(t, payload) })

	_, err = s.SetMonitorEnabled(ctx, tenant, actor, m.ID, false)
	require.NoError(t, err)
	t.Run("pause", func(t *testing.T) { expect(t, payload) })

	require.NoError(t, s.DeleteMonitor(ctx, tenant, actor, m.ID))
	t.Run("delete", func(t *testing.T) { expect(t, payload) })
}

// TestMonitorRowLevelSecurity: as the application role with tenant B set,
// a query without any tenant filter sees none of A's monitors.
func TestMonitorRowLevelSecurity(t *testing.T) {
	s := pgtest.NewStore(t, store.EnginePostgres)
	ctx := context.Background()
	a, actorA := monitorTenant(t, s, "rls-a")
	b, _ := monitorTenant(t, s, "rls-b")
	for range 3 {
		_, err := s.CreateMonitor(ctx, a, actorA, spec(t, specOfEachType[model.TypeTCP]), 0)
		require.NoError(t, err)
	}
	countAs := func(tenant uuid.UUID) int {
		var n int
		err := pgx.BeginFunc(ctx, s.Pool(), func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL ROLE vinsight_app`); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `SELECT set_config('vinsight.tenant_id', $1, true)`, tenant.String()); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT count(*) FROM monitors`).Scan(&n)
		})
		require.NoError(t, err)
		return n
	}
	assert.Equal(t, 0, countAs(b))
	assert.Equal(t, 3, countAs(a))
	var all int
	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM monitors`).Scan(&all))
	assert.Equal(t, 3, all)
}
