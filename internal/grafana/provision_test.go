package grafana_test

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	dashboards "github.com/vinsight/vinsight/grafana"
	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/grafana"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	adminUser     = "admin"
	adminPassword = "grafana-admin-secret"
	promURL       = "http://backend:8080/api/v1/prom"
)

// exchange is one recorded request and Grafana's answer.
type exchange struct {
	Method   string          `json:"method"`
	Path     string          `json:"path"`
	Org      int64           `json:"org"`
	Body     map[string]any  `json:"body"`
	Status   int             `json:"status"`
	Response json.RawMessage `json:"response"`
}

func loadRuns(t *testing.T) map[string][]exchange {
	t.Helper()
	raw, err := os.ReadFile("testdata/exchange.json")
	require.NoError(t, err)
	var f struct {
		Runs map[string][]exchange `json:"runs"`
	}
	require.NoError(t, json.Unmarshal(raw, &f))
	return f.Runs
}

var bearerKey = regexp.MustCompile(`^Bearer vik_[A-Za-z0-9_-]+$`)

// replay is a Grafana that answers only the exchanges it is given, in
// order, and fails the test on anything else.
type replay struct {
	t       *testing.T
	mu      sync.Mutex
	orgName string
	queue   []exchange
	keys    []string // bearer keys the datasource writes carried
}

func (r *replay) expect(orgName string, run []exchange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	require.Empty(r.t, r.queue, "exchanges left over from the previous run")
	r.orgName, r.queue = orgName, run
}

// done checks that every expected exchange happened.
func (r *replay) done(t *testing.T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.queue {
		t.Errorf("expected but not requested: %s %s", e.Method, e.Path)
	}
	r.queue = nil
}

func (r *replay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.t
	if len(r.queue) == 0 {
		t.Errorf("unexpected request %s %s", req.Method, req.URL.Path)
		http.Error(w, `{"message":"unexpected"}`, http.StatusTeapot)
		return
	}
	e := r.queue[0]
	r.queue = r.queue[1:]
	path := strings.ReplaceAll(e.Path, "{org_name}", r.orgName)
	if req.Method != e.Method || req.URL.Path != path {
		t.Errorf("request %s %s, want %s %s", req.Method, req.URL.Path, e.Method, path)
		http.Error(w, `{"message":"unexpected"}`, http.StatusTeapot)
		return
	}
	if user, pw, ok := req.BasicAuth(); !ok || user != adminUser || pw != adminPassword {
		t.Errorf("%s %s: not basic auth as the administrator", req.Method, path)
	}
	org := req.Header.Get("X-Grafana-Org-Id")
	if (e.Org == 0 && org != "") || (e.Org != 0 && org != strconv.FormatInt(e.Org, 10)) {
		t.Errorf("%s %s: X-Grafana-Org-Id %q, want %d", req.Method, path, org, e.Org)
	}
	if e.Body != nil {
		var body map[string]any
		raw, _ := io.ReadAll(req.Body)
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Errorf("%s %s: body is not a JSON object: %v", req.Method, path, err)
		}
		r.match(req.Method+" "+path, e.Body, body)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status)
	_, _ = w.Write(r.render(e.Response))
}

// match requires every field of want in have; placeholders stand for the
// values a test cannot know in advance.
func (r *replay) match(where string, want, have map[string]any) {
	for k, w := range want {
		h, ok := have[k]
		if !ok {
			r.t.Errorf("%s: field %s missing", where, k)
			continue
		}
		switch w := w.(type) {
		case map[string]any:
			hm, ok := h.(map[string]any)
			if !ok {
				r.t.Errorf("%s: field %s is %v, want an object", where, k, h)
				continue
			}
			r.match(where+" "+k, w, hm)
		case string:
			switch w {
			case "{bearer_key}":
				s, _ := h.(string)
				if !bearerKey.MatchString(s) {
					r.t.Errorf("%s: field %s is not a bearer key", where, k)
				}
				r.keys = append(r.keys, strings.TrimPrefix(s, "Bearer "))
			default:
				if h != strings.ReplaceAll(w, "{org_name}", r.orgName) {
					r.t.Errorf("%s: field %s is %v, want %v", where, k, h, w)
				}
			}
		default:
			if !reflect.DeepEqual(w, h) {
				r.t.Errorf("%s: field %s is %v, want %v", where, k, h, w)
			}
		}
	}
}

// render fills in the placeholders of a recorded answer.
func (r *replay) render(raw json.RawMessage) []byte {
	var v any
	require.NoError(r.t, json.Unmarshal(raw, &v))
	var fill func(v any) any
	fill = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				v[k] = fill(x)
			}
		case string:
			if uid, ok := strings.CutPrefix(v, "{dashboard:"); ok {
				d := tenantDashboard(r.t, strings.TrimSuffix(uid, "}"))
				d["id"], d["version"] = 11, 1 // Grafana sets both on save
				return d
			}
			return strings.ReplaceAll(v, "{org_name}", r.orgName)
		}
		return v
	}
	out, err := json.Marshal(fill(v))
	require.NoError(r.t, err)
	return out
}

func tenantDashboard(t *testing.T, uid string) map[string]any {
	names, err := fs.Glob(dashboards.TenantDashboards, "tenant/*.json")
	require.NoError(t, err)
	for _, name := range names {
		raw, err := fs.ReadFile(dashboards.TenantDashboards, name)
		require.NoError(t, err)
		var d map[string]any
		require.NoError(t, json.Unmarshal(raw, &d))
		if d["uid"] == uid {
			return d
		}
	}
	t.Fatalf("no tenant dashboard %s", uid)
	return nil
}

type fixture struct {
	store   *store.Store
	grafana *replay
	prov    *grafana.Provisioner
	runs    map[string][]exchange
}

func newFixture(t *testing.T) *fixture {
	st := pgtest.NewStore(t, store.EnginePostgres)
	r := &replay{t: t}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	sub, err := fs.Sub(dashboards.TenantDashboards, "tenant")
	require.NoError(t, err)
	p, err := grafana.NewProvisioner(st, grafana.NewClient(srv.URL, adminUser, adminPassword),
		grafana.Options{PromURL: promURL, Dashboards: sub}, zerolog.New(zerolog.NewTestWriter(t)))
	require.NoError(t, err)
	return &fixture{store: st, grafana: r, prov: p, runs: loadRuns(t)}
}

func (f *fixture) tenant(t *testing.T, name string) uuid.UUID {
	id, _, err := f.store.CreateTenantWithOwner(context.Background(), store.NewOwner{
		TenantName: name, Email: strings.ToLower(name) + "@example.com", Name: name, PasswordHash: "x"})
	require.NoError(t, err)
	return id
}

// liveGrafanaKeys lists the tenant's live keys named for Grafana.
func (f *fixture) liveGrafanaKeys(t *testing.T, tenant uuid.UUID) []uuid.UUID {
	keys, _, err := f.store.ListAPIKeys(context.Background(), tenant, 100, 0)
	require.NoError(t, err)
	var out []uuid.UUID
	for _, k := range keys {
		if k.Name == "Grafana" {
			assert.Equal(t, auth.ScopeRead, k.Scope)
			out = append(out, k.ID)
		}
	}
	return out
}

// reads checks that a key the datasource holds reads the tenant, and only
// with the read role.
func (f *fixture) reads(t *testing.T, key string, tenant uuid.UUID) bool {
	p, err := f.store.Authenticate(context.Background(), key, time.Hour)
	if err != nil {
		return false
	}
	assert.Equal(t, tenant, p.TenantID)
	assert.Equal(t, auth.KeyRole(auth.ScopeRead), p.Role)
	return true
}

func TestProvisionRecordedExchange(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	acme := f.tenant(t, "Acme")

	t.Run("first provisioning", func(t *testing.T) {
		f.grafana.expect(grafana.OrgName(acme), f.runs["first"])
		ok, failed := f.prov.Reconcile(ctx, now)
		f.grafana.done(t)
		assert.Equal(t, 1, ok)
		assert.Zero(t, failed)
		require.Len(t, f.grafana.keys, 1)
		assert.True(t, f.reads(t, f.grafana.keys[0], acme), "the datasource's key reads the tenant")
		state, err := f.store.GrafanaOrg(ctx, acme)
		require.NoError(t, err)
		assert.Equal(t, int64(7), state.OrgID)
		assert.NotNil(t, state.ProvisionedAt)
		assert.True(t, state.KeyLive)
		assert.Len(t, f.liveGrafanaKeys(t, acme), 1)
	})

	t.Run("a provisioned tenant is not claimed again", func(t *testing.T) {
		f.grafana.expect("", nil)
		ok, failed := f.prov.Reconcile(ctx, now.Add(time.Hour))
		assert.Zero(t, ok+failed)
	})

	t.Run("a second run changes nothing", func(t *testing.T) {
		before := f.liveGrafanaKeys(t, acme)
		f.grafana.expect(grafana.OrgName(acme), f.runs["again"])
		require.NoError(t, f.prov.Provision(ctx, acme))
		f.grafana.done(t)
		assert.Equal(t, before, f.liveGrafanaKeys(t, acme), "the key is kept")
		assert.Len(t, f.grafana.keys, 1, "no datasource write")
	})

	globex := f.tenant(t, "Globex")
	t.Run("a failure midway is retried after the back-off", func(t *testing.T) {
		f.grafana.keys = nil
		f.grafana.expect(grafana.OrgName(globex), f.runs["fails_midway"])
		ok, failed := f.prov.Reconcile(ctx, now)
		f.grafana.done(t)
		assert.Zero(t, ok)
		assert.Equal(t, 1, failed)
		state, err := f.store.GrafanaOrg(ctx, globex)
		require.NoError(t, err)
		assert.Equal(t, int64(8), state.OrgID, "the organization is recorded as soon as it exists")
		assert.Nil(t, state.ProvisionedAt)
		assert.Equal(t, 1, state.Attempts)
		assert.Equal(t, now.Add(30*time.Second), state.NextAttemptAt.UTC())
		assert.Contains(t, state.LastError, "500")
		require.Len(t, f.grafana.keys, 1)
		assert.NotContains(t, state.LastError, f.grafana.keys[0])

		f.grafana.expect("", nil)
		ok, failed = f.prov.Reconcile(ctx, now.Add(20*time.Second))
		assert.Zero(t, ok+failed, "not before the back-off")

		f.grafana.expect(grafana.OrgName(globex), f.runs["retry"])
		ok, failed = f.prov.Reconcile(ctx, now.Add(31*time.Second))
		f.grafana.done(t)
		assert.Equal(t, 1, ok)
		assert.Zero(t, failed)
		require.Len(t, f.grafana.keys, 2)
		assert.False(t, f.reads(t, f.grafana.keys[0], globex), "the key Grafana never stored is revoked")
		assert.True(t, f.reads(t, f.grafana.keys[1], globex))
		assert.Len(t, f.liveGrafanaKeys(t, globex), 1)
		state, err = f.store.GrafanaOrg(ctx, globex)
		require.NoError(t, err)
		assert.NotNil(t, state.ProvisionedAt)
		assert.Zero(t, state.Attempts)
		assert.Empty(t, state.LastError)
	})

	t.Run("removal deletes the organization and revokes the key", func(t *testing.T) {
		keys := f.liveGrafanaKeys(t, acme)
		require.Len(t, keys, 1)
		f.grafana.expect(grafana.OrgName(acme), f.runs["remove"])
		require.NoError(t, f.prov.Remove(ctx, acme))
		f.grafana.done(t)
		assert.Empty(t, f.liveGrafanaKeys(t, acme))
		_, err := f.store.GrafanaOrg(ctx, acme)
		assert.ErrorIs(t, err, errs.ErrNotFound)
		state, err := f.store.GrafanaOrg(ctx, globex)
		require.NoError(t, err, "another tenant's organization stays")
		assert.True(t, state.KeyLive)
	})

	t.Run("removing a tenant that never had an organization", func(t *testing.T) {
		initech := f.tenant(t, "Initech")
		f.grafana.expect(grafana.OrgName(initech), f.runs["remove_never_provisioned"])
		require.NoError(t, f.prov.Remove(ctx, initech))
		f.grafana.done(t)
	})
}

// deleteTenant deletes a tenant of the fixture as its owner would.
func (f *fixture) deleteTenant(t *testing.T, tenant uuid.UUID, name string) {
	t.Helper()
	var owner uuid.UUID
	require.NoError(t, f.store.Pool().QueryRow(context.Background(),
		`SELECT user_id FROM memberships WHERE tenant_id = $1 AND role = 'owner'`, tenant).Scan(&owner))
	_, err := f.store.DeleteTenant(context.Background(), tenant, auth.Actor{Type: "user", ID: owner}, name)
	require.NoError(t, err)
}

// reconcile runs one reconcile at now that may make exactly the exchanges of
// the recorded run (none for ""), about tenant's organization.
func (f *fixture) reconcile(t *testing.T, tenant uuid.UUID, run string, now time.Time) (ok, failed int) {
	t.Helper()
	f.grafana.expect(grafana.OrgName(tenant), f.runs[run])
	ok, failed = f.prov.Reconcile(context.Background(), now)
	f.grafana.done(t)
	return ok, failed
}

// TestRemoveDeletedTenantsRecordedExchange: the reconcile loop removes the
// organization of a deleted tenant, by its recorded id, retries a failure
// after the back-off, and takes an organization that is gone already for
// success; until then the purge keeps the tenant row.
func TestRemoveDeletedTenantsRecordedExchange(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	// The deletion makes the removal due at the database's clock.
	now := time.Now().UTC()
	acme := f.tenant(t, "Acme")
	ok, failed := f.reconcile(t, acme, "first", now)
	require.Equal(t, 1, ok+failed)

	f.deleteTenant(t, acme, "Acme")
	afterGrace := now.Add(store.TenantRowGrace + time.Minute)

	t.Run("a failed removal is retried after the back-off", func(t *testing.T) {
		ok, failed := f.reconcile(t, acme, "remove_fails", now.Add(time.Minute))
		assert.Equal(t, [2]int{0, 1}, [2]int{ok, failed}, "succeeded, failed")
		state, err := f.store.GrafanaOrg(ctx, acme)
		require.NoError(t, err)
		assert.Equal(t, int64(7), state.OrgID, "the organization is still known")
		assert.Equal(t, 1, state.Attempts)
		assert.Contains(t, state.LastError, "500")

		rep, err := f.store.PurgeDeletedTenants(ctx, afterGrace, time.Minute)
		require.NoError(t, err)
		assert.Empty(t, rep.Removed, "the tenant row waits for the organization's removal")

		ok, failed = f.reconcile(t, acme, "", now.Add(time.Minute+20*time.Second))
		assert.Zero(t, ok+failed, "not before the back-off")
	})

	t.Run("an organization already gone is removed", func(t *testing.T) {
		ok, failed := f.reconcile(t, acme, "remove_gone", now.Add(time.Minute+31*time.Second))
		assert.Equal(t, [2]int{1, 0}, [2]int{ok, failed}, "succeeded, failed")
		_, err := f.store.GrafanaOrg(ctx, acme)
		assert.ErrorIs(t, err, errs.ErrNotFound)

		ok, failed = f.reconcile(t, acme, "", now.Add(2*time.Hour))
		assert.Zero(t, ok+failed, "a removed tenant is neither provisioned nor removed again")

		rep, err := f.store.PurgeDeletedTenants(ctx, afterGrace, time.Minute)
		require.NoError(t, err)
		assert.Equal(t, []uuid.UUID{acme}, rep.Removed)
	})

	t.Run("Grafana's 403 for an unknown organization id", func(t *testing.T) {
		globex := f.tenant(t, "Globex")
		require.NoError(t, f.store.SetGrafanaOrgID(ctx, globex, 8))
		require.NoError(t, f.store.MarkGrafanaProvisioned(ctx, globex, now))
		f.deleteTenant(t, globex, "Globex")
		ok, failed := f.reconcile(t, globex, "remove_gone_forbidden", now.Add(3*time.Hour))
		assert.Equal(t, [2]int{1, 0}, [2]int{ok, failed}, "succeeded, failed")
		_, err := f.store.GrafanaOrg(ctx, globex)
		assert.ErrorIs(t, err, errs.ErrNotFound)
	})
}

func TestNewProvisionerRejectsBadDashboards(t *testing.T) {
	for name, content := range map[string]string{"not JSON": "{", "no uid": `{"title":"x"}`} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(dir+"/d.json", []byte(content), 0o600))
			_, err := grafana.NewProvisioner(nil, nil, grafana.Options{Dashboards: os.DirFS(dir)}, zerolog.Nop())
			assert.ErrorContains(t, err, "d.json")
		})
	}
	_, err := grafana.NewProvisioner(nil, nil, grafana.Options{Dashboards: os.DirFS(t.TempDir())}, zerolog.Nop())
	assert.ErrorContains(t, err, "no tenant dashboards")
}

// TestWakeProvisionsANewTenant: signup wakes the running provisioner, which
// provisions the new tenant without waiting for its interval.
func TestWakeProvisionsANewTenant(t *testing.T) {
	f := newFixture(t)
	provisioned := func(tenant uuid.UUID) func() bool {
		return func() bool {
			state, err := f.store.GrafanaOrg(context.Background(), tenant)
			return err == nil && state.ProvisionedAt != nil
		}
	}
	// A tenant from before the start is provisioned by the first reconcile.
	acme := f.tenant(t, "Acme")
	f.grafana.expect(grafana.OrgName(acme), f.runs["first"])
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.prov.Run(ctx, time.Hour); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	require.Eventually(t, provisioned(acme), 10*time.Second, 20*time.Millisecond)
	f.grafana.done(t)

	// The next tick is an hour away: only Wake can provision this one now.
	globex := f.tenant(t, "Globex")
	f.grafana.expect(grafana.OrgName(globex), f.runs["first"])
	f.prov.Wake()
	require.Eventually(t, provisioned(globex), 10*time.Second, 20*time.Millisecond)
	f.grafana.done(t)
}
