package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// monitorData is a monitor as the API returns it.
type monitorData struct {
	ID                     uuid.UUID      `json:"id"`
	Name                   string         `json:"name"`
	Type                   string         `json:"type"`
	Target                 string         `json:"target"`
	IntervalSeconds        int            `json:"interval_seconds"`
	TimeoutSeconds         int            `json:"timeout_seconds"`
	Enabled                bool           `json:"enabled"`
	Config                 map[string]any `json:"config"`
	NotificationChannelIDs []string       `json:"notification_channel_ids"`
	Status                 string         `json:"status"`
	LastCheckedAt          *time.Time     `json:"last_checked_at"`
	CreatedAt              time.Time      `json:"created_at"`
	UpdatedAt              time.Time      `json:"updated_at"`
}

// monitorOfEachType is one valid create request per monitor type.
var monitorOfEachType = []map[string]any{
	{"name": "API", "type": "http", "target": "https://example.com/health", "interval_seconds": 60, "timeout_seconds": 10,
		"config": map[string]any{"method": "POST", "headers": map[string]string{"X-Api-Key": "secret"}, "body": `{"ping":true}`,
			"expected_status": []string{"200-299", "301"}, "follow_redirects": false,
			"json_assertions": []map[string]any{{"path": "$.status", "op": "equals", "value": "ok"}}}},
	{"name": "Home page", "type": "keyword", "target": "https://example.com/", "config": map[string]any{"keyword": "Welcome", "case_sensitive": true}},
	{"name": "Database", "type": "tcp", "target": "db.example.com:5432", "config": map[string]any{"retries": 2}},
	{"name": "Mail DNS", "type": "dns", "target": "example.com", "config": map[string]any{"record_type": "MX", "resolver": "1.1.1.1:53", "expected_values": []string{"10 mx.example.com."}}},
	{"name": "Gateway", "type": "icmp", "target": "192.0.2.1", "config": map[string]any{"packet_count": 5, "degraded_latency_ms": 300}},
	{"name": "Certificate", "type": "tls", "target": "example.com:443", "config": map[string]any{"warn_days": 30, "critical_days": 7}},
	{"name": "Nightly backup", "type": "heartbeat", "interval_seconds": 86400, "config": map[string]any{"grace_seconds": 3600}},
}

func createMonitor(t *testing.T, c client, body any) monitorData {
	t.Helper()
	r := c.do("POST", "/api/v1/monitors", body)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var m monitorData
	r.into(t, &m)
	return m
}

func TestMonitorCRUDForEachType(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Acme")
	for _, body := range monitorOfEachType {
		t.Run(body["type"].(string), func(t *testing.T) {
			r := owner.do("POST", "/api/v1/monitors", body)
			require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
			var created monitorData
			r.into(t, &created)
			assert.Equal(t, body["name"], created.Name)
			assert.Equal(t, body["type"], created.Type)
			assert.Equal(t, "pending", created.Status)
			assert.True(t, created.Enabled)
			assert.Nil(t, created.LastCheckedAt)
			assert.Equal(t, []string{}, created.NotificationChannelIDs)
			assert.Less(t, created.TimeoutSeconds, created.IntervalSeconds)
			assert.Contains(t, created.Config, "retries", "defaults are filled in")
			assert.NotContains(t, string(r.Raw), "tenant_id")
			if body["type"] == "heartbeat" {
				assert.Regexp(t, `"heartbeat_url":"http://localhost:3000/api/v1/heartbeat/[0-9a-f]{64}"`, string(r.Raw))
			} else {
				assert.NotContains(t, string(r.Raw), "heartbeat_url", "only heartbeat monitors are pushed to")
			}
			for k := range body["config"].(map[string]any) {
				assert.Contains(t, created.Config, k, "config keeps %s", k)
			}

			path := "/api/v1/monitors/" + created.ID.String()
			got := owner.do("GET", path, nil)
			require.Equal(t, http.StatusOK, got.Status)
			assert.JSONEq(t, string(r.Data), string(got.Data))

			changed := map[string]any{}
			for k, v := range body {
				changed[k] = v
			}
			changed["name"] = body["name"].(string) + " v2"
			changed["interval_seconds"] = 120
			changed["timeout_seconds"] = 5
			up := owner.do("PUT", path, changed)
			require.Equal(t, http.StatusOK, up.Status, string(up.Raw))
			var updated monitorData
			up.into(t, &updated)
			assert.Equal(t, changed["name"], updated.Name)
			assert.Equal(t, 120, updated.IntervalSeconds)
			assert.Equal(t, 5, updated.TimeoutSeconds)
			assert.Equal(t, created.CreatedAt, updated.CreatedAt)

			paused := owner.do("POST", path+"/pause", nil)
			require.Equal(t, http.StatusOK, paused.Status, string(paused.Raw))
			var pm monitorData
			paused.into(t, &pm)
			assert.False(t, pm.Enabled)
			assert.Equal(t, "paused", pm.Status)
			resumed := owner.do("POST", path+"/resume", nil)
			require.Equal(t, http.StatusOK, resumed.Status)
			resumed.into(t, &pm)
			assert.True(t, pm.Enabled)
			assert.Equal(t, "pending", pm.Status)

			del := owner.do("DELETE", path, nil)
			assert.Equal(t, http.StatusNoContent, del.Status)
			assert.Empty(t, del.Raw)
			assert.Equal(t, http.StatusNotFound, owner.do("GET", path, nil).Status)
			assert.Equal(t, http.StatusNotFound, owner.do("DELETE", path, nil).Status)
			assert.Equal(t, http.StatusNotFound, owner.do("POST", path+"/resume", nil).Status)
			list := owner.do("GET", "/api/v1/monitors", nil)
			assert.NotContains(t, string(list.Data), created.ID.String(), "a deleted monitor leaves the list")
			var kept int
			require.NoError(t, ts.Store.Pool().QueryRow(t.Context(),
				`SELECT count(*) FROM monitors WHERE id = $1 AND deleted_at IS NOT NULL`, created.ID).Scan(&kept))
			assert.Equal(t, 1, kept, "the row stays for its results")
		})
	}
}

func TestMonitorValidationErrors(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Acme")
	httpBody := func(extra string) string {
		return `{"name":"x","type":"http","target":"https://example.com"` + extra + `}`
	}
	cases := []struct {
		name, body, field, reason string
	}{
		{"malformed JSON", `{"name":`, "body", "truncated JSON"},
		{"not JSON", `name=x`, "body", "malformed JSON"},
		{"empty body", ``, "body", "JSON object is required"},
		{"unknown field", httpBody(`,"colour":"red"`), "colour", "unknown field"},
		{"read-only field", httpBody(`,"status":"up"`), "status", "unknown field"},
		{"wrong type", httpBody(`,"interval_seconds":"60"`), "interval_seconds", "a number"},
		{"wrong type of enabled", httpBody(`,"enabled":"yes"`), "enabled", "true or false"},
		{"huge name", `{"name":"` + strings.Repeat("x", 201) + `","type":"http","target":"https://example.com"}`, "name", "at most 200"},
		{"control character in name", `{"name":"bell\u0007","type":"http","target":"https://example.com"}`, "name", "control characters"},
		{"NUL in name", `{"name":"a\u0000b","type":"http","target":"https://example.com"}`, "name", "control characters"},
		{"unknown type", `{"name":"x","type":"ftp","target":"ftp://example.com"}`, "type", "must be one of"},
		{"URL without scheme", `{"name":"x","type":"http","target":"example.com/health"}`, "target", "http:// or https://"},
		{"URL with NUL", `{"name":"x","type":"http","target":"https://exa\u0000mple.com"}`, "target", "valid URL"},
		{"tcp port", `{"name":"x","type":"tcp","target":"db.example.com:70000"}`, "target", "1 to 65535"},
		{"tcp without port", `{"name":"x","type":"tcp","target":"db.example.com"}`, "target", "host:port"},
		{"dns hostname", `{"name":"x","type":"dns","target":"not a host"}`, "target", "domain name"},
		{"dns record type", `{"name":"x","type":"dns","target":"example.com","config":{"record_type":"SRV"}}`, "config.record_type", "A, AAAA"},
		{"heartbeat target", `{"name":"x","type":"heartbeat","target":"https://example.com"}`, "target", "must be empty"},
		{"interval too long", httpBody(`,"interval_seconds":90000`), "interval_seconds", "86400"},
		{"timeout equal to interval", httpBody(`,"interval_seconds":60,"timeout_seconds":60`), "timeout_seconds", "below interval_seconds"},
		{"timeout above interval", httpBody(`,"interval_seconds":60,"timeout_seconds":120`), "timeout_seconds", "below interval_seconds"},
		{"negative timeout", httpBody(`,"timeout_seconds":-3`), "timeout_seconds", "from 1 to"},
		{"header name", httpBody(`,"config":{"headers":{"Bad Header":"x"}}`), "config.headers.Bad Header", "RFC 7230 token"},
		{"header value injection", httpBody(`,"config":{"headers":{"X-Foo":"a\r\nSet-Cookie: x"}}`), "config.headers.X-Foo", "CR, LF"},
		{"status range", httpBody(`,"config":{"expected_status":["200-299","700"]}`), "config.expected_status[1]", "100 to 599"},
		{"JSON path", httpBody(`,"config":{"json_assertions":[{"path":"$..[","op":"exists"}]}`), "config.json_assertions[0].path", "invalid JSONPath"},
		{"assertion op", httpBody(`,"config":{"json_assertions":[{"path":"$.a","op":"like","value":"x"}]}`), "config.json_assertions[0].op", "must be one of"},
		{"unknown config field", httpBody(`,"config":{"keyword":"x"}`), "config.keyword", "unknown field"},
		{"wrong type in config", httpBody(`,"config":{"verify_tls":"no"}`), "config.verify_tls", "true or false"},
		{"config not an object", httpBody(`,"config":[]`), "config", "must be an object"},
		{"NUL in body", httpBody(`,"config":{"body":"\u0000"}`), "config.body", "NUL"},
		{"NUL in assertion value", httpBody(`,"config":{"json_assertions":[{"path":"$.a","op":"equals","value":"\u0000"}]}`), "config.json_assertions[0].value", "NUL"},
		{"retries", httpBody(`,"config":{"retries":99}`), "config.retries", "0 to 10"},
		{"notification channel", httpBody(`,"notification_channel_ids":["123e4567-e89b-12d3-a456-426614174000"]`), "notification_channel_ids[0]", "unknown notification channel"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := owner.do("POST", "/api/v1/monitors", tc.body)
			require.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))
			assert.Equal(t, "VALIDATION_ERROR", r.code())
			assert.Contains(t, r.Error.Details[tc.field], tc.reason, "details: %v", r.Error.Details)
		})
	}

	t.Run("an oversized body", func(t *testing.T) {
		r := owner.do("POST", "/api/v1/monitors", httpBody(`,"config":{"body":"`+strings.Repeat("a", 2<<20)+`"}`))
		assert.Equal(t, http.StatusBadRequest, r.Status)
		assert.Contains(t, r.Error.Details["body"], "larger than")
	})
	t.Run("an invalid update changes nothing", func(t *testing.T) {
		m := createMonitor(t, owner, monitorOfEachType[0])
		path := "/api/v1/monitors/" + m.ID.String()
		before := owner.do("GET", path, nil)
		r := owner.do("PUT", path, `{"name":"","type":"http","target":"gopher://x"}`)
		require.Equal(t, http.StatusBadRequest, r.Status)
		assert.Contains(t, r.Error.Details, "name")
		assert.Contains(t, r.Error.Details, "target")
		after := owner.do("GET", path, nil)
		assert.JSONEq(t, string(before.Data), string(after.Data))
	})

	list := owner.do("GET", "/api/v1/monitors", nil)
	assert.EqualValues(t, 1, list.Meta["total"], "no rejected request stored anything")
}

func TestMonitorLimits(t *testing.T) {
	ts := newTestServer(t, map[string]string{"VINSIGHT_MAX_MONITORS_PER_TENANT": "2", "VINSIGHT_MIN_INTERVAL_SECONDS": "60"})
	owner, _ := ts.signup(t, "Small")
	other, _ := ts.signup(t, "Other")
	body := func(interval int) map[string]any {
		return map[string]any{"name": "x", "type": "tcp", "target": "db.example.com:5432", "interval_seconds": interval}
	}

	r := owner.do("POST", "/api/v1/monitors", body(30))
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Equal(t, "LIMIT_EXCEEDED", r.code())
	assert.Contains(t, r.Error.Message, "minimum of 60 seconds")

	first := createMonitor(t, owner, body(60))
	createMonitor(t, owner, body(300))
	r = owner.do("POST", "/api/v1/monitors", body(60))
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Equal(t, "LIMIT_EXCEEDED", r.code())
	assert.Contains(t, r.Error.Message, "at most 2 monitors")
	createMonitor(t, other, body(60)) // per tenant

	r = owner.do("PUT", "/api/v1/monitors/"+first.ID.String(), body(59))
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "an update cannot go below the minimum either")

	require.Equal(t, http.StatusNoContent, owner.do("DELETE", "/api/v1/monitors/"+first.ID.String(), nil).Status)
	createMonitor(t, owner, body(60))
}

func TestListMonitorsFiltersSortsPages(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Lists")
	foreign, _ := ts.signup(t, "Foreign")
	createMonitor(t, foreign, map[string]any{"name": "Alpha foreign", "type": "http", "target": "https://f.example"})
	for i, body := range []map[string]any{
		{"name": "alpha web", "type": "http", "target": "https://a.example"},
		{"name": "Bravo Web", "type": "http", "target": "https://b.example", "enabled": false},
		{"name": "charlie db", "type": "tcp", "target": "c.example:5432"},
		{"name": "delta dns", "type": "dns", "target": "d.example"},
		{"name": "echo cert", "type": "tls", "target": "e.example"},
	} {
		m := createMonitor(t, owner, body)
		if i == 2 {
			_, err := ts.Store.Pool().Exec(t.Context(), `UPDATE monitors SET status = 'down' WHERE id = $1`, m.ID)
			require.NoError(t, err)
		}
	}

	names := func(r response) []string {
		var list []monitorData
		r.into(t, &list)
		out := []string{}
		for _, m := range list {
			out = append(out, m.Name)
		}
		return out
	}
	cases := []struct {
		query string
		want  []string
		total float64
	}{
		{"", []string{"alpha web", "Bravo Web", "charlie db", "delta dns", "echo cert"}, 5},
		{"?type=http", []string{"alpha web", "Bravo Web"}, 2},
		{"?status=down", []string{"charlie db"}, 1},
		{"?status=paused", []string{"Bravo Web"}, 1},
		{"?enabled=false", []string{"Bravo Web"}, 1},
		{"?enabled=true&type=http", []string{"alpha web"}, 1},
		{"?q=WEB", []string{"alpha web", "Bravo Web"}, 2},
		{"?q=nothing", []string{}, 0},
		{"?sort=name&order=desc", []string{"echo cert", "delta dns", "charlie db", "Bravo Web", "alpha web"}, 5},
		{"?sort=status", []string{"charlie db", "alpha web", "delta dns", "echo cert", "Bravo Web"}, 5},
		{"?sort=type", []string{"delta dns", "alpha web", "Bravo Web", "charlie db", "echo cert"}, 5},
		{"?sort=created_at&order=desc&per_page=2", []string{"echo cert", "delta dns"}, 5},
		{"?per_page=2&page=3", []string{"echo cert"}, 5},
		{"?per_page=2&page=9", []string{}, 5},
		{"?sort=&order=&q=", []string{"alpha web", "Bravo Web", "charlie db", "delta dns", "echo cert"}, 5},
	}
	for _, tc := range cases {
		t.Run("list"+tc.query, func(t *testing.T) {
			r := owner.do("GET", "/api/v1/monitors"+tc.query, nil)
			require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
			assert.Equal(t, tc.want, names(r))
			assert.Equal(t, tc.total, r.Meta["total"])
			assert.NotContains(t, string(r.Raw), "foreign")
		})
	}
	t.Run("page meta", func(t *testing.T) {
		r := owner.do("GET", "/api/v1/monitors?per_page=2&page=2", nil)
		assert.Equal(t, map[string]any{"page": 2.0, "per_page": 2.0, "total": 5.0}, r.Meta)
		r = owner.do("GET", "/api/v1/monitors", nil)
		assert.Equal(t, map[string]any{"page": 1.0, "per_page": 50.0, "total": 5.0}, r.Meta)
	})

	bad := map[string]string{
		"?type=smtp": "type", "?status=sleeping": "status", "?sort=id": "sort", "?order=up": "order",
		"?enabled=maybe": "enabled", "?page=0": "page", "?per_page=500": "per_page", "?q=" + strings.Repeat("q", 201): "q",
	}
	for query, field := range bad {
		t.Run("bad "+field, func(t *testing.T) {
			r := owner.do("GET", "/api/v1/monitors"+query, nil)
			assert.Equal(t, http.StatusBadRequest, r.Status)
			assert.Equal(t, "VALIDATION_ERROR", r.code())
			assert.NotEmpty(t, r.Error.Details[field], "details: %v", r.Error.Details)
		})
	}
	t.Run("several bad parameters are reported together", func(t *testing.T) {
		r := owner.do("GET", "/api/v1/monitors?type=x&sort=y&page=-1", nil)
		require.Equal(t, http.StatusBadRequest, r.Status)
		assert.Len(t, r.Error.Details, 3)
	})
}
