package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/model"
)

type badgeData struct {
	ID        string `json:"id"`
	MonitorID string `json:"monitor_id"`
	Prefix    string `json:"prefix"`
	Token     string `json:"token"`
	StatusURL string `json:"status_url"`
	UptimeURL string `json:"uptime_url"`
}

func TestBadges(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Acme")
	var me meData
	owner.do("GET", "/api/v1/me", nil).into(t, &me)
	monitor := idOf(t, owner.do("POST", "/api/v1/monitors", monitorBody("Site")))

	r := owner.do("POST", "/api/v1/badges", map[string]string{"monitor_id": monitor})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var b badgeData
	r.into(t, &b)
	assert.Equal(t, monitor, b.MonitorID)
	assert.True(t, strings.HasPrefix(b.Token, b.Prefix) && strings.HasPrefix(b.Token, "vib_"), "%+v", b)
	assert.True(t, strings.HasSuffix(b.StatusURL, "/api/v1/badge/"+b.Token+"/status.svg"), b.StatusURL)
	assert.True(t, strings.HasSuffix(b.UptimeURL, "/api/v1/badge/"+b.Token+"/uptime.svg"), b.UptimeURL)
	base := ts.URL + "/api/v1/badge/" + b.Token

	r = owner.do("GET", "/api/v1/badges?monitor_id="+monitor, nil)
	require.Equal(t, http.StatusOK, r.Status)
	assert.Contains(t, string(r.Raw), b.ID)
	assert.NotContains(t, string(r.Raw), b.Token, "the secret is shown once")

	t.Run("status badge", func(t *testing.T) {
		resp, body := fetchRaw(t, base+"/status.svg", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
		assert.Equal(t, "image/svg+xml; charset=utf-8", resp.Header.Get("Content-Type"))
		assert.Contains(t, resp.Header.Get("Cache-Control"), "public, max-age=60")
		assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
		assert.True(t, strings.HasPrefix(string(body), "<svg "), string(body))
		assert.Contains(t, string(body), ">status<")
		assert.Contains(t, string(body), ">pending<")
		assert.NotContains(t, string(body), "Site", "the badge names no monitor unless asked")
	})
	t.Run("labels are escaped", func(t *testing.T) {
		resp, body := fetchRaw(t, base+"/status.svg?label=%3Cscript%3Ealert(1)%3C/script%3E%26%22", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.NotContains(t, string(body), "<script>")
		assert.Contains(t, string(body), "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&#34;")
	})
	t.Run("uptime badge", func(t *testing.T) {
		resp, body := fetchRaw(t, base+"/uptime.svg", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
		assert.Contains(t, string(body), ">uptime 30d<")
		assert.Contains(t, string(body), ">no data<")

		require.NoError(t, ts.Store.RecordCheck(context.Background(), model.CheckResult{Time: time.Now().Add(-time.Minute).UTC(),
			TenantID: me.Tenant.TenantID, MonitorID: uuid.MustParse(monitor), Region: "eu", Status: model.ResultUp}))
		_, body = fetchRaw(t, base+"/uptime.svg?period=24h", nil)
		assert.Contains(t, string(body), ">uptime 24h<")
		assert.Contains(t, string(body), ">100%<")
		_, body = fetchRaw(t, base+"/status.svg", nil)
		assert.Contains(t, string(body), ">up<")

		resp, body = fetchRaw(t, base+"/uptime.svg?period=1y", nil)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, string(body))
	})
	t.Run("unknown tokens are 404", func(t *testing.T) {
		for _, token := range []string{"vib_nope", "nope", b.Prefix} {
			for _, kind := range []string{"status", "uptime"} {
				resp, _ := fetchRaw(t, ts.URL+"/api/v1/badge/"+token+"/"+kind+".svg", nil)
				assert.Equal(t, http.StatusNotFound, resp.StatusCode, token)
			}
		}
	})
	t.Run("another tenant cannot make a badge of this monitor", func(t *testing.T) {
		other, _ := ts.signup(t, "Other")
		r := other.do("POST", "/api/v1/badges", map[string]string{"monitor_id": monitor})
		assert.Equal(t, http.StatusNotFound, r.Status, string(r.Raw))
		r = other.do("POST", "/api/v1/badges", map[string]string{"monitor_id": "x"})
		assert.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))
	})
	t.Run("a revoked token is 404", func(t *testing.T) {
		require.Equal(t, http.StatusNoContent, owner.do("DELETE", "/api/v1/badges/"+b.ID, nil).Status)
		resp, _ := fetchRaw(t, base+"/status.svg", nil)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		resp, _ = fetchRaw(t, base+"/uptime.svg", nil)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	})
	t.Run("a deleted monitor's badge is 404", func(t *testing.T) {
		var b2 badgeData
		owner.do("POST", "/api/v1/badges", map[string]string{"monitor_id": monitor}).into(t, &b2)
		require.Equal(t, http.StatusNoContent, owner.do("DELETE", "/api/v1/monitors/"+monitor, nil).Status)
		resp, _ := fetchRaw(t, ts.URL+"/api/v1/badge/"+b2.Token+"/status.svg", nil)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	})
}
