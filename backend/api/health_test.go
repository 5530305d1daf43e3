package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/backend/api"
	"github.com/vinsight/vinsight/internal/metrics"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
	"github.com/vinsight/vinsight/migrations"
)

type envelope struct {
	Data  map[string]any `json:"data"`
	Error *struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Details map[string]string `json:"details"`
	} `json:"error"`
	Meta map[string]any `json:"meta"`
}

func newServer(t *testing.T, st *store.Store, logs io.Writer) *httptest.Server {
	t.Helper()
	if logs == nil {
		logs = io.Discard
	}
	a := api.New(api.Deps{Store: st, Config: testConfig(t, nil), Log: zerolog.New(logs), Registry: metrics.NewRegistry()})
	srv := httptest.NewServer(a.Router())
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string, header ...string) (*http.Response, envelope) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var env envelope
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&env))
	return resp, env
}

func TestHealthReadyVersion(t *testing.T) {
	st := pgtest.NewStore(t, store.EnginePostgres)
	srv := newServer(t, st, nil)

	resp, env := get(t, srv.URL+"/health")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "ok", env.Data["status"])
	assert.Nil(t, env.Error)

	resp, env = get(t, srv.URL+"/ready")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "postgres", env.Data["storage"])
	latest, err := migrations.Latest("postgres")
	require.NoError(t, err)
	assert.EqualValues(t, latest, env.Data["schema_version"])

	resp, env = get(t, srv.URL+"/api/v1/version")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "postgres", env.Data["storage"])
	assert.NotEmpty(t, env.Data["version"])
}

func TestReadyWhenSchemaBehindOrDatabaseGone(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.NewEmptyDB(t), store.Options{Storage: "postgres"})
	require.NoError(t, err)
	srv := newServer(t, st, nil)

	resp, env := get(t, srv.URL+"/ready")
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.NotNil(t, env.Error)
	assert.Equal(t, "NOT_READY", env.Error.Code)
	assert.Contains(t, env.Error.Message, "schema is behind")

	require.NoError(t, st.Migrate(ctx))
	resp, _ = get(t, srv.URL+"/ready")
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	st.Close() // the database is gone as far as this process can tell
	resp, env = get(t, srv.URL+"/ready")
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.NotNil(t, env.Error)
	assert.Equal(t, "database unreachable", env.Error.Message, "no connection details leak")
	resp, _ = get(t, srv.URL+"/health")
	assert.Equal(t, http.StatusOK, resp.StatusCode, "health only says the process lives")
}

func TestRequestIDAndErrorEnvelopes(t *testing.T) {
	st := pgtest.NewStore(t, store.EnginePostgres)
	var logs strings.Builder
	srv := newServer(t, st, &logs)

	t.Run("unknown route is a 404 envelope with a generated request id", func(t *testing.T) {
		resp, env := get(t, srv.URL+"/api/v1/nope")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		require.NotNil(t, env.Error)
		assert.Equal(t, "NOT_FOUND", env.Error.Code)
		assert.Nil(t, env.Data)
		id := resp.Header.Get("X-Request-ID")
		assert.Len(t, id, 24)
		assert.Equal(t, id, env.Meta["request_id"])
	})
	t.Run("a caller's request id is kept and logged", func(t *testing.T) {
		resp, _ := get(t, srv.URL+"/api/v1/version", "X-Request-ID", "trace-abc.123")
		assert.Equal(t, "trace-abc.123", resp.Header.Get("X-Request-ID"))
		assert.Contains(t, logs.String(), `"request_id":"trace-abc.123"`)
		assert.Contains(t, logs.String(), `"route":"/api/v1/version"`)
	})
	t.Run("an unsafe request id is replaced", func(t *testing.T) {
		resp, _ := get(t, srv.URL+"/health", "X-Request-ID", "bad id\"{}")
		assert.NotEqual(t, "bad id\"{}", resp.Header.Get("X-Request-ID"))
		assert.Len(t, resp.Header.Get("X-Request-ID"), 24)
	})
	t.Run("wrong method is a 405 envelope", func(t *testing.T) {
		resp, err := http.Post(srv.URL+"/api/v1/version", "application/json", strings.NewReader("{}"))
		require.NoError(t, err)
		defer resp.Body.Close()
		var env envelope
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&env))
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
		assert.Equal(t, "METHOD_NOT_ALLOWED", env.Error.Code)
	})
}

func TestMetricsEndpoint(t *testing.T) {
	st := pgtest.NewStore(t, store.EnginePostgres)
	srv := newServer(t, st, nil)
	get(t, srv.URL+"/api/v1/version")
	get(t, srv.URL+"/api/v1/monitors/123e4567-e89b-12d3-a456-426614174000/nothing")

	resp, err := http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	text := string(body)
	assert.Contains(t, text, `vinsight_http_requests_total{method="GET",route="/api/v1/version",status="2xx"} 1`)
	assert.Contains(t, text, `vinsight_http_requests_total{method="GET",route="unmatched",status="4xx"} 1`,
		"unknown paths share one label value, so ids never become series")
	assert.Contains(t, text, "vinsight_http_request_duration_seconds_bucket")
	assert.Contains(t, text, "go_goroutines")
}
