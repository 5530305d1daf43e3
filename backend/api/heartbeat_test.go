package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHeartbeatPush(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Acme")
	r := owner.do("POST", "/api/v1/monitors", map[string]any{"name": "nightly", "type": "heartbeat", "interval_seconds": 60,
		"config": map[string]any{"grace_seconds": 30}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var m struct {
		ID           string `json:"id"`
		HeartbeatURL string `json:"heartbeat_url"`
		Status       string `json:"status"`
	}
	r.into(t, &m)
	path := strings.TrimPrefix(m.HeartbeatURL, "http://localhost:3000")
	require.True(t, strings.HasPrefix(path, "/api/v1/heartbeat/"), m.HeartbeatURL)
	anon := ts.anon(t)
	ctx := context.Background()
	results := func() (up, down int) {
		require.NoError(t, ts.Store.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'up'), count(*) FILTER (WHERE status = 'down') FROM check_results`).Scan(&up, &down))
		return
	}

	assert.Equal(t, http.StatusOK, anon.do("GET", path, nil).Status)
	assert.Equal(t, http.StatusOK, anon.do("POST", path+"?status=fail&msg=backup%20failed%0A", nil).Status)
	up, down := results()
	assert.Equal(t, 1, up)
	assert.Equal(t, 1, down)
	owner.do("GET", "/api/v1/monitors/"+m.ID, nil).into(t, &m)
	assert.Equal(t, "down", m.Status)
	var msg string
	require.NoError(t, ts.Store.Pool().QueryRow(ctx, `SELECT message FROM check_results WHERE status = 'down'`).Scan(&msg))
	assert.Equal(t, "backup failed", msg)

	t.Run("bad status and unknown tokens", func(t *testing.T) {
		assert.Equal(t, http.StatusBadRequest, anon.do("GET", path+"?status=maybe", nil).Status)
		assert.Equal(t, http.StatusNotFound, anon.do("GET", "/api/v1/heartbeat/nope", nil).Status)
		assert.Equal(t, http.StatusNotFound, anon.do("GET", "/api/v1/heartbeat/"+strings.Repeat("0", 64), nil).Status)
	})

	t.Run("a missing beat is judged down once per interval and grace", func(t *testing.T) {
		now := time.Now().Add(2 * time.Minute) // past 60 s + 30 s since the last beat
		n, err := ts.Store.JudgeHeartbeats(ctx, "test", now)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		n, err = ts.Store.JudgeHeartbeats(ctx, "test", now.Add(time.Second))
		require.NoError(t, err)
		assert.Equal(t, 0, n, "not judged again until another interval and grace pass")
		_, down := results()
		assert.Equal(t, 2, down)
	})

	t.Run("a paused monitor records nothing", func(t *testing.T) {
		require.Equal(t, http.StatusOK, owner.do("POST", "/api/v1/monitors/"+m.ID+"/pause", nil).Status)
		r := anon.do("GET", path, nil)
		assert.Equal(t, http.StatusOK, r.Status)
		assert.Contains(t, string(r.Raw), `"recorded":false`)
		up, _ := results()
		assert.Equal(t, 1, up)
	})
}
