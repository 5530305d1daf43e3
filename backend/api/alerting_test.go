package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/store"
)

func TestChannelValidationNamesTheField(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Acme")
	cases := []struct {
		name, field, reason string
		body                any
	}{
		{"unknown type", "type", "must be one of", map[string]any{"name": "x", "type": "pigeon", "config": map[string]any{}}},
		{"no config", "config", "required", map[string]any{"name": "x", "type": "webhook"}},
		{"webhook without url", "config.url", "required", map[string]any{"name": "x", "type": "webhook", "config": map[string]any{}}},
		{"webhook ftp url", "config.url", "http(s) URL", map[string]any{"name": "x", "type": "webhook", "config": map[string]any{"url": "ftp://x"}}},
		{"reserved header", "config.headers.X-VInsight-Signature", "set by V-Insight", map[string]any{"name": "x", "type": "webhook",
			"config": map[string]any{"url": "https://h.example.com", "headers": map[string]string{"X-VInsight-Signature": "forged"}}}},
		{"unknown config field", "config", "unknown field", map[string]any{"name": "x", "type": "webhook", "config": map[string]any{"url": "https://h.example.com", "token": "t"}}},
		{"email without SMTP", "type", "VINSIGHT_SMTP_URL", map[string]any{"name": "x", "type": "email", "config": map[string]any{"to": []string{"a@example.com"}}}},
		{"email bad address", "config.to[0]", "bare email address", map[string]any{"name": "x", "type": "email", "config": map[string]any{"to": []string{"Bob <b@x>"}}}},
		{"unknown shoutrrr service", "config.url", "unknown service", map[string]any{"name": "x", "type": "shoutrrr", "config": map[string]any{"url": "pigeon://coop"}}},
		{"malformed slack URL", "config.url", "slack", map[string]any{"name": "x", "type": "shoutrrr", "config": map[string]any{"url": "slack://"}}},
		{"long name", "name", "at most 100", map[string]any{"name": string(make([]byte, 101)), "type": "webhook", "config": map[string]any{"url": "https://h.example.com"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := owner.do("POST", "/api/v1/notification-channels", tc.body)
			require.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))
			assert.Equal(t, "VALIDATION_ERROR", r.code())
			assert.Contains(t, r.Error.Details[tc.field], tc.reason, "details: %v", r.Error.Details)
		})
	}
}

func TestChannelSecretsAreMaskedAndKept(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Acme")
	r := owner.do("POST", "/api/v1/notification-channels", map[string]any{"name": "Hook", "type": "webhook",
		"config": map[string]any{"url": "https://h.example.com/in", "secret": "hunter2", "headers": map[string]string{"Authorization": "Bearer abc"}}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	assert.NotContains(t, string(r.Raw), "hunter2")
	assert.NotContains(t, string(r.Raw), "Bearer abc")
	var ch model.Channel
	r.into(t, &ch)
	assert.Equal(t, "********", ch.Config.Secret)
	assert.Equal(t, "********", ch.Config.Headers["Authorization"])

	slack := owner.do("POST", "/api/v1/notification-channels", map[string]any{"name": "Slack", "type": "shoutrrr",
		"config": map[string]any{"url": "slack://hook:WNA3PBYV6-F20DUQND3RQ-Webc4MAvoacrpPakR8phF0zi@webhook"}})
	require.Equal(t, http.StatusCreated, slack.Status, string(slack.Raw))
	assert.NotContains(t, string(slack.Raw), "Webc4MAvoacrpPakR8phF0zi")
	assert.Contains(t, string(slack.Raw), `"url":"slack://********"`)

	// The client sends back what it read, renaming the channel: the secrets stay.
	ch.Name = "Renamed hook"
	r = owner.do("PUT", "/api/v1/notification-channels/"+ch.ID.String(), map[string]any{"name": ch.Name, "type": "webhook", "config": ch.Config})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	stored, err := ts.Store.ChannelConfig(context.Background(), tenantOf(t, owner), ch.ID)
	require.NoError(t, err)
	assert.Equal(t, "hunter2", stored.Secret)
	assert.Equal(t, "Bearer abc", stored.Headers["Authorization"])

	var sealed []byte
	require.NoError(t, ts.Store.Pool().QueryRow(context.Background(), `SELECT config_sealed FROM notification_channels WHERE id = $1`, ch.ID).Scan(&sealed))
	assert.NotContains(t, string(sealed), "hunter2", "encrypted at rest")

	r = owner.do("PUT", "/api/v1/notification-channels/"+ch.ID.String(), map[string]any{"name": ch.Name, "type": "webhook",
		"config": map[string]any{"url": "https://h.example.com/in"}})
	require.Equal(t, http.StatusOK, r.Status)
	stored, err = ts.Store.ChannelConfig(context.Background(), tenantOf(t, owner), ch.ID)
	require.NoError(t, err)
	assert.Empty(t, stored.Secret, "a PUT without the secret removes it")
}

func TestMonitorChannelsMustExistInTheTenant(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Acme")
	other, _ := ts.signup(t, "Globex")
	foreign := idOf(t, other.do("POST", "/api/v1/notification-channels", channelBody("theirs")))
	mine := idOf(t, owner.do("POST", "/api/v1/notification-channels", channelBody("mine")))

	body := monitorBody("site")
	body["notification_channel_ids"] = []string{mine, foreign}
	body["tags"] = []string{"Prod", "prod", "eu"}
	r := owner.do("POST", "/api/v1/monitors", body)
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))
	assert.Equal(t, "unknown notification channel", r.Error.Details["notification_channel_ids[1]"])

	body["notification_channel_ids"] = []string{mine}
	r = owner.do("POST", "/api/v1/monitors", body)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var m model.Monitor
	r.into(t, &m)
	assert.Equal(t, []string{"prod", "eu"}, m.Tags)
	assert.Equal(t, mine, m.NotificationChannelIDs[0].String())
	assert.EqualValues(t, 1, owner.do("GET", "/api/v1/monitors?tag=eu", nil).Meta["total"])
	assert.EqualValues(t, 0, owner.do("GET", "/api/v1/monitors?tag=us", nil).Meta["total"])

	require.Equal(t, http.StatusNoContent, owner.do("DELETE", "/api/v1/notification-channels/"+mine, nil).Status)
	owner.do("GET", "/api/v1/monitors/"+m.ID.String(), nil).into(t, &m)
	assert.Empty(t, m.NotificationChannelIDs, "a deleted channel leaves its monitors")
}

func TestMaintenanceWindowValidation(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Acme")
	base := func(kv ...any) map[string]any {
		b := windowBody("w")
		for i := 0; i+1 < len(kv); i += 2 {
			b[kv[i].(string)] = kv[i+1]
		}
		return b
	}
	cases := []struct {
		name, field, reason string
		body                map[string]any
	}{
		{"bad zone", "time_zone", "IANA", base("time_zone", "Mars/Olympus")},
		{"bad rrule", "rrule", "RRULE", base("rrule", "EVERY SUNDAY")},
		{"too frequent", "rrule", "at most hourly", base("rrule", "FREQ=MINUTELY")},
		{"dtstart in rule", "rrule", "without DTSTART", base("rrule", "DTSTART:20300101T000000Z\nRRULE:FREQ=DAILY")},
		{"ends before start", "ends_at", "after starts_at", base("ends_at", "2030-01-06T01:00")},
		{"bad time", "starts_at", "RFC 3339", base("starts_at", "next sunday")},
		{"no scope", "all_monitors", "set all_monitors", base("all_monitors", false)},
		{"both scopes", "all_monitors", "not both", base("tags", []string{"prod"})},
		{"unknown monitor", "monitor_ids[0]", "unknown monitor", base("all_monitors", false, "monitor_ids", []string{uuid.NewString()})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := owner.do("POST", "/api/v1/maintenance-windows", tc.body)
			require.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))
			assert.Contains(t, r.Error.Details[tc.field], tc.reason, "details: %v", r.Error.Details)
		})
	}
	r := owner.do("POST", "/api/v1/maintenance-windows", base())
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var w model.MaintenanceWindow
	r.into(t, &w)
	assert.Equal(t, "2030-01-06T01:00:00Z", w.StartsAt.Format(time.RFC3339), "02:00 in Berlin is 01:00 UTC in winter")
	require.NotNil(t, w.Next)
	assert.False(t, w.Active)
}

func TestIncidentsAPI(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Acme")
	monitor := idOf(t, owner.do("POST", "/api/v1/monitors", monitorBody("site")))
	incident := ts.incidentOf(t, owner, monitor)

	for query, want := range map[string]int{"": 1, "?state=open": 1, "?state=resolved": 0, "?monitor_id=" + monitor: 1,
		"?monitor_id=" + uuid.NewString(): 0, "?from=2000-01-01T00:00:00Z": 1, "?to=2000-01-01T00:00:00Z": 0} {
		r := owner.do("GET", "/api/v1/incidents"+query, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
		assert.EqualValues(t, want, r.Meta["total"], query)
	}
	for query, field := range map[string]string{"?state=closed": "state", "?from=yesterday": "from", "?monitor_id=x": "monitor_id",
		"?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z": "to"} {
		r := owner.do("GET", "/api/v1/incidents"+query, nil)
		assert.Equal(t, http.StatusBadRequest, r.Status, query)
		assert.Contains(t, r.Error.Details, field, query)
	}

	r := owner.do("POST", "/api/v1/incidents/"+incident+"/comments", map[string]string{"body": "  looking into it  "})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	assert.Equal(t, http.StatusBadRequest, owner.do("POST", "/api/v1/incidents/"+incident+"/comments", map[string]string{"body": " "}).Status)
	r = owner.do("POST", "/api/v1/incidents/"+incident+"/acknowledge", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	var inc model.Incident
	r.into(t, &inc)
	require.NotNil(t, inc.AcknowledgedAt)
	assert.Equal(t, http.StatusOK, owner.do("POST", "/api/v1/incidents/"+incident+"/acknowledge", nil).Status, "again: no-op")

	var d model.IncidentDetail
	owner.do("GET", "/api/v1/incidents/"+incident, nil).into(t, &d)
	var kinds []string
	for _, e := range d.Timeline {
		kinds = append(kinds, e.Kind)
	}
	assert.Equal(t, []string{model.EventOpened, model.EventComment, model.EventAcknowledged}, kinds)
	assert.Equal(t, "looking into it", d.Timeline[1].Message)
	assert.Contains(t, d.Timeline[1].Actor, "@example.com", "who commented")

	require.NoError(t, ts.Store.RecordMonitorStates(context.Background(), []store.MonitorState{{TenantID: tenantOf(t, owner),
		MonitorID: uuid.MustParse(monitor), Region: "eu", Status: model.StatusUp, CheckedAt: time.Now().Add(time.Second)}}))
	owner.do("GET", "/api/v1/incidents/"+incident, nil).into(t, &d)
	assert.Equal(t, "resolved", d.Status)
	require.NoError(t, ts.Store.RecordMonitorStates(context.Background(), []store.MonitorState{{TenantID: tenantOf(t, owner),
		MonitorID: uuid.MustParse(monitor), Region: "eu", Status: model.StatusDown, CheckedAt: time.Now().Add(2 * time.Second)}}))
	var open []model.Incident
	owner.do("GET", "/api/v1/incidents?state=open", nil).into(t, &open)
	require.Len(t, open, 1)
	fresh := open[0].ID.String()
	require.Equal(t, http.StatusOK, owner.do("POST", "/api/v1/monitors/"+monitor+"/pause", nil).Status)
	r = owner.do("POST", "/api/v1/incidents/"+fresh+"/acknowledge", nil)
	assert.Equal(t, http.StatusConflict, r.Status, "pausing resolved it: %s", r.Raw)
}
