package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/pgcluster"
	"github.com/vinsight/vinsight/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestMigratesServesAndStopsOnSIGTERM(t *testing.T) {
	port, err := pgcluster.FreePort()
	require.NoError(t, err)
	t.Setenv("DATABASE_URL", pgtest.NewEmptyDB(t))
	t.Setenv("BACKEND_PORT", strconv.Itoa(port))
	t.Setenv("LOG_LEVEL", "warn")
	done := make(chan error, 1)
	go func() { done <- run() }()

	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/ready"
	var body struct {
		Data struct {
			Storage       string `json:"storage"`
			SchemaVersion int    `json:"schema_version"`
		} `json:"data"`
	}
	require.Eventually(t, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&body) == nil
	}, 20*time.Second, 20*time.Millisecond, "a new database is migrated at start-up")
	assert.Positive(t, body.Data.SchemaVersion)
	assert.NotEmpty(t, body.Data.Storage)

	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGTERM))
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("backend did not stop on SIGTERM")
	}
}

func TestStopsOnInvalidConfigNamingTheVariable(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://127.0.0.1:1/x")
	t.Setenv("VINSIGHT_STORAGE", "cassandra")
	err := run()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "VINSIGHT_STORAGE")
}
