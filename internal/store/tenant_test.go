package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

// seedResults writes a result every ten minutes for the last three days
// for each of the tenant's monitors, from two regions.
func seedResults(t *testing.T, s *store.Store, tenant uuid.UUID, now time.Time) {
	t.Helper()
	ctx := context.Background()
	rows, err := s.Pool().Query(ctx, `SELECT id FROM monitors WHERE tenant_id = $1`, tenant)
	require.NoError(t, err)
	var monitors []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		require.NoError(t, rows.Scan(&id))
		monitors = append(monitors, id)
	}
	require.NoError(t, rows.Err())
	var batch []model.CheckResult
	for _, m := range monitors {
		for at := now.Add(-72 * time.Hour); at.Before(now); at = at.Add(10 * time.Minute) {
			for _, region := range []string{"eu", "us"} {
				latency := 42.0
				batch = append(batch, model.CheckResult{Time: at, TenantID: tenant, MonitorID: m, Region: region,
					Status: model.ResultUp, LatencyMS: &latency})
			}
		}
	}
	require.NoError(t, s.WriteResults(ctx, batch))
}

func ownerOf(t *testing.T, s *store.Store, tenant uuid.UUID) auth.Actor {
	t.Helper()
	var id uuid.UUID
	require.NoError(t, s.Pool().QueryRow(context.Background(),
		`SELECT user_id FROM memberships WHERE tenant_id = $1 AND role = 'owner'`, tenant).Scan(&id))
	return auth.Actor{Type: "user", ID: id, Name: "owner"}
}

// TestDeleteTenantPurgesEveryRow: deleting a tenant cuts it off at once, the
// purge then removes every row it has in every relation (results and rollups
// of the engine included) and finally the tenant row, once its Grafana state
// is gone; another tenant keeps everything.
func TestDeleteTenantPurgesEveryRow(t *testing.T) {
	pgtest.Engines(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		s := pgtest.NewStore(t, engine)
		now := time.Now().UTC()
		alpha := seedTenant(t, s, "alpha")
		beta := seedTenant(t, s, "beta")
		seedResults(t, s, alpha, now)
		seedResults(t, s, beta, now)
		require.NoError(t, s.RefreshRollups(ctx))
		seedResults(t, s, alpha, now.Add(time.Minute)) // and some not materialized yet

		before := pgtest.TenantRows(t, s, alpha)
		for _, rel := range []string{"check_results", "check_rollup_1m", "check_rollup_1h", "check_rollup_1d", "monitors",
			"incidents", "notification_channels", "maintenance_windows", "status_pages", "badge_tokens", "api_keys",
			"sessions", "invites", "memberships", "audit_log", "grafana_orgs", "tenants"} {
			assert.Contains(t, before, rel)
		}
		for rel, n := range before {
			assert.Positive(t, n, "the seed has a row of alpha in %s, so that the purge is seen to cover it", rel)
		}
		betaBefore := pgtest.TenantRows(t, s, beta)

		t.Run("refused", func(t *testing.T) {
			owner := ownerOf(t, s, alpha)
			_, err := s.DeleteTenant(ctx, alpha, owner, "Alpha")
			assert.ErrorIs(t, err, errs.ErrValidation, "the name is compared exactly")
			_, err = s.DeleteTenant(ctx, alpha, auth.Actor{Type: "api_key", ID: uuid.New()}, "alpha")
			assert.ErrorIs(t, err, errs.ErrForbidden)
			_, err = s.DeleteTenant(ctx, alpha, ownerOf(t, s, beta), "alpha")
			assert.ErrorIs(t, err, errs.ErrForbidden, "an owner of another tenant")
			assert.Equal(t, before, pgtest.TenantRows(t, s, alpha), "nothing changed")
		})

		d, err := s.DeleteTenant(ctx, alpha, ownerOf(t, s, alpha), " alpha ")
		require.NoError(t, err)
		assert.Equal(t, 1, d.Members)
		assert.Equal(t, []string{"alpha-status"}, d.StatusPageSlugs)
		_, err = s.DeleteTenant(ctx, alpha, ownerOf(t, s, beta), "alpha")
		assert.ErrorIs(t, err, errs.ErrNotFound, "a deleted tenant is gone")

		t.Run("cut off at once", func(t *testing.T) {
			rows := pgtest.TenantRows(t, s, alpha)
			for _, rel := range []string{"sessions", "api_keys", "invites", "memberships", "status_pages", "badge_tokens"} {
				assert.Zero(t, rows[rel], rel)
			}
			var live, open, pending int
			require.NoError(t, s.Pool().QueryRow(ctx, `SELECT
				(SELECT count(*) FROM monitors WHERE tenant_id = $1 AND deleted_at IS NULL),
				(SELECT count(*) FROM incidents WHERE tenant_id = $1 AND resolved_at IS NULL),
				(SELECT count(*) FROM notification_deliveries WHERE tenant_id = $1 AND status = 'pending')`, alpha).
				Scan(&live, &open, &pending))
			assert.Zero(t, live, "monitors are deleted")
			assert.Zero(t, open, "incidents are closed")
			assert.Zero(t, pending, "nothing more is sent")
			scheduled, err := s.ScheduledMonitors(ctx, "eu")
			require.NoError(t, err)
			require.Len(t, scheduled, 1)
			assert.Equal(t, beta, scheduled[0].TenantID, "only the other tenant's monitor is probed")

			// A monitor created in the same moment as the deletion is not probed either.
			var raced uuid.UUID
			require.NoError(t, s.Pool().QueryRow(ctx, `UPDATE monitors SET deleted_at = NULL WHERE tenant_id = $1 RETURNING id`, alpha).Scan(&raced))
			scheduled, err = s.ScheduledMonitors(ctx, "eu")
			require.NoError(t, err)
			assert.Len(t, scheduled, 1)
			_, err = s.ScheduledMonitor(ctx, "eu", alpha, raced)
			assert.ErrorIs(t, err, errs.ErrNotFound)
			_, err = s.TenantName(ctx, alpha)
			assert.ErrorIs(t, err, errs.ErrNotFound)
		})

		t.Run("a run out of time leaves the rest to the next", func(t *testing.T) {
			rep, err := s.PurgeDeletedTenants(ctx, now, time.Nanosecond)
			require.NoError(t, err)
			assert.Equal(t, 1, rep.Pending)
			assert.Empty(t, rep.Removed)
		})

		rep, err := s.PurgeDeletedTenants(ctx, now, time.Minute)
		require.NoError(t, err)
		assert.Positive(t, rep.Rows)
		assert.Empty(t, rep.Removed, "within the grace the tenant row stays")
		rows := pgtest.TenantRows(t, s, alpha)
		for rel, n := range rows {
			if rel != "tenants" && rel != "grafana_orgs" {
				assert.Zero(t, n, "%s still holds rows of the deleted tenant", rel)
			}
		}
		assert.EqualValues(t, 1, rows["tenants"])

		later := now.Add(store.TenantRowGrace + time.Second)
		rep, err = s.PurgeDeletedTenants(ctx, later, time.Minute)
		require.NoError(t, err)
		assert.Empty(t, rep.Removed, "the Grafana organization is not removed yet")
		assert.Equal(t, 1, rep.Pending)

		require.NoError(t, s.DeleteGrafanaOrg(ctx, alpha))
		rep, err = s.PurgeDeletedTenants(ctx, later, time.Minute)
		require.NoError(t, err)
		assert.Equal(t, []uuid.UUID{alpha}, rep.Removed)
		assert.Zero(t, rep.Pending)
		for rel, n := range pgtest.TenantRows(t, s, alpha) {
			assert.Zero(t, n, "%s still holds rows of the deleted tenant", rel)
		}
		assert.Equal(t, betaBefore, pgtest.TenantRows(t, s, beta), "the other tenant keeps every row")

		rep, err = s.PurgeDeletedTenants(ctx, later, time.Minute)
		require.NoError(t, err)
		assert.Equal(t, store.PurgeReport{}, rep, "nothing left to do")
	})
}

// TestPurgeRunsOneAtATime: a second purge while one runs returns at once.
func TestPurgeRunsOneAtATime(t *testing.T) {
	ctx := context.Background()
	s := pgtest.NewStore(t, store.EnginePostgres)
	alpha := seedTenant(t, s, "alpha")
	_, err := s.DeleteTenant(ctx, alpha, ownerOf(t, s, alpha), "alpha")
	require.NoError(t, err)
	conn, err := s.Pool().Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	_, err = conn.Exec(ctx, `SELECT pg_advisory_lock(7000003)`) // as another process purging
	require.NoError(t, err)
	rep, err := s.PurgeDeletedTenants(ctx, time.Now(), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, store.PurgeReport{}, rep)
	_, err = conn.Exec(ctx, `SELECT pg_advisory_unlock(7000003)`)
	require.NoError(t, err)
	rep, err = s.PurgeDeletedTenants(ctx, time.Now(), time.Minute)
	require.NoError(t, err)
	assert.Positive(t, rep.Rows)
}

// TestCreateTenantForUser: an account whose only tenant is gone
// may start a new one; an account with a tenant may not, and the tenant
// gets the user as its owner.
func TestCreateTenantForUser(t *testing.T) {
	ctx := context.Background()
	s := pgtest.NewStore(t, store.EnginePostgres)
	alpha := seedTenant(t, s, "alpha")
	owner := ownerOf(t, s, alpha)
	_, err := s.CreateTenantForUser(ctx, owner.ID, "Second", "req")
	assert.ErrorIs(t, err, errs.ErrConflict, "a member of a tenant signs up no further tenant")
	_, err = s.DeleteTenant(ctx, alpha, owner, "alpha")
	require.NoError(t, err)
	tenant, err := s.CreateTenantForUser(ctx, owner.ID, "Second", "req")
	require.NoError(t, err)
	tenants, err := s.UserTenants(ctx, owner.ID)
	require.NoError(t, err)
	require.Len(t, tenants, 1)
	assert.Equal(t, store.Membership{TenantID: tenant, TenantName: "Second", Role: auth.Owner}, tenants[0])
}
