package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/backend/api"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/store"
)

// tenantFixture is one tenant with one of every resource, and principals of
// every kind.
type tenantFixture struct {
	owner, viewer, readKey, writeKey client
	email                            string
	ids                              map[string]string // path parameter route -> an id of this tenant
}

func idOf(t *testing.T, r response) string {
	t.Helper()
	require.Less(t, r.Status, 300, string(r.Raw))
	var v struct {
		ID     string `json:"id"`
		UserID string `json:"user_id"`
	}
	r.into(t, &v)
	if v.ID != "" {
		return v.ID
	}
	return v.UserID
}

func monitorBody(name string) map[string]any {
	return map[string]any{"name": name, "type": "http", "target": "https://example.com/health", "interval_seconds": 60, "timeout_seconds": 10}
}

func channelBody(name string) map[string]any {
	return map[string]any{"name": name, "type": "webhook", "config": map[string]any{"url": "https://hooks.example.com/" + url.PathEscape(name), "secret": "s3cret"}}
}

func windowBody(name string) map[string]any {
	return map[string]any{"name": name, "starts_at": "2030-01-06T02:00", "ends_at": "2030-01-06T04:00", "time_zone": "Europe/Berlin",
		"rrule": "FREQ=WEEKLY;BYDAY=SU", "all_monitors": true}
}

func statusPageBody(slug string, monitorIDs ...string) map[string]any {
	if monitorIDs == nil {
		monitorIDs = []string{}
	}
	return map[string]any{"slug": slug, "title": "Status of " + slug, "description": "Our services", "logo_url": "https://cdn.example.com/logo.png",
		"monitor_ids": monitorIDs, "published": false}
}

// incidentOf opens an incident on the monitor, as the worker would when it
// finds the monitor down, and returns its id.
func (s *testServer) incidentOf(t *testing.T, owner client, monitorID string) string {
	t.Helper()
	var me meData
	owner.do("GET", "/api/v1/me", nil).into(t, &me)
	require.NoError(t, s.Store.RecordMonitorStates(context.Background(), []store.MonitorState{{TenantID: me.Tenant.TenantID,
		MonitorID: uuid.MustParse(monitorID), Region: "eu", Status: model.StatusDown, CheckedAt: time.Now(), Message: "refused"}}))
	var list []struct {
		ID string `json:"id"`
	}
	owner.do("GET", "/api/v1/incidents?monitor_id="+monitorID, nil).into(t, &list)
	require.Len(t, list, 1)
	return list[0].ID
}

// joinAs invites email with role and accepts, returning the new user's client.
func (s *testServer) joinAs(t *testing.T, owner client, email, role string) client {
	t.Helper()
	r := owner.do("POST", "/api/v1/invites", map[string]string{"email": email, "role": role})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var inv struct {
		Token string `json:"token"`
	}
	r.into(t, &inv)
	r = s.anon(t).do("POST", "/api/v1/invites/accept", map[string]string{"token": inv.Token, "password": "a long password", "name": "Joined"})
	require.Less(t, r.Status, 300, string(r.Raw))
	var tok tokenData
	r.into(t, &tok)
	return s.as(t, tok.Token)
}

func (s *testServer) key(t *testing.T, owner client, scope string) (client, string) {
	t.Helper()
	r := owner.do("POST", "/api/v1/api-keys", map[string]string{"name": scope + " key", "scope": scope})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var k struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	r.into(t, &k)
	return s.as(t, k.Key), k.ID
}

func (s *testServer) fixture(t *testing.T, name string) tenantFixture {
	t.Helper()
	owner, email := s.signup(t, name)
	f := tenantFixture{owner: owner, email: email, ids: map[string]string{}}
	monitor := idOf(t, owner.do("POST", "/api/v1/monitors", monitorBody(name+" site")))
	for _, p := range []string{"/api/v1/monitors/:id", "/api/v1/monitors/:id/pause", "/api/v1/monitors/:id/resume", "/api/v1/monitors/:id/incidents",
		"/api/v1/monitors/:id/uptime", "/api/v1/monitors/:id/series", "/api/v1/monitors/:id/results", "/api/v1/monitors/:id/daily"} {
		f.ids[p] = monitor
	}
	channel := idOf(t, owner.do("POST", "/api/v1/notification-channels", channelBody(name+" hook")))
	for _, p := range []string{"/api/v1/notification-channels/:id", "/api/v1/notification-channels/:id/test"} {
		f.ids[p] = channel
	}
	f.ids["/api/v1/maintenance-windows/:id"] = idOf(t, owner.do("POST", "/api/v1/maintenance-windows", windowBody(name+" upgrade")))
	f.ids["/api/v1/status-pages/:id"] = idOf(t, owner.do("POST", "/api/v1/status-pages", statusPageBody(strings.ToLower(name)+"-status", monitor)))
	f.ids["/api/v1/badges/:id"] = idOf(t, owner.do("POST", "/api/v1/badges", map[string]string{"monitor_id": monitor}))
	incident := s.incidentOf(t, owner, monitor)
	for _, p := range []string{"/api/v1/incidents/:id", "/api/v1/incidents/:id/acknowledge", "/api/v1/incidents/:id/comments"} {
		f.ids[p] = incident
	}
	f.readKey, _ = s.key(t, owner, "read")
	f.writeKey, f.ids["/api/v1/api-keys/:id"] = s.key(t, owner, "write")
	f.ids["/api/v1/invites/:id"] = idOf(t, owner.do("POST", "/api/v1/invites", map[string]string{"email": strings.ToLower(name) + "-pending@example.com", "role": "member"}))
	f.viewer = s.joinAs(t, owner, strings.ToLower(name)+"-viewer@example.com", "viewer")
	// The member id the matrix uses is someone other than the viewer, who
	// may always remove (leave) themself.
	member := s.joinAs(t, owner, strings.ToLower(name)+"-member@example.com", "member")
	var me meData
	member.do("GET", "/api/v1/me", nil).into(t, &me)
	f.ids["/api/v1/members/:user_id"] = me.User.ID.String()
	var sessions []struct {
		ID string `json:"id"`
	}
	owner.do("GET", "/api/v1/sessions", nil).into(t, &sessions)
	f.ids["/api/v1/sessions/:id"] = sessions[0].ID
	return f
}

// bodyFor is a valid body for each write, so a refusal is about who calls.
func bodyFor(method, path string) any {
	switch method + " " + path {
	case "POST /api/v1/monitors", "PUT /api/v1/monitors/:id":
		return monitorBody("renamed")
	case "PUT /api/v1/members/:user_id":
		return map[string]string{"role": "member"}
	case "POST /api/v1/invites":
		return map[string]string{"email": "someone-new@example.com", "role": "viewer"}
	case "POST /api/v1/api-keys":
		return map[string]string{"name": "k", "scope": "read"}
	case "POST /api/v1/notification-channels", "PUT /api/v1/notification-channels/:id":
		return channelBody("renamed")
	case "POST /api/v1/maintenance-windows", "PUT /api/v1/maintenance-windows/:id":
		return windowBody("renamed")
	case "POST /api/v1/status-pages", "PUT /api/v1/status-pages/:id":
		return statusPageBody("renamed-page")
	case "POST /api/v1/badges":
		return map[string]string{"monitor_id": "00000000-0000-0000-0000-000000000000"}
	case "POST /api/v1/incidents/:id/comments":
		return map[string]string{"body": "looking"}
	case "POST /api/v1/auth/switch":
		return map[string]string{"tenant_id": "00000000-0000-0000-0000-000000000000"}
	case "DELETE /api/v1/tenant":
		// The matrix calls it for Beta only, as a viewer and with a key: the
		// right name, so that the refusal is about who calls.
		return map[string]string{"confirm": "Beta"}
	}
	if method == "GET" || method == "DELETE" {
		return nil
	}
	return map[string]any{}
}

func fill(path string, ids map[string]string) string {
	if id, ok := ids[path]; ok {
		return strings.Replace(strings.Replace(path, ":id", id, 1), ":user_id", id, 1)
	}
	return path
}

// TestTenantIsolationMatrix walks the whole route table: another tenant's
// ids answer 404 and change nothing, lists never show foreign rows, and
// viewers and read-only keys are refused every write.
func TestTenantIsolationMatrix(t *testing.T) {
	ts := newTestServer(t, nil)
	a := ts.fixture(t, "Alpha")
	b := ts.fixture(t, "Beta")
	routes := api.New(api.Deps{Store: ts.Store, Config: testConfig(t, nil), Log: zerolog.Nop(), Registry: prometheus.NewRegistry()}).Router().Routes()

	public := map[string]bool{"/health": true, "/ready": true, "/metrics": true, "/api/v1/version": true, "/api/v1/openapi.json": true,
		"/api/v1/auth/signup": true, "/api/v1/auth/login": true, "/api/v1/invites/accept": true,
		"/api/v1/heartbeat/:token": true, "/api/v1/public/status-pages/:slug": true,
		"/api/v1/badge/:token/status.svg": true, "/api/v1/badge/:token/uptime.svg": true}
	// Routes about the caller's own person rather than tenant data.
	self := map[string]bool{"/api/v1/me": true, "/api/v1/auth/logout": true, "/api/v1/auth/switch": true,
		"/api/v1/sessions": true, "/api/v1/sessions/:id": true}

	covered := 0
	for _, r := range routes {
		name := r.Method + " " + r.Path
		if public[r.Path] {
			covered++
			continue
		}
		// The metrics export and the Prometheus API answer in Prometheus's
		// formats and only read: another tenant's key sees none of a's
		// monitors there (promql_test.go checks the values themselves).
		if r.Path == "/api/v1/metrics" || strings.HasPrefix(r.Path, "/api/v1/prom/") {
			t.Run(name, func(t *testing.T) {
				covered++
				path := strings.Replace(r.Path, ":name", "monitor_id", 1)
				params := url.Values{"match[]": {`{__name__=~".+"}`}, "query": {`{__name__=~".+"}`},
					"start": {fmt.Sprint(time.Now().Add(-time.Hour).Unix())}, "end": {fmt.Sprint(time.Now().Unix())}, "step": {"60"}}
				req, err := http.NewRequest(r.Method, ts.URL+path+"?"+params.Encode(), nil)
				require.NoError(t, err)
				req.Header.Set("Authorization", "Bearer "+b.readKey.token)
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				defer resp.Body.Close()
				raw, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				require.Equal(t, http.StatusOK, resp.StatusCode, string(raw))
				for what, id := range a.ids {
					assert.NotContains(t, string(raw), id, "%s shows %s of another tenant", name, what)
				}
				assert.NotContains(t, string(raw), "Alpha site")
			})
			continue
		}
		t.Run(name, func(t *testing.T) {
			covered++
			if strings.Contains(r.Path, ":") {
				_, known := a.ids[r.Path]
				require.True(t, known, "the matrix has no foreign id for %s: add one to the fixture", r.Path)
				res := b.owner.do(r.Method, fill(r.Path, a.ids), bodyFor(r.Method, r.Path))
				assert.Equal(t, http.StatusNotFound, res.Status, "another tenant's owner: %s", res.Raw)
				assert.Equal(t, "NOT_FOUND", res.code())
			} else if r.Method == "GET" && !self[r.Path] {
				res := b.owner.do("GET", r.Path, nil)
				require.Equal(t, http.StatusOK, res.Status, string(res.Raw))
				for what, id := range a.ids {
					assert.NotContains(t, string(res.Raw), id, "list shows %s of another tenant", what)
				}
				assert.NotContains(t, string(res.Raw), a.email)
			}
			if r.Method != "GET" && !self[r.Path] {
				for who, c := range map[string]client{"viewer": b.viewer, "read-only key": b.readKey} {
					res := c.do(r.Method, fill(r.Path, b.ids), bodyFor(r.Method, r.Path))
					assert.Equal(t, http.StatusForbidden, res.Status, "%s must not write: %s", who, res.Raw)
					assert.Equal(t, "FORBIDDEN", res.code())
				}
			}
		})
	}
	assert.Equal(t, len(routes), covered, "every route is in the matrix")

	t.Run("the other tenant's data is unchanged", func(t *testing.T) {
		res := a.owner.do("GET", fill("/api/v1/monitors/:id", a.ids), nil)
		require.Equal(t, http.StatusOK, res.Status)
		assert.Contains(t, string(res.Raw), "Alpha site")
		assert.Equal(t, http.StatusOK, a.writeKey.do("GET", "/api/v1/me", nil).Status, "its key still works")
		assert.Equal(t, http.StatusOK, a.viewer.do("GET", "/api/v1/me", nil).Status, "its member is still a member")
		assert.Equal(t, http.StatusOK, a.owner.do("GET", "/api/v1/me", nil).Status, "its session is alive")
		res = a.owner.do("GET", "/api/v1/invites", nil)
		assert.Contains(t, string(res.Raw), a.ids["/api/v1/invites/:id"])
	})
}

func TestMembersMayLeave(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Acme")
	for _, role := range []string{"viewer", "member"} {
		t.Run(role, func(t *testing.T) {
			c := ts.joinAs(t, owner, role+"-leaves@example.com", role)
			var me meData
			c.do("GET", "/api/v1/me", nil).into(t, &me)
			other := ts.joinAs(t, owner, role+"-stays@example.com", "viewer")
			var them meData
			other.do("GET", "/api/v1/me", nil).into(t, &them)

			assert.Equal(t, http.StatusForbidden, c.do("DELETE", "/api/v1/members/"+them.User.ID.String(), nil).Status,
				"a %s cannot remove someone else", role)
			assert.Equal(t, http.StatusNoContent, c.do("DELETE", "/api/v1/members/"+me.User.ID.String(), nil).Status)
			assert.Equal(t, http.StatusUnauthorized, c.do("GET", "/api/v1/me", nil).Status, "the session ends with the membership")
			assert.Equal(t, http.StatusOK, other.do("GET", "/api/v1/me", nil).Status)
		})
	}
}
