package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type statusPageData struct {
	ID          string   `json:"id"`
	Slug        string   `json:"slug"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	LogoURL     string   `json:"logo_url"`
	MonitorIDs  []string `json:"monitor_ids"`
	Published   bool     `json:"published"`
}

type publicPageData struct {
	Slug     string   `json:"slug"`
	Title    string   `json:"title"`
	LogoURL  string   `json:"logo_url"`
	Status   string   `json:"status"`
	Days     []string `json:"days"`
	Monitors []struct {
		Name        string     `json:"name"`
		Status      string     `json:"status"`
		Uptime      *float64   `json:"uptime"`
		DailyUptime []*float64 `json:"daily_uptime"`
		DailyFailed []int64    `json:"daily_failed"`
	} `json:"monitors"`
	Incidents []struct {
		Monitor string `json:"monitor"`
		Status  string `json:"status"`
		Cause   string `json:"cause"`
	} `json:"incidents"`
}

// decodeEnvelope reads a response body fetched without the client.
func decodeEnvelope(t *testing.T, raw []byte) response {
	t.Helper()
	r := response{Raw: raw}
	require.NoError(t, json.Unmarshal(raw, &r), string(raw))
	return r
}

// fetchRaw fetches url without credentials, with extra request headers.
func fetchRaw(t *testing.T, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

func TestStatusPageCRUD(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Acme")
	m1 := idOf(t, owner.do("POST", "/api/v1/monitors", monitorBody("API")))
	m2 := idOf(t, owner.do("POST", "/api/v1/monitors", monitorBody("Web")))

	r := owner.do("POST", "/api/v1/status-pages", statusPageBody("  Acme-Status ", m2, m1, m2))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var created statusPageData
	r.into(t, &created)
	assert.Equal(t, "acme-status", created.Slug, "trimmed and lower-cased")
	assert.Equal(t, []string{m2, m1}, created.MonitorIDs, "the tenant's order, without repeats")
	assert.False(t, created.Published)

	var got statusPageData
	owner.do("GET", "/api/v1/status-pages/"+created.ID, nil).into(t, &got)
	assert.Equal(t, created, got)

	body := statusPageBody("acme", m1)
	body["title"], body["published"], body["logo_url"] = "Acme systems", true, ""
	r = owner.do("PUT", "/api/v1/status-pages/"+created.ID, body)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	r.into(t, &got)
	assert.Equal(t, statusPageData{ID: created.ID, Slug: "acme", Title: "Acme systems", Description: "Our services",
		MonitorIDs: []string{m1}, Published: true}, got)

	r = owner.do("GET", "/api/v1/status-pages", nil)
	require.Equal(t, http.StatusOK, r.Status)
	var list []statusPageData
	r.into(t, &list)
	require.Len(t, list, 1)
	assert.Equal(t, got, list[0])
	assert.EqualValues(t, 1, r.Meta["total"])

	viewer := ts.joinAs(t, owner, "viewer@example.com", "viewer")
	assert.Equal(t, http.StatusOK, viewer.do("GET", "/api/v1/status-pages/"+created.ID, nil).Status, "viewers read")
	assert.Equal(t, http.StatusForbidden, viewer.do("DELETE", "/api/v1/status-pages/"+created.ID, nil).Status, "viewers do not write")

	r = owner.do("GET", "/api/v1/audit-log", nil)
	assert.Contains(t, string(r.Raw), "status_page.update")

	assert.Equal(t, http.StatusNoContent, owner.do("DELETE", "/api/v1/status-pages/"+created.ID, nil).Status)
	assert.Equal(t, http.StatusNotFound, owner.do("GET", "/api/v1/status-pages/"+created.ID, nil).Status)
	assert.Equal(t, http.StatusNotFound, owner.do("DELETE", "/api/v1/status-pages/"+created.ID, nil).Status)
}

func TestStatusPageValidation(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Acme")
	other, _ := ts.signup(t, "Other")
	foreign := idOf(t, other.do("POST", "/api/v1/monitors", monitorBody("Theirs")))
	require.Equal(t, http.StatusCreated, other.do("POST", "/api/v1/status-pages", statusPageBody("taken")).Status)

	with := func(key string, value any) map[string]any {
		b := statusPageBody("fine-slug")
		b[key] = value
		return b
	}
	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"slug too short", with("slug", "ab"), "slug"},
		{"slug with a space", with("slug", "my page"), "slug"},
		{"slug with a slash", with("slug", "a/b/c"), "slug"},
		{"slug starting with a hyphen", with("slug", "-abc"), "slug"},
		{"slug too long", with("slug", strings.Repeat("a", 64)), "slug"},
		{"no title", with("title", "  "), "title"},
		{"title too long", with("title", strings.Repeat("t", 201)), "title"},
		{"control character in the title", with("title", "a\x07b"), "title"},
		{"description too long", with("description", strings.Repeat("d", 2001)), "description"},
		{"plain http logo", with("logo_url", "http://cdn.example.com/logo.png"), "logo_url"},
		{"javascript logo", with("logo_url", "javascript:alert(1)"), "logo_url"},
		{"logo with credentials", with("logo_url", "https://user:pw@cdn.example.com/logo.png"), "logo_url"},
		{"not a monitor id", with("monitor_ids", []string{"nope"}), "monitor_ids[0]"},
		{"another tenant's monitor", with("monitor_ids", []string{foreign}), "monitor_ids[0]"},
		{"unknown field", with("theme", "dark"), "theme"},
		{"wrong type", with("published", "yes"), "published"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := owner.do("POST", "/api/v1/status-pages", tc.body)
			require.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))
			assert.Equal(t, "VALIDATION_ERROR", r.code())
			assert.Contains(t, r.Error.Details, tc.field, "details: %v", r.Error.Details)
		})
	}
	t.Run("a slug of another tenant is taken", func(t *testing.T) {
		r := owner.do("POST", "/api/v1/status-pages", statusPageBody("taken"))
		assert.Equal(t, http.StatusConflict, r.Status, string(r.Raw))
		assert.Equal(t, "CONFLICT", r.code())
		assert.Contains(t, r.Error.Message, "slug")
	})
	t.Run("renaming onto a taken slug is refused too", func(t *testing.T) {
		id := idOf(t, owner.do("POST", "/api/v1/status-pages", statusPageBody("mine")))
		r := owner.do("PUT", "/api/v1/status-pages/"+id, statusPageBody("taken"))
		assert.Equal(t, http.StatusConflict, r.Status, string(r.Raw))
	})
}

// TestPublicStatusPage: anyone reads a published page, which shows the
// chosen monitors and nothing else, cacheably.
func TestPublicStatusPage(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Acme")
	var me meData
	owner.do("GET", "/api/v1/me", nil).into(t, &me)
	apiMonitor := idOf(t, owner.do("POST", "/api/v1/monitors", monitorBody("Public API")))
	web := idOf(t, owner.do("POST", "/api/v1/monitors", monitorBody("Public web")))
	secret := idOf(t, owner.do("POST", "/api/v1/monitors", monitorBody("Internal admin")))
	ts.incidentOf(t, owner, apiMonitor)
	ts.incidentOf(t, owner, secret)

	body := statusPageBody("acme", web, apiMonitor)
	id := idOf(t, owner.do("POST", "/api/v1/status-pages", body))
	url := ts.URL + "/api/v1/public/status-pages/acme"

	resp, raw := fetchRaw(t, url, nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "unpublished: %s", raw)

	body["published"] = true
	require.Equal(t, http.StatusOK, owner.do("PUT", "/api/v1/status-pages/"+id, body).Status)
	resp, raw = fetchRaw(t, url, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(raw))
	assert.Contains(t, resp.Header.Get("Cache-Control"), "public")
	assert.Contains(t, resp.Header.Get("Cache-Control"), "max-age=30")
	etag := resp.Header.Get("ETag")
	require.NotEmpty(t, etag)

	var page publicPageData
	decodeEnvelope(t, raw).into(t, &page)
	assert.Equal(t, "Status of acme", page.Title)
	assert.Equal(t, "https://cdn.example.com/logo.png", page.LogoURL)
	assert.Len(t, page.Days, 90)
	require.Len(t, page.Monitors, 2)
	assert.Equal(t, "Public web", page.Monitors[0].Name, "in the tenant's order")
	assert.Equal(t, "Public API", page.Monitors[1].Name)
	assert.Equal(t, "down", page.Monitors[1].Status)
	assert.Len(t, page.Monitors[0].DailyUptime, 90)
	assert.Equal(t, "major_outage", page.Status, "the one monitor with a status is down")
	require.Len(t, page.Incidents, 1, "only the chosen monitors' incidents")
	assert.Equal(t, "Public API", page.Incidents[0].Monitor)
	assert.Equal(t, "open", page.Incidents[0].Status)

	for what, s := range map[string]string{"unchosen monitor": "Internal admin", "monitor id": apiMonitor, "other monitor id": secret,
		"page id": id, "tenant id": me.Tenant.TenantID.String(), "target": "example.com/health", "error text": "refused"} {
		assert.NotContains(t, string(raw), s, "the public page shows no %s", what)
	}

	t.Run("a matching ETag answers 304", func(t *testing.T) {
		resp, raw := fetchRaw(t, url, map[string]string{"If-None-Match": etag})
		assert.Equal(t, http.StatusNotModified, resp.StatusCode)
		assert.Empty(t, raw)
		assert.Equal(t, etag, resp.Header.Get("ETag"))
	})
	t.Run("credentials change nothing", func(t *testing.T) {
		other, _ := ts.signup(t, "Other")
		resp, raw2 := fetchRaw(t, url, map[string]string{"Authorization": "Bearer " + other.token})
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, raw, raw2)
	})
	t.Run("unknown slugs are 404", func(t *testing.T) {
		for _, slug := range []string{"nope", "ACME-nope", "x"} {
			resp, raw := fetchRaw(t, ts.URL+"/api/v1/public/status-pages/"+slug, nil)
			assert.Equal(t, http.StatusNotFound, resp.StatusCode, slug)
			assert.Contains(t, string(raw), "NOT_FOUND")
		}
	})
	t.Run("unpublishing takes the page down at once", func(t *testing.T) {
		body["published"] = false
		require.Equal(t, http.StatusOK, owner.do("PUT", "/api/v1/status-pages/"+id, body).Status)
		resp, _ := fetchRaw(t, url, nil)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	})
	t.Run("a deleted page is gone", func(t *testing.T) {
		body["published"] = true
		require.Equal(t, http.StatusOK, owner.do("PUT", "/api/v1/status-pages/"+id, body).Status)
		resp, _ := fetchRaw(t, url, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, http.StatusNoContent, owner.do("DELETE", "/api/v1/status-pages/"+id, nil).Status)
		resp, _ = fetchRaw(t, url, nil)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	})
}

// TestStatusPagesOfAnotherTenant: another tenant can neither read, change
// nor find a page through the tenant API, and an unpublished page is as
// absent publicly as one that does not exist.
func TestStatusPagesOfAnotherTenant(t *testing.T) {
	ts := newTestServer(t, nil)
	a, _ := ts.signup(t, "Alpha")
	b, _ := ts.signup(t, "Beta")
	id := idOf(t, a.do("POST", "/api/v1/status-pages", statusPageBody("alpha-private")))

	for _, r := range []response{
		b.do("GET", "/api/v1/status-pages/"+id, nil),
		b.do("PUT", "/api/v1/status-pages/"+id, statusPageBody("hijacked")),
		b.do("DELETE", "/api/v1/status-pages/"+id, nil),
	} {
		assert.Equal(t, http.StatusNotFound, r.Status, string(r.Raw))
	}
	r := b.do("GET", "/api/v1/status-pages", nil)
	assert.NotContains(t, string(r.Raw), id)
	assert.NotContains(t, string(r.Raw), "alpha-private")

	resp, raw := fetchRaw(t, ts.URL+"/api/v1/public/status-pages/alpha-private", nil)
	_, unknown := fetchRaw(t, ts.URL+"/api/v1/public/status-pages/alpha-nothing", nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, *decodeEnvelope(t, unknown).Error, *decodeEnvelope(t, raw).Error, "an unpublished page answers like an unknown one")

	var got statusPageData
	a.do("GET", "/api/v1/status-pages/"+id, nil).into(t, &got)
	assert.Equal(t, "alpha-private", got.Slug, "unchanged")
}
