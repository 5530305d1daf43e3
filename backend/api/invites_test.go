package api_test

import (
	"bytes"
	"context"
	"io"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/notify/smtptest"
)

type inviteData struct {
	ID        uuid.UUID  `json:"id"`
	Email     string     `json:"email"`
	Role      string     `json:"role"`
	InvitedBy *uuid.UUID `json:"invited_by"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	Mailed    bool       `json:"mailed"`
	Token     string     `json:"token"`
	Link      string     `json:"link"`
}

func accept(c client, token, password, name string) response {
	body := map[string]string{"token": token, "password": password}
	if name != "" {
		body["name"] = name
	}
	return c.do("POST", "/api/v1/invites/accept", body)
}

func TestInviteNewUser(t *testing.T) {
	ts := newTestServer(t, map[string]string{"VINSIGHT_PUBLIC_URL": "https://app.example.com/", "VINSIGHT_INVITE_TTL": "48h"})
	tm := ts.team(t, "Acme")
	anon := ts.anon(t)

	r := tm["admin"].do("POST", "/api/v1/invites", map[string]string{"email": " New.Person@Example.com ", "role": "viewer"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var inv inviteData
	r.into(t, &inv)
	assert.Equal(t, "new.person@example.com", inv.Email)
	assert.Equal(t, "viewer", inv.Role)
	assert.False(t, inv.Mailed)
	assert.True(t, strings.HasPrefix(inv.Token, "vii_"), inv.Token)
	assert.Equal(t, "https://app.example.com/invite/"+inv.Token, inv.Link)
	assert.WithinDuration(t, time.Now().Add(48*time.Hour), inv.ExpiresAt, time.Minute)
	require.NotNil(t, inv.InvitedBy)
	assert.Equal(t, tm["admin"].ID, *inv.InvitedBy)

	r = tm["owner"].do("GET", "/api/v1/invites", nil)
	require.Equal(t, http.StatusOK, r.Status)
	var pending []inviteData
	r.into(t, &pending)
	require.Len(t, pending, 1)
	assert.Equal(t, inv.ID, pending[0].ID)
	assert.Equal(t, inv.ExpiresAt.Unix(), pending[0].ExpiresAt.Unix())
	assert.NotContains(t, string(r.Raw), inv.Token, "the token is shown once")
	assert.Equal(t, float64(1), r.Meta["total"])

	t.Run("a new account needs a good password and a name", func(t *testing.T) {
		r := accept(anon, inv.Token, "short", "New Person")
		assert.Equal(t, http.StatusBadRequest, r.Status)
		assert.Contains(t, r.Error.Details, "password")
		r = accept(anon, inv.Token, "correct horse battery", "")
		assert.Equal(t, http.StatusBadRequest, r.Status)
		assert.Contains(t, r.Error.Details, "name")
		r = anon.do("POST", "/api/v1/invites/accept", map[string]string{"password": "correct horse battery"})
		assert.Contains(t, r.Error.Details, "token")
	})

	r = accept(anon, inv.Token, "correct horse battery", "New Person")
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var tok tokenData
	r.into(t, &tok)
	me := ts.whoami(t, ts.as(t, tok.Token))
	assert.Equal(t, "viewer", me.Role)
	assert.Equal(t, "Acme", me.Tenant.TenantName)
	assert.Equal(t, "New Person", me.User.Name)
	assert.Equal(t, "new.person@example.com", me.User.Email)

	assert.Equal(t, float64(0), tm["owner"].do("GET", "/api/v1/invites", nil).Meta["total"], "accepted invites are not pending")
	r = accept(anon, inv.Token, "correct horse battery", "New Person")
	assert.Equal(t, http.StatusConflict, r.Status, "a token works once")
	assert.Contains(t, r.Error.Message, "already been accepted")

	r = anon.do("POST", "/api/v1/auth/login", map[string]string{"email": "new.person@example.com", "password": "correct horse battery"})
	assert.Equal(t, http.StatusOK, r.Status, "the new account can log in")
}

func TestInviteExistingUser(t *testing.T) {
	ts := newTestServer(t, nil)
	acme, _ := ts.signup(t, "Acme")
	bob, bobEmail := ts.signup(t, "Bob Co")
	anon := ts.anon(t)

	r := acme.do("POST", "/api/v1/invites", map[string]string{"email": strings.ToUpper(bobEmail), "role": "member"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var inv inviteData
	r.into(t, &inv)

	t.Run("a wrong password answers like a bad token", func(t *testing.T) {
		wrong := accept(anon, inv.Token, "not bob's password", "")
		bad := accept(anon, "vii_no-such-token", "not bob's password", "")
		assert.Equal(t, http.StatusUnauthorized, wrong.Status)
		assert.Equal(t, wrong.Status, bad.Status)
		assert.Equal(t, wrong.code(), bad.code())
		assert.Equal(t, wrong.Error.Message, bad.Error.Message)

		// Both cost one bcrypt comparison; allow generous noise.
		timed := func(token string) time.Duration {
			best := time.Hour
			for range 3 {
				start := time.Now()
				accept(anon, token, "not bob's password", "")
				best = min(best, time.Since(start))
			}
			return best
		}
		wrongTime, badTime := timed(inv.Token), timed("vii_no-such-token")
		assert.Greater(t, badTime, wrongTime/3, "bad token %v, wrong password %v", badTime, wrongTime)
		assert.Greater(t, wrongTime, badTime/3, "bad token %v, wrong password %v", badTime, wrongTime)
	})

	r = accept(anon, inv.Token, "correct horse battery", "")
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var tok tokenData
	r.into(t, &tok)
	me := ts.whoami(t, ts.as(t, tok.Token))
	assert.Equal(t, "Acme", me.Tenant.TenantName)
	assert.Equal(t, "member", me.Role)
	assert.Len(t, me.Tenants, 2, "bob now belongs to both tenants")
	assert.Equal(t, "Test User", me.User.Name, "accepting does not rename an account")
	assert.Equal(t, "Bob Co", ts.whoami(t, bob).Tenant.TenantName, "bob's own session is untouched")
}

func TestInviteTokenStates(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Acme")
	anon := ts.anon(t)

	t.Run("expired", func(t *testing.T) {
		inv := ts.invite(t, owner, "member")
		_, err := ts.Store.Pool().Exec(context.Background(),
			`UPDATE invites SET expires_at = now() - interval '1 second' WHERE id = $1`, inv.ID)
		require.NoError(t, err)
		r := accept(anon, inv.Token, "correct horse battery", "Late")
		assert.Equal(t, http.StatusConflict, r.Status)
		assert.Contains(t, r.Error.Message, "expired")
		assert.NotContains(t, string(owner.do("GET", "/api/v1/invites", nil).Raw), inv.ID.String(), "expired invites are not pending")
	})

	t.Run("revoked", func(t *testing.T) {
		inv := ts.invite(t, owner, "member")
		assert.Equal(t, http.StatusNoContent, owner.do("DELETE", "/api/v1/invites/"+inv.ID.String(), nil).Status)
		assert.Equal(t, http.StatusNotFound, owner.do("DELETE", "/api/v1/invites/"+inv.ID.String(), nil).Status)
		r := accept(anon, inv.Token, "correct horse battery", "Too Late")
		assert.Equal(t, http.StatusConflict, r.Status)
		assert.Contains(t, r.Error.Message, "revoked")
	})

	t.Run("used", func(t *testing.T) {
		inv := ts.invite(t, owner, "member")
		require.Equal(t, http.StatusCreated, accept(anon, inv.Token, "correct horse battery", "First").Status)
		r := accept(anon, inv.Token, "correct horse battery", "Second")
		assert.Equal(t, http.StatusConflict, r.Status)
		assert.Contains(t, r.Error.Message, "already been accepted")
		assert.Equal(t, http.StatusNotFound, owner.do("DELETE", "/api/v1/invites/"+inv.ID.String(), nil).Status,
			"an accepted invitation cannot be revoked")
	})

	t.Run("inviting again replaces the pending invitation", func(t *testing.T) {
		first := ts.invite(t, owner, "viewer")
		r := owner.do("POST", "/api/v1/invites", map[string]string{"email": first.Email, "role": "admin"})
		require.Equal(t, http.StatusCreated, r.Status)
		var second inviteData
		r.into(t, &second)
		assert.Contains(t, accept(anon, first.Token, "correct horse battery", "X").Error.Message, "revoked")
		r = accept(anon, second.Token, "correct horse battery", "X")
		require.Equal(t, http.StatusCreated, r.Status)
		var tok tokenData
		r.into(t, &tok)
		assert.Equal(t, "admin", ts.whoami(t, ts.as(t, tok.Token)).Role)
	})
}

func TestInviteRules(t *testing.T) {
	ts := newTestServer(t, nil)
	tm := ts.team(t, "Acme")
	cases := []struct {
		name   string
		by     string
		body   any
		status int
		detail string
	}{
		{"owner invites an owner", "owner", map[string]string{"email": "o@example.com", "role": "owner"}, 201, ""},
		{"admin invites an admin", "admin", map[string]string{"email": "a@example.com", "role": "admin"}, 201, ""},
		{"admin may not invite an owner", "admin", map[string]string{"email": "o2@example.com", "role": "owner"}, 403, ""},
		{"a member cannot be invited", "owner", map[string]string{"email": strings.ToUpper(tm["viewer"].Email), "role": "admin"}, 409, ""},
		{"the owner cannot be invited", "admin", map[string]string{"email": tm["owner"].Email, "role": "viewer"}, 409, ""},
		{"bad email", "owner", map[string]string{"email": "not an email", "role": "viewer"}, 400, "email"},
		{"header injection in email", "owner", map[string]string{"email": "a@example.com\r\nBcc: x@example.com", "role": "viewer"}, 400, "email"},
		{"bad role", "owner", map[string]string{"email": "r@example.com", "role": "root"}, 400, "role"},
		{"no role", "owner", map[string]string{"email": "r@example.com"}, 400, "role"},
		{"role of the wrong type", "owner", map[string]any{"email": "r@example.com", "role": 3}, 400, "role"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tm[tc.by].do("POST", "/api/v1/invites", tc.body)
			require.Equal(t, tc.status, r.Status, string(r.Raw))
			if tc.detail != "" {
				assert.Contains(t, r.Error.Details, tc.detail)
			}
		})
	}
	r := tm["owner"].do("GET", "/api/v1/invites", nil)
	assert.Equal(t, float64(2), r.Meta["total"], "only the accepted requests made invitations")
}

// mailBody decodes the text of a received message.
func mailBody(t *testing.T, raw []byte) (subject, body string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	require.NoError(t, err)
	b, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	require.NoError(t, err)
	return msg.Header.Get("Subject"), string(b)
}

func TestInviteIsMailedWhenSMTPIsConfigured(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{Username: "mailer", Password: "mail secret"})
	ts := newTestServer(t, map[string]string{
		"VINSIGHT_SMTP_URL":   smtp.URL("V-Insight <noreply@example.com>"),
		"VINSIGHT_PUBLIC_URL": "https://app.example.com",
	})
	owner, ownerEmail := ts.signup(t, "Acme")

	r := owner.do("POST", "/api/v1/invites", map[string]string{"email": "carol@example.org", "role": "member"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var inv inviteData
	r.into(t, &inv)
	assert.True(t, inv.Mailed)
	assert.Empty(t, inv.Token)
	assert.Empty(t, inv.Link)
	assert.NotContains(t, string(r.Raw), "vii_", "the token goes by mail only")

	got := smtp.Next(t)
	assert.Equal(t, "noreply@example.com", got.From)
	assert.Equal(t, []string{"carol@example.org"}, got.To)
	assert.Equal(t, "mailer", got.User, "the sender authenticated")
	subject, body := mailBody(t, got.Data)
	assert.Contains(t, subject, "Acme")
	assert.Contains(t, body, ownerEmail)
	link := regexp.MustCompile(`https://app\.example\.com/invite/(vii_[A-Za-z0-9_-]{43})\r?\n`).FindStringSubmatch(body)
	require.NotNil(t, link, "the mail carries the link: %s", body)

	r = accept(ts.anon(t), link[1], "correct horse battery", "Carol")
	require.Equal(t, http.StatusCreated, r.Status, "the mailed link works: %s", r.Raw)
}

func TestInviteMailFailureLeavesNoInvite(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := l.Addr().String()
	require.NoError(t, l.Close())
	ts := newTestServer(t, map[string]string{"VINSIGHT_SMTP_URL": "smtp://" + closed + "?from=noreply@example.com"})
	owner, _ := ts.signup(t, "Acme")

	r := owner.do("POST", "/api/v1/invites", map[string]string{"email": "dave@example.org", "role": "member"})
	assert.Equal(t, http.StatusServiceUnavailable, r.Status, string(r.Raw))
	assert.Contains(t, r.Error.Message, "mail could not be sent")
	assert.NotContains(t, string(r.Raw), closed, "no server details leak")
	assert.Equal(t, float64(0), owner.do("GET", "/api/v1/invites", nil).Meta["total"])
	assert.Equal(t, float64(0), owner.do("GET", "/api/v1/audit-log?action=invite.create", nil).Meta["total"])
}
