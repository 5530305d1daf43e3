package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/backend/api"
	"github.com/vinsight/vinsight/internal/config"
	"github.com/vinsight/vinsight/internal/metrics"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

// testConfig is the default configuration with overrides (env names).
func testConfig(t *testing.T, env map[string]string) config.Config {
	t.Helper()
	kv := map[string]string{"DATABASE_URL": "postgres://unused/db", "VINSIGHT_AUTH_RATE_PER_MINUTE": "100000",
		"VINSIGHT_API_RATE_PER_SECOND": "100000", "VINSIGHT_API_RATE_BURST": "100000"}
	for k, v := range env {
		kv[k] = v
	}
	cfg, err := config.Load(func(k string) string { return kv[k] })
	require.NoError(t, err)
	return cfg
}

// testServer serves the API on a fresh migrated database.
type testServer struct {
	*httptest.Server
	Store *store.Store
	DBURL string
}

func newTestServer(t *testing.T, env map[string]string) *testServer {
	t.Helper()
	st, dbURL := pgtest.NewStoreURL(t, store.EnginePostgres)
	return serveStore(t, env, st, dbURL)
}

// serveStore serves the API on a store the test opened itself.
func serveStore(t *testing.T, env map[string]string, st *store.Store, dbURL string) *testServer {
	t.Helper()
	a := api.New(api.Deps{Store: st, Config: testConfig(t, env), Log: zerolog.Nop(), Registry: metrics.NewRegistry()})
	srv := httptest.NewServer(a.Router())
	t.Cleanup(srv.Close)
	return &testServer{Server: srv, Store: st, DBURL: dbURL}
}

// client calls the API as one principal (or none, with an empty token).
type client struct {
	t     *testing.T
	base  string
	token string
}

func (s *testServer) anon(t *testing.T) client { return client{t: t, base: s.URL} }

func (s *testServer) as(t *testing.T, token string) client {
	return client{t: t, base: s.URL, token: token}
}

// response is a decoded envelope plus the raw parts a test may check.
type response struct {
	Status int
	Header http.Header
	Raw    []byte
	Data   json.RawMessage `json:"data"`
	Error  *struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Details map[string]string `json:"details"`
	} `json:"error"`
	Meta map[string]any `json:"meta"`
}

// into decodes data into dst.
func (r response) into(t *testing.T, dst any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Data, dst), "data: %s", r.Data)
}

func (r response) code() string {
	if r.Error == nil {
		return ""
	}
	return r.Error.Code
}

// do sends body (a string is sent as is, anything else as JSON).
func (c client) do(method, path string, body any) response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(c.t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	require.NoError(c.t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	out := response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if len(raw) > 0 {
		require.NoError(c.t, json.Unmarshal(raw, &out), "%s %s answered non-JSON: %s", method, path, raw)
	}
	return out
}

var userSeq atomic.Int64

// signup creates a new tenant with its owner and returns the owner's client.
func (s *testServer) signup(t *testing.T, tenant string) (client, string) {
	t.Helper()
	email := fmt.Sprintf("user%d@example.com", userSeq.Add(1))
	r := s.anon(t).do("POST", "/api/v1/auth/signup", map[string]string{
		"email": email, "password": "correct horse battery", "name": "Test User", "tenant_name": tenant})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var tok struct {
		Token string `json:"token"`
	}
	r.into(t, &tok)
	return s.as(t, tok.Token), email
}
