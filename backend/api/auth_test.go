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
)

type tokenData struct {
	Token    string    `json:"token"`
	TenantID uuid.UUID `json:"tenant_id"`
	UserID   uuid.UUID `json:"user_id"`
}

type meData struct {
	User *struct {
		ID    uuid.UUID `json:"id"`
		Email string    `json:"email"`
		Name  string    `json:"name"`
	} `json:"user"`
	Tenant struct {
		TenantID   uuid.UUID `json:"tenant_id"`
		TenantName string    `json:"tenant_name"`
		Role       string    `json:"role"`
	} `json:"tenant"`
	Role    string `json:"role"`
	Tenants []struct {
		TenantID uuid.UUID `json:"tenant_id"`
		Role     string    `json:"role"`
	} `json:"tenants"`
}

func TestSignupLoginMeLogout(t *testing.T) {
	ts := newTestServer(t, nil)
	anon := ts.anon(t)

	r := anon.do("POST", "/api/v1/auth/signup", map[string]string{
		"email": "  Ada@Example.COM ", "password": "correct horse battery", "name": "Ada", "tenant_name": "Acme"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var signed tokenData
	r.into(t, &signed)
	assert.True(t, strings.HasPrefix(signed.Token, "vis_"))

	me := ts.as(t, signed.Token).do("GET", "/api/v1/me", nil)
	require.Equal(t, http.StatusOK, me.Status)
	var m meData
	me.into(t, &m)
	require.NotNil(t, m.User)
	assert.Equal(t, "ada@example.com", m.User.Email, "emails are normalised")
	assert.Equal(t, "Acme", m.Tenant.TenantName)
	assert.Equal(t, "owner", m.Role)
	assert.Len(t, m.Tenants, 1)
	assert.NotContains(t, string(me.Raw), "password")

	t.Run("the same email cannot sign up twice", func(t *testing.T) {
		r := anon.do("POST", "/api/v1/auth/signup", map[string]string{
			"email": "ada@example.com", "password": "another password", "name": "Ada 2", "tenant_name": "Other"})
		assert.Equal(t, http.StatusConflict, r.Status)
		assert.Equal(t, "CONFLICT", r.code())
	})

	r = anon.do("POST", "/api/v1/auth/login", map[string]string{"email": "ADA@example.com", "password": "correct horse battery"})
	require.Equal(t, http.StatusOK, r.Status)
	var logged tokenData
	r.into(t, &logged)
	assert.NotEqual(t, signed.Token, logged.Token)
	assert.Equal(t, signed.TenantID, logged.TenantID)

	sessions := ts.as(t, logged.Token).do("GET", "/api/v1/sessions", nil)
	require.Equal(t, http.StatusOK, sessions.Status)
	var list []struct {
		ID      uuid.UUID `json:"id"`
		Current bool      `json:"current"`
	}
	sessions.into(t, &list)
	require.Len(t, list, 2)
	assert.NotContains(t, string(sessions.Raw), "token")

	// Revoke the signup session from the login session.
	var other uuid.UUID
	for _, s := range list {
		if !s.Current {
			other = s.ID
		}
	}
	assert.Equal(t, http.StatusNoContent, ts.as(t, logged.Token).do("DELETE", "/api/v1/sessions/"+other.String(), nil).Status)
	assert.Equal(t, http.StatusUnauthorized, ts.as(t, signed.Token).do("GET", "/api/v1/me", nil).Status)

	assert.Equal(t, http.StatusOK, ts.as(t, logged.Token).do("POST", "/api/v1/auth/logout", nil).Status)
	r = ts.as(t, logged.Token).do("GET", "/api/v1/me", nil)
	assert.Equal(t, http.StatusUnauthorized, r.Status, "logout revokes the token")
	assert.Equal(t, "UNAUTHORIZED", r.code())
}

func TestLoginFailuresLookAlike(t *testing.T) {
	ts := newTestServer(t, nil)
	_, email := ts.signup(t, "Acme")
	anon := ts.anon(t)
	wrongPassword := anon.do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": "not the password"})
	unknownEmail := anon.do("POST", "/api/v1/auth/login", map[string]string{"email": "nobody@example.com", "password": "not the password"})
	assert.Equal(t, http.StatusUnauthorized, wrongPassword.Status)
	assert.Equal(t, wrongPassword.Status, unknownEmail.Status)
	assert.Equal(t, wrongPassword.code(), unknownEmail.code())
	assert.Equal(t, wrongPassword.Error.Message, unknownEmail.Error.Message)
}

func TestSignupValidation(t *testing.T) {
	ts := newTestServer(t, nil)
	valid := map[string]any{"email": "v@example.com", "password": "long enough pw", "name": "V", "tenant_name": "T"}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range valid {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"short password", with("password", "short"), "password"},
		{"bad email", with("email", "not-an-email"), "email"},
		{"missing name", with("name", "   "), "name"},
		{"control characters", with("tenant_name", "Acme\x00Corp"), "tenant_name"},
		{"huge name", with("name", strings.Repeat("n", 5000)), "name"},
		{"wrong type", with("email", 42), "email"},
		{"unknown field", with("admin", true), "admin"},
		{"malformed JSON", `{"email": "a@b.c",`, "body"},
		{"empty body", "", "body"},
		{"trailing data", `{"email":"a@b.c"} {}`, "body"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.anon(t).do("POST", "/api/v1/auth/signup", tc.body)
			assert.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))
			assert.Equal(t, "VALIDATION_ERROR", r.code())
			assert.Contains(t, r.Error.Details, tc.field)
		})
	}
	var users int
	require.NoError(t, ts.Store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM users`).Scan(&users))
	assert.Zero(t, users, "no bad request stored anything")

	t.Run("oversized body", func(t *testing.T) {
		r := ts.anon(t).do("POST", "/api/v1/auth/signup", `{"name":"`+strings.Repeat("x", 2<<20)+`"}`)
		assert.Equal(t, http.StatusBadRequest, r.Status)
		assert.Contains(t, r.Error.Details, "body")
	})
}

func TestSwitchTenant(t *testing.T) {
	ts := newTestServer(t, nil)
	ada, _ := ts.signup(t, "Acme")
	_, _ = ts.signup(t, "Globex")
	ctx := context.Background()
	var adaID, acme, globex uuid.UUID
	require.NoError(t, ts.Store.Pool().QueryRow(ctx, `SELECT user_id, tenant_id FROM memberships m JOIN tenants t ON t.id = m.tenant_id WHERE t.name = 'Acme'`).Scan(&adaID, &acme))
	require.NoError(t, ts.Store.Pool().QueryRow(ctx, `SELECT id FROM tenants WHERE name = 'Globex'`).Scan(&globex))

	t.Run("not a member: 404 as for a tenant that does not exist", func(t *testing.T) {
		r := ada.do("POST", "/api/v1/auth/switch", map[string]string{"tenant_id": globex.String()})
		assert.Equal(t, http.StatusNotFound, r.Status)
		r2 := ada.do("POST", "/api/v1/auth/switch", map[string]string{"tenant_id": uuid.NewString()})
		assert.Equal(t, r.Raw[:40], r2.Raw[:40])
	})

	_, err := ts.Store.Pool().Exec(ctx, `INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'viewer')`, globex, adaID)
	require.NoError(t, err)
	var m meData
	ada.do("GET", "/api/v1/me", nil).into(t, &m)
	assert.Len(t, m.Tenants, 2, "me lists every tenant of the user")

	r := ada.do("POST", "/api/v1/auth/switch", map[string]string{"tenant_id": globex.String()})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	var tok tokenData
	r.into(t, &tok)
	assert.Equal(t, globex, tok.TenantID)
	ts.as(t, tok.Token).do("GET", "/api/v1/me", nil).into(t, &m)
	assert.Equal(t, globex, m.Tenant.TenantID)
	assert.Equal(t, "viewer", m.Role)
}

func TestSessionsExpire(t *testing.T) {
	ts := newTestServer(t, map[string]string{"VINSIGHT_SESSION_IDLE_TIMEOUT": "1m", "VINSIGHT_SESSION_MAX_AGE": "1h"})
	c, _ := ts.signup(t, "Acme")
	require.Equal(t, http.StatusOK, c.do("GET", "/api/v1/me", nil).Status)
	ctx := context.Background()

	_, err := ts.Store.Pool().Exec(ctx, `UPDATE sessions SET last_seen_at = now() - interval '2 minutes'`)
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, c.do("GET", "/api/v1/me", nil).Status, "idle limit")

	_, err = ts.Store.Pool().Exec(ctx, `UPDATE sessions SET last_seen_at = now(), expires_at = now() - interval '1 second'`)
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, c.do("GET", "/api/v1/me", nil).Status, "absolute limit")
}

func TestUnauthenticatedCalls(t *testing.T) {
	ts := newTestServer(t, nil)
	for _, token := range []string{"", "vis_nonsense", "vik_nonsense", "Basic abc"} {
		r := ts.as(t, token).do("GET", "/api/v1/me", nil)
		assert.Equal(t, http.StatusUnauthorized, r.Status, "token %q", token)
		assert.Equal(t, "UNAUTHORIZED", r.code())
		assert.NotEmpty(t, r.Header.Get("WWW-Authenticate"))
	}
}

func TestRateLimits(t *testing.T) {
	ts := newTestServer(t, map[string]string{"VINSIGHT_AUTH_RATE_PER_MINUTE": "3",
		"VINSIGHT_API_RATE_PER_SECOND": "1", "VINSIGHT_API_RATE_BURST": "4"})
	t.Run("login per client address", func(t *testing.T) {
		var last response
		for range 4 {
			last = ts.anon(t).do("POST", "/api/v1/auth/login", map[string]string{"email": "x@example.com", "password": "whatever123"})
		}
		assert.Equal(t, http.StatusTooManyRequests, last.Status)
		assert.Equal(t, "RATE_LIMITED", last.code())
		assert.NotEmpty(t, last.Header.Get("Retry-After"))
	})
	t.Run("API per tenant", func(t *testing.T) {
		// Signing up is itself limited per address: make the tenants directly.
		ts2 := newTestServer(t, map[string]string{"VINSIGHT_API_RATE_PER_SECOND": "1", "VINSIGHT_API_RATE_BURST": "4"})
		a, _ := ts2.signup(t, "A")
		b, _ := ts2.signup(t, "B")
		statuses := map[int]int{}
		for range 8 {
			statuses[a.do("GET", "/api/v1/me", nil).Status]++
		}
		assert.Equal(t, 4, statuses[http.StatusOK], "the burst passes")
		assert.Equal(t, 4, statuses[http.StatusTooManyRequests])
		assert.Equal(t, http.StatusOK, b.do("GET", "/api/v1/me", nil).Status, "another tenant has its own budget")
		time.Sleep(1100 * time.Millisecond)
		assert.Equal(t, http.StatusOK, a.do("GET", "/api/v1/me", nil).Status, "the bucket refills")
	})
}
