package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

func (f tenantFixture) tenantID(t *testing.T) uuid.UUID {
	t.Helper()
	var me meData
	f.owner.do("GET", "/api/v1/me", nil).into(t, &me)
	return me.Tenant.TenantID
}

// results writes a day of results, a few an hour, for the fixture's monitor
// and materializes the rollups.
func (s *testServer) results(t *testing.T, f tenantFixture) {
	t.Helper()
	tenant, monitor := f.tenantID(t), uuid.MustParse(f.ids["/api/v1/monitors/:id"])
	var batch []model.CheckResult
	now := time.Now().UTC()
	for at := now.Add(-26 * time.Hour); at.Before(now); at = at.Add(20 * time.Minute) {
		latency := 80.0
		batch = append(batch, model.CheckResult{Time: at, TenantID: tenant, MonitorID: monitor, Region: "eu",
			Status: model.ResultUp, LatencyMS: &latency, StatusCode: 200})
	}
	require.NoError(t, s.Store.WriteResults(context.Background(), batch))
	require.NoError(t, s.Store.RefreshRollups(context.Background()))
}

// TestDeleteTenant: only an owner's session deletes the tenant, and only
// with its name; then every token of the tenant is refused, its public
// pages are gone, the owner lands in their other tenant, and the purge
// leaves no row of it in any table while the other tenant keeps everything.
func TestDeleteTenant(t *testing.T) {
	ts := newTestServer(t, nil)
	a := ts.fixture(t, "Alpha")
	b := ts.fixture(t, "Beta")
	alpha, beta := a.tenantID(t), b.tenantID(t)
	ts.results(t, a)
	ts.results(t, b)
	for _, f := range []tenantFixture{a, b} {
		page := statusPageBody(map[uuid.UUID]string{alpha: "alpha-status", beta: "beta-status"}[f.tenantID(t)], f.ids["/api/v1/monitors/:id"])
		page["published"] = true
		res := f.owner.do("PUT", fill("/api/v1/status-pages/:id", f.ids), page)
		require.Equal(t, http.StatusOK, res.Status, string(res.Raw))
	}
	alphaAdmin := ts.joinAs(t, a.owner, "alpha-admin@example.com", "admin")
	// Alpha's owner is a member of Beta too, which they move on to.
	r := b.owner.do("POST", "/api/v1/invites", map[string]string{"email": a.email, "role": "member"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var inv struct {
		Token string `json:"token"`
	}
	r.into(t, &inv)
	r = ts.anon(t).do("POST", "/api/v1/invites/accept", map[string]string{"token": inv.Token, "password": "correct horse battery"})
	require.Less(t, r.Status, 300, string(r.Raw))
	for who, c := range map[string]client{"owner": a.owner, "admin": alphaAdmin} {
		var me meData
		c.do("GET", "/api/v1/me", nil).into(t, &me)
		require.Equal(t, alpha, me.Tenant.TenantID, "%s is in Alpha", who)
	}
	alphaRows := pgtest.TenantRows(t, ts.Store, alpha)
	for _, rel := range []string{"check_results", "check_rollup_1m", "check_rollup_1h", "monitors", "incidents", "audit_log"} {
		require.Positive(t, alphaRows[rel], rel)
	}
	betaRows := pgtest.TenantRows(t, ts.Store, beta)

	t.Run("refused", func(t *testing.T) {
		for who, c := range map[string]client{"admin": alphaAdmin, "viewer": a.viewer, "write key": a.writeKey, "read key": a.readKey} {
			res := c.do("DELETE", "/api/v1/tenant", map[string]string{"confirm": "Alpha"})
			assert.Equal(t, http.StatusForbidden, res.Status, "%s: %s", who, res.Raw)
			assert.Equal(t, "FORBIDDEN", res.code())
		}
		for name, body := range map[string]any{"a wrong name": map[string]string{"confirm": "alpha"}, "another tenant's name": map[string]string{"confirm": "Beta"},
			"an empty name": map[string]string{"confirm": ""}, "no field": map[string]string{}} {
			res := a.owner.do("DELETE", "/api/v1/tenant", body)
			assert.Equal(t, http.StatusBadRequest, res.Status, "%s: %s", name, res.Raw)
			assert.Equal(t, "VALIDATION_ERROR", res.code())
			require.NotNil(t, res.Error)
			assert.Contains(t, res.Error.Details["confirm"], "tenant's name", name)
		}
		res := a.owner.do("DELETE", "/api/v1/tenant", nil)
		assert.Equal(t, http.StatusBadRequest, res.Status, "no body")
		assert.Equal(t, alphaRows, pgtest.TenantRows(t, ts.Store, alpha), "nothing changed")
	})

	res := a.owner.do("DELETE", "/api/v1/tenant", map[string]string{"confirm": "Alpha"})
	require.Equal(t, http.StatusOK, res.Status, string(res.Raw))
	var deleted struct {
		TenantID    uuid.UUID  `json:"tenant_id"`
		DeletedAt   time.Time  `json:"deleted_at"`
		NextSession *tokenData `json:"next_session"`
	}
	res.into(t, &deleted)
	assert.Equal(t, alpha, deleted.TenantID)
	assert.WithinDuration(t, time.Now(), deleted.DeletedAt, time.Minute)
	require.NotNil(t, deleted.NextSession, "the owner belongs to Beta too")
	assert.Equal(t, beta, deleted.NextSession.TenantID)

	t.Run("every token of the tenant is refused", func(t *testing.T) {
		for who, c := range map[string]client{"owner": a.owner, "admin": alphaAdmin, "viewer": a.viewer, "write key": a.writeKey, "read key": a.readKey} {
			res := c.do("GET", "/api/v1/me", nil)
			assert.Equal(t, http.StatusUnauthorized, res.Status, "%s: %s", who, res.Raw)
			assert.Equal(t, http.StatusUnauthorized, c.do("GET", "/api/v1/monitors", nil).Status, who)
		}
		assert.Equal(t, http.StatusUnauthorized, a.owner.do("DELETE", "/api/v1/tenant", map[string]string{"confirm": "Alpha"}).Status)
	})

	t.Run("the owner goes on in their other tenant", func(t *testing.T) {
		var me meData
		ts.as(t, deleted.NextSession.Token).do("GET", "/api/v1/me", nil).into(t, &me)
		assert.Equal(t, beta, me.Tenant.TenantID)
		require.Len(t, me.Tenants, 1, "Alpha is no longer listed")
		assert.Equal(t, beta, me.Tenants[0].TenantID)
	})

	t.Run("public pages are gone", func(t *testing.T) {
		assert.Equal(t, http.StatusNotFound, ts.anon(t).do("GET", "/api/v1/public/status-pages/alpha-status", nil).Status)
		assert.Equal(t, http.StatusOK, ts.anon(t).do("GET", "/api/v1/public/status-pages/beta-status", nil).Status)
	})

	t.Run("a member of no other tenant keeps the account", func(t *testing.T) {
		login := map[string]string{"email": "alpha-viewer@example.com", "password": "a long password"}
		res := ts.anon(t).do("POST", "/api/v1/auth/login", login)
		assert.Equal(t, http.StatusForbidden, res.Status, string(res.Raw))
		assert.Equal(t, "NO_TENANT", res.code())
		signup := map[string]string{"email": "alpha-viewer@example.com", "password": "not the password", "name": "V", "tenant_name": "Again"}
		assert.Equal(t, http.StatusConflict, ts.anon(t).do("POST", "/api/v1/auth/signup", signup).Status, "a wrong password")
		signup["password"] = "a long password"
		res = ts.anon(t).do("POST", "/api/v1/auth/signup", signup)
		require.Equal(t, http.StatusCreated, res.Status, string(res.Raw))
		var me meData
		var tok tokenData
		res.into(t, &tok)
		ts.as(t, tok.Token).do("GET", "/api/v1/me", nil).into(t, &me)
		assert.Equal(t, "Again", me.Tenant.TenantName)
		assert.Equal(t, "owner", me.Role)
		assert.Equal(t, "Joined", me.User.Name, "the account keeps its name")
		assert.Equal(t, http.StatusConflict, ts.anon(t).do("POST", "/api/v1/auth/signup", signup).Status, "now it has a tenant")
	})

	t.Run("the other tenant works on", func(t *testing.T) {
		res := b.owner.do("GET", "/api/v1/monitors", nil)
		require.Equal(t, http.StatusOK, res.Status)
		assert.Contains(t, string(res.Raw), "Beta site")
		for who, c := range map[string]client{"viewer": b.viewer, "read key": b.readKey, "write key": b.writeKey} {
			assert.Equal(t, http.StatusOK, c.do("GET", "/api/v1/monitors/"+b.ids["/api/v1/monitors/:id"]+"/uptime", nil).Status, who)
		}
	})

	rep, err := ts.Store.PurgeDeletedTenants(context.Background(), time.Now().Add(store.TenantRowGrace+time.Minute), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, []uuid.UUID{alpha}, rep.Removed)
	for rel, n := range pgtest.TenantRows(t, ts.Store, alpha) {
		assert.Zero(t, n, "%s still holds rows of the deleted tenant", rel)
	}
	after := pgtest.TenantRows(t, ts.Store, beta)
	assert.Equal(t, betaRows["sessions"]+1, after["sessions"], "the owner's new session in Beta")
	delete(after, "sessions")
	delete(betaRows, "sessions")
	assert.Equal(t, betaRows, after, "Beta keeps every row")
	assert.Equal(t, http.StatusOK, b.readKey.do("GET", "/api/v1/monitors/"+b.ids["/api/v1/monitors/:id"]+"/series", nil).Status)
}
