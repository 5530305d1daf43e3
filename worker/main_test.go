package main

import (
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/pgcluster"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestRefusesToStartOnASchemaThatIsBehind(t *testing.T) {
	t.Setenv("DATABASE_URL", pgtest.NewEmptyDB(t))
	t.Setenv("VINSIGHT_STORAGE", "postgres")
	err := run()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refusing to start")
	assert.Contains(t, err.Error(), "schema is behind")
}

func TestServesReadyAndStopsOnSIGTERM(t *testing.T) {
	port, err := pgcluster.FreePort()
	require.NoError(t, err)
	t.Setenv("DATABASE_URL", pgtest.NewDB(t, store.EnginePostgres))
	t.Setenv("WORKER_PORT", strconv.Itoa(port))
	t.Setenv("LOG_LEVEL", "warn")
	done := make(chan error, 1)
	go func() { done <- run() }()

	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/ready"
	require.Eventually(t, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 10*time.Second, 20*time.Millisecond)

	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGTERM))
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("worker did not stop on SIGTERM")
	}
	_, err = http.Get(url)
	assert.Error(t, err, "the port is closed after shutdown")
}
