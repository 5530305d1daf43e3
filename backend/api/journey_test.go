package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNewUserJourney is the whole account story, with nothing but
// HTTP: sign up, log in, one monitor of each type, a viewer invited, an API
// key made and used, and a second tenant that can neither see nor touch any
// of it.
func TestNewUserJourney(t *testing.T) {
	ts := newTestServer(t, nil)
	anon := ts.anon(t)
	r := anon.do("POST", "/api/v1/auth/signup", map[string]string{
		"email": "founder@example.com", "password": "correct horse battery", "name": "Founder", "tenant_name": "Acme"})
	require.Equal(t, http.StatusCreated, r.Status)
	r = anon.do("POST", "/api/v1/auth/login", map[string]string{"email": "founder@example.com", "password": "correct horse battery"})
	require.Equal(t, http.StatusOK, r.Status)
	var tok tokenData
	r.into(t, &tok)
	owner := ts.as(t, tok.Token)

	var ids []string
	for _, body := range monitorOfEachType {
		ids = append(ids, idOf(t, owner.do("POST", "/api/v1/monitors", body)))
	}
	list := owner.do("GET", "/api/v1/monitors?per_page=200", nil)
	require.Equal(t, http.StatusOK, list.Status)
	assert.EqualValues(t, len(monitorOfEachType), list.Meta["total"])

	viewer := ts.joinAs(t, owner, "watcher@example.com", "viewer")
	assert.Equal(t, http.StatusOK, viewer.do("GET", "/api/v1/monitors/"+ids[0], nil).Status)
	assert.Equal(t, http.StatusForbidden, viewer.do("DELETE", "/api/v1/monitors/"+ids[0], nil).Status)

	key, _ := ts.key(t, owner, "write")
	assert.Equal(t, http.StatusOK, key.do("GET", "/api/v1/monitors/"+ids[1], nil).Status)
	paused := key.do("POST", "/api/v1/monitors/"+ids[1]+"/pause", nil)
	require.Equal(t, http.StatusOK, paused.Status, string(paused.Raw))
	assert.Contains(t, string(paused.Raw), `"status":"paused"`)

	other, _ := ts.signup(t, "Globex")
	others := other.do("GET", "/api/v1/monitors", nil)
	assert.EqualValues(t, 0, others.Meta["total"])
	for _, id := range ids {
		assert.Equal(t, http.StatusNotFound, other.do("GET", "/api/v1/monitors/"+id, nil).Status)
		assert.Equal(t, http.StatusNotFound, other.do("DELETE", "/api/v1/monitors/"+id, nil).Status)
	}
	assert.EqualValues(t, len(monitorOfEachType), owner.do("GET", "/api/v1/monitors", nil).Meta["total"], "nothing was deleted")

	audit := owner.do("GET", "/api/v1/audit-log?per_page=200", nil)
	require.Equal(t, http.StatusOK, audit.Status)
	for _, action := range []string{"tenant.create", "monitor.create", "invite.create", "invite.accept", "api_key.create", "monitor.pause"} {
		assert.Contains(t, string(audit.Raw), `"action":"`+action+`"`)
	}
}
