package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/store"
)

// monitorWrites are the monitor routes that change data, for a monitor id.
func monitorWrites(id string) []struct{ method, path string } {
	return []struct{ method, path string }{
		{"POST", "/api/v1/monitors"},
		{"PUT", "/api/v1/monitors/" + id},
		{"DELETE", "/api/v1/monitors/" + id},
		{"POST", "/api/v1/monitors/" + id + "/pause"},
		{"POST", "/api/v1/monitors/" + id + "/resume"},
	}
}

func tenantOf(t *testing.T, c client) uuid.UUID {
	t.Helper()
	var me meData
	r := c.do("GET", "/api/v1/me", nil)
	require.Equal(t, http.StatusOK, r.Status)
	r.into(t, &me)
	return me.Tenant.TenantID
}

// viewerOf adds a viewer to the tenant directly in the database and logs
// them in.
func viewerOf(t *testing.T, ts *testServer, tenant uuid.UUID) client {
	t.Helper()
	ctx := t.Context()
	var userID uuid.UUID
	err := ts.Store.Pool().QueryRow(ctx, `INSERT INTO users (email, name, password_hash) VALUES ($1, 'Viewer', 'x') RETURNING id`,
		fmt.Sprintf("viewer%d@example.com", userSeq.Add(1))).Scan(&userID)
	require.NoError(t, err)
	_, err = ts.Store.Pool().Exec(ctx, `INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'viewer')`, tenant, userID)
	require.NoError(t, err)
	token, hash := auth.NewToken(auth.SessionPrefix)
	_, err = ts.Store.CreateSession(ctx, store.NewSession{UserID: userID, TenantID: tenant, TokenHash: hash, ExpiresAt: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	return ts.as(t, token)
}

// apiKeyOf adds an API key of the given scope to the tenant directly in
// the database.
func apiKeyOf(t *testing.T, ts *testServer, tenant uuid.UUID, scope string) client {
	t.Helper()
	token, hash := auth.NewToken(auth.APIKeyPrefix)
	_, err := ts.Store.Pool().Exec(t.Context(), `INSERT INTO api_keys (tenant_id, name, prefix, key_hash, scope) VALUES ($1, $2, $3, $4, $5)`,
		tenant, scope+" key", auth.KeyDisplayPrefix(token), hash, scope)
	require.NoError(t, err)
	return ts.as(t, token)
}

func TestMonitorsOfAnotherTenantAreInvisible(t *testing.T) {
	ts := newTestServer(t, nil)
	ownerA, _ := ts.signup(t, "Tenant A")
	ownerB, _ := ts.signup(t, "Tenant B")
	m := createMonitor(t, ownerA, monitorOfEachType[0])
	path := "/api/v1/monitors/" + m.ID.String()
	before := ownerA.do("GET", path, nil)
	keyB := apiKeyOf(t, ts, tenantOf(t, ownerB), auth.ScopeWrite)

	for name, b := range map[string]client{"owner of B": ownerB, "write key of B": keyB} {
		t.Run(name, func(t *testing.T) {
			get := b.do("GET", path, nil)
			assert.Equal(t, http.StatusNotFound, get.Status)
			assert.Equal(t, "NOT_FOUND", get.code())
			for _, w := range monitorWrites(m.ID.String())[1:] {
				r := b.do(w.method, w.path, monitorOfEachType[2])
				assert.Equal(t, http.StatusNotFound, r.Status, "%s %s", w.method, w.path)
				assert.Equal(t, "NOT_FOUND", r.code())
			}
			list := b.do("GET", "/api/v1/monitors", nil)
			require.Equal(t, http.StatusOK, list.Status)
			assert.NotContains(t, string(list.Raw), m.ID.String())
			assert.EqualValues(t, 0, list.Meta["total"])
		})
	}

	after := ownerA.do("GET", path, nil)
	require.Equal(t, http.StatusOK, after.Status)
	assert.JSONEq(t, string(before.Data), string(after.Data), "A's monitor is unchanged")
}

func TestMonitorWritesNeedMemberRole(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Roles")
	tenant := tenantOf(t, owner)
	m := createMonitor(t, owner, monitorOfEachType[3])
	before := owner.do("GET", "/api/v1/monitors/"+m.ID.String(), nil)

	readers := map[string]client{
		"viewer":        viewerOf(t, ts, tenant),
		"read-only key": apiKeyOf(t, ts, tenant, auth.ScopeRead),
	}
	for name, c := range readers {
		t.Run(name, func(t *testing.T) {
			for _, w := range monitorWrites(m.ID.String()) {
				r := c.do(w.method, w.path, monitorOfEachType[1])
				assert.Equal(t, http.StatusForbidden, r.Status, "%s %s", w.method, w.path)
				assert.Equal(t, "FORBIDDEN", r.code())
			}
			assert.Equal(t, http.StatusOK, c.do("GET", "/api/v1/monitors", nil).Status, "reading is allowed")
			assert.Equal(t, http.StatusOK, c.do("GET", "/api/v1/monitors/"+m.ID.String(), nil).Status)
		})
	}
	after := owner.do("GET", "/api/v1/monitors/"+m.ID.String(), nil)
	assert.JSONEq(t, string(before.Data), string(after.Data))
	list := owner.do("GET", "/api/v1/monitors", nil)
	assert.EqualValues(t, 1, list.Meta["total"])

	t.Run("a write key may write", func(t *testing.T) {
		key := apiKeyOf(t, ts, tenant, auth.ScopeWrite)
		created := createMonitor(t, key, monitorOfEachType[4])
		assert.Equal(t, http.StatusOK, key.do("POST", "/api/v1/monitors/"+created.ID.String()+"/pause", nil).Status)
	})
}

func TestMonitorIDThatIsNoUUIDIs404(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Ids")
	for _, id := range []string{"not-a-uuid", "1", "00000000-0000-0000-0000-00000000000g", "%27%20OR%201=1"} {
		reqs := append(monitorWrites(id)[1:], struct{ method, path string }{"GET", "/api/v1/monitors/" + id})
		for _, w := range reqs {
			r := owner.do(w.method, w.path, monitorOfEachType[2])
			assert.Equal(t, http.StatusNotFound, r.Status, "%s %s", w.method, w.path)
			assert.Equal(t, "NOT_FOUND", r.code())
		}
	}
	r := owner.do("GET", "/api/v1/monitors/"+uuid.NewString(), nil)
	assert.Equal(t, http.StatusNotFound, r.Status, "an unknown UUID too")
}

// TestMonitorWritesAreAudited: every write leaves one audit row with the
// action, the actor and the request id of the response.
func TestMonitorWritesAreAudited(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Audit")
	var me meData
	owner.do("GET", "/api/v1/me", nil).into(t, &me)
	require.NotNil(t, me.User)

	created := owner.do("POST", "/api/v1/monitors", monitorOfEachType[0])
	require.Equal(t, http.StatusCreated, created.Status)
	var m monitorData
	created.into(t, &m)
	path := "/api/v1/monitors/" + m.ID.String()
	steps := []struct {
		action string
		r      response
	}{
		{"monitor.create", created},
		{"monitor.update", owner.do("PUT", path, monitorOfEachType[0])},
		{"monitor.pause", owner.do("POST", path+"/pause", nil)},
		{"monitor.resume", owner.do("POST", path+"/resume", nil)},
		{"monitor.delete", owner.do("DELETE", path, nil)},
	}
	rows, err := ts.Store.Pool().Query(t.Context(), `
		SELECT action, actor_type, actor_id, actor_name, request_id FROM audit_log
		WHERE tenant_id = $1 AND resource_type = 'monitor' AND resource_id = $2 ORDER BY id`, me.Tenant.TenantID, m.ID.String())
	require.NoError(t, err)
	defer rows.Close()
	i := 0
	for rows.Next() {
		var action, actorType, actorName, requestID string
		var actorID uuid.UUID
		require.NoError(t, rows.Scan(&action, &actorType, &actorID, &actorName, &requestID))
		require.Less(t, i, len(steps), "more audit rows than writes")
		assert.Equal(t, steps[i].action, action)
		assert.Equal(t, "user", actorType)
		assert.Equal(t, me.User.ID, actorID)
		assert.Equal(t, me.User.Email, actorName)
		assert.Equal(t, steps[i].r.Header.Get("X-Request-ID"), requestID)
		assert.NotEmpty(t, requestID)
		i++
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, len(steps), i)
}
