package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type auditData struct {
	ID    int64 `json:"id"`
	Actor struct {
		Type string     `json:"type"`
		ID   *uuid.UUID `json:"id"`
		Name string     `json:"name"`
	} `json:"actor"`
	Action       string         `json:"action"`
	ResourceType string         `json:"resource_type"`
	ResourceID   string         `json:"resource_id"`
	RequestID    string         `json:"request_id"`
	Details      map[string]any `json:"details"`
	CreatedAt    time.Time      `json:"created_at"`
}

func auditLog(t *testing.T, c client, query string) ([]auditData, response) {
	t.Helper()
	r := c.do("GET", "/api/v1/audit-log"+query, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	var list []auditData
	r.into(t, &list)
	return list, r
}

// TestAuditLogRecordsEveryWrite runs each write of members, invites and
// API keys once and finds it in the log with the request that made it.
func TestAuditLogRecordsEveryWrite(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, ownerEmail := ts.signup(t, "Acme")
	ownerID := ts.whoami(t, owner).User.ID
	anon := ts.anon(t)

	type write struct{ action, requestID string }
	var writes []write
	must := func(action string, status int, r response) response {
		t.Helper()
		require.Equal(t, status, r.Status, "%s: %s", action, r.Raw)
		writes = append(writes, write{action, r.Header.Get("X-Request-ID")})
		return r
	}

	var key apiKeyData
	must("api_key.create", 201, owner.do("POST", "/api/v1/api-keys", map[string]string{"name": "ci", "scope": "write"})).into(t, &key)
	must("api_key.revoke", 204, owner.do("DELETE", "/api/v1/api-keys/"+key.ID.String(), nil))
	var inv inviteData
	must("invite.create", 201, owner.do("POST", "/api/v1/invites", map[string]string{"email": "eve@example.com", "role": "viewer"})).into(t, &inv)
	var joined tokenData
	must("invite.accept", 201, accept(anon, inv.Token, "correct horse battery", "Eve")).into(t, &joined)
	must("member.update", 200, owner.do("PUT", "/api/v1/members/"+joined.UserID.String(), map[string]string{"role": "admin"}))
	var second inviteData
	must("invite.create", 201, owner.do("POST", "/api/v1/invites", map[string]string{"email": "mallory@example.com", "role": "member"})).into(t, &second)
	must("invite.revoke", 204, owner.do("DELETE", "/api/v1/invites/"+second.ID.String(), nil))
	must("member.remove", 204, owner.do("DELETE", "/api/v1/members/"+joined.UserID.String(), nil))

	refused := owner.do("PUT", "/api/v1/members/"+ownerID.String(), map[string]string{"role": "viewer"})
	require.Equal(t, http.StatusConflict, refused.Status)

	list, r := auditLog(t, owner, "")
	require.Len(t, list, len(writes)+1, "one entry per write plus tenant.create; nothing for the refused change")
	assert.Equal(t, float64(len(writes)+1), r.Meta["total"])
	assert.Equal(t, "tenant.create", list[len(list)-1].Action)
	for i, w := range writes {
		e := list[len(writes)-1-i] // newest first
		assert.Equal(t, w.action, e.Action, "entry %d", i)
		assert.NotEmpty(t, w.requestID)
		assert.Equal(t, w.requestID, e.RequestID, "%s carries its request id", w.action)
		assert.Equal(t, "user", e.Actor.Type)
		require.NotNil(t, e.Actor.ID)
		assert.WithinDuration(t, time.Now(), e.CreatedAt, time.Minute)
		if e.Action == "invite.accept" {
			assert.Equal(t, joined.UserID, *e.Actor.ID, "the accepting user is the actor")
			assert.Equal(t, "eve@example.com", e.Actor.Name)
		} else {
			assert.Equal(t, ownerID, *e.Actor.ID)
			assert.Equal(t, ownerEmail, e.Actor.Name)
		}
	}

	byAction := map[string]auditData{}
	for _, e := range list {
		byAction[e.Action] = e
	}
	assert.Equal(t, map[string]any{"name": "ci", "scope": "write", "prefix": key.Prefix}, byAction["api_key.create"].Details)
	assert.Equal(t, key.ID.String(), byAction["api_key.revoke"].ResourceID)
	assert.Equal(t, map[string]any{"email": "eve@example.com", "from": "viewer", "to": "admin"}, byAction["member.update"].Details)
	assert.Equal(t, "member", byAction["member.remove"].ResourceType)
	assert.Equal(t, joined.UserID.String(), byAction["member.remove"].ResourceID)
	assert.Equal(t, true, byAction["invite.accept"].Details["new_user"])
	assert.NotContains(t, string(r.Raw), inv.Token, "no secret reaches the log")
	assert.NotContains(t, string(r.Raw), key.Key, "no secret reaches the log")

	t.Run("filters", func(t *testing.T) {
		list, r := auditLog(t, owner, "?action=invite.create")
		assert.Len(t, list, 2)
		assert.Equal(t, float64(2), r.Meta["total"])
		list, _ = auditLog(t, owner, "?resource_type=invite")
		assert.Len(t, list, 4)
		list, _ = auditLog(t, owner, "?resource_type=invite&action=invite.revoke")
		require.Len(t, list, 1)
		assert.Equal(t, second.ID.String(), list[0].ResourceID)
		list, _ = auditLog(t, owner, "?action=nothing.like.this")
		assert.Empty(t, list)
	})

	t.Run("pages", func(t *testing.T) {
		all, _ := auditLog(t, owner, "")
		page, r := auditLog(t, owner, "?per_page=3&page=2")
		require.Len(t, page, 3)
		assert.Equal(t, all[3:6], page)
		assert.Equal(t, map[string]any{"page": float64(2), "per_page": float64(3), "total": float64(len(all))}, r.Meta)
	})

	t.Run("bad queries", func(t *testing.T) {
		for _, q := range []string{"?per_page=0", "?page=x", "?action=a%00b", "?per_page=201"} {
			r := owner.do("GET", "/api/v1/audit-log"+q, nil)
			assert.Equal(t, http.StatusBadRequest, r.Status, q)
			assert.Equal(t, "VALIDATION_ERROR", r.code(), q)
		}
	})
}

func TestAuditLogReadableByAdmins(t *testing.T) {
	ts := newTestServer(t, nil)
	tm := ts.team(t, "Acme")
	ts.join(t, tm["admin"].client, "viewer")
	list, _ := auditLog(t, tm["admin"].client, "?resource_type=invite")
	require.Len(t, list, 2)
	assert.Equal(t, "invite.accept", list[0].Action)
	assert.Equal(t, "invite.create", list[1].Action)
	assert.Equal(t, tm["admin"].ID, *list[1].Actor.ID)
}
