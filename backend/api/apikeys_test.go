package api_test

import (
	"context"
	"crypto/sha256"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type apiKeyData struct {
	ID         uuid.UUID  `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Scope      string     `json:"scope"`
	CreatedAt  string     `json:"created_at"`
	LastUsedAt *string    `json:"last_used_at"`
	CreatedBy  *uuid.UUID `json:"created_by"`
	Key        string     `json:"key"`
}

// apiKey has admin create a key of scope and returns a client using it.
func (s *testServer) apiKey(t *testing.T, admin client, scope string) (client, uuid.UUID) {
	t.Helper()
	r := admin.do("POST", "/api/v1/api-keys", map[string]string{"name": scope + " key", "scope": scope})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var k apiKeyData
	r.into(t, &k)
	return s.as(t, k.Key), k.ID
}

func TestAPIKeyLifecycle(t *testing.T) {
	ts := newTestServer(t, nil)
	tm := ts.team(t, "Acme")
	admin := tm["admin"]

	r := admin.do("POST", "/api/v1/api-keys", map[string]string{"name": "  Grafana  ", "scope": "write"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var created apiKeyData
	r.into(t, &created)
	assert.True(t, strings.HasPrefix(created.Key, "vik_"), created.Key)
	assert.Equal(t, created.Key[:12], created.Prefix)
	assert.Equal(t, "Grafana", created.Name)
	assert.Equal(t, "write", created.Scope)
	assert.NotEmpty(t, created.CreatedAt)
	require.NotNil(t, created.CreatedBy)
	assert.Equal(t, admin.ID, *created.CreatedBy)

	t.Run("only the SHA-256 is stored", func(t *testing.T) {
		var hash []byte
		var prefix string
		err := ts.Store.Pool().QueryRow(context.Background(),
			`SELECT key_hash, prefix FROM api_keys WHERE id = $1`, created.ID).Scan(&hash, &prefix)
		require.NoError(t, err)
		sum := sha256.Sum256([]byte(created.Key))
		assert.Equal(t, sum[:], hash)
		assert.Equal(t, created.Prefix, prefix)
	})

	key := ts.as(t, created.Key)
	t.Run("the key works where a session does, as a member", func(t *testing.T) {
		me := ts.whoami(t, key)
		assert.Equal(t, "member", me.Role)
		assert.Equal(t, http.StatusOK, key.do("GET", "/api/v1/members", nil).Status)
		assert.Equal(t, http.StatusForbidden, key.do("GET", "/api/v1/sessions", nil).Status, "sessions are a person's")
	})

	t.Run("the list shows it without its secret", func(t *testing.T) {
		r := tm["owner"].do("GET", "/api/v1/api-keys", nil)
		require.Equal(t, http.StatusOK, r.Status)
		var list []apiKeyData
		r.into(t, &list)
		require.Len(t, list, 1)
		assert.Equal(t, created.ID, list[0].ID)
		assert.Equal(t, created.Prefix, list[0].Prefix)
		assert.NotNil(t, list[0].LastUsedAt, "the key was used")
		assert.Empty(t, list[0].Key)
		assert.NotContains(t, string(r.Raw), created.Key)
		assert.NotContains(t, string(r.Raw), "hash")
		assert.Equal(t, map[string]any{"page": float64(1), "per_page": float64(50), "total": float64(1)}, r.Meta)
	})

	t.Run("revoking ends it at once", func(t *testing.T) {
		assert.Equal(t, http.StatusNoContent, admin.do("DELETE", "/api/v1/api-keys/"+created.ID.String(), nil).Status)
		r := key.do("GET", "/api/v1/me", nil)
		assert.Equal(t, http.StatusUnauthorized, r.Status)
		assert.Equal(t, "UNAUTHORIZED", r.code())
		assert.Equal(t, http.StatusNotFound, admin.do("DELETE", "/api/v1/api-keys/"+created.ID.String(), nil).Status)
		assert.Equal(t, float64(0), admin.do("GET", "/api/v1/api-keys", nil).Meta["total"])
	})

	t.Run("unknown and malformed ids are 404", func(t *testing.T) {
		for _, id := range []string{uuid.NewString(), "nope", "%00"} {
			r := admin.do("DELETE", "/api/v1/api-keys/"+id, nil)
			assert.Equal(t, http.StatusNotFound, r.Status, id)
		}
	})
}

func TestAPIKeyReadScope(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Acme")
	r := owner.do("POST", "/api/v1/api-keys", map[string]string{"name": "dashboards"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var k apiKeyData
	r.into(t, &k)
	assert.Equal(t, "read", k.Scope, "a key without a scope is read-only")
	key := ts.as(t, k.Key)
	assert.Equal(t, "viewer", ts.whoami(t, key).Role)
	assert.Equal(t, http.StatusOK, key.do("GET", "/api/v1/members", nil).Status)
}

func TestAPIKeyValidation(t *testing.T) {
	ts := newTestServer(t, nil)
	owner, _ := ts.signup(t, "Acme")
	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"no name", map[string]string{"scope": "read"}, "name"},
		{"blank name", map[string]string{"name": "   ", "scope": "read"}, "name"},
		{"long name", map[string]string{"name": strings.Repeat("k", 101), "scope": "read"}, "name"},
		{"control characters", map[string]string{"name": "a\x00b", "scope": "read"}, "name"},
		{"unknown scope", map[string]string{"name": "k", "scope": "admin"}, "scope"},
		{"scope of the wrong type", map[string]any{"name": "k", "scope": 1}, "scope"},
		{"unknown field", map[string]string{"name": "k", "scope": "read", "key": "vik_mine"}, "key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := owner.do("POST", "/api/v1/api-keys", tc.body)
			require.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))
			assert.Equal(t, "VALIDATION_ERROR", r.code())
			assert.Contains(t, r.Error.Details, tc.field)
		})
	}
	assert.Equal(t, float64(0), owner.do("GET", "/api/v1/api-keys", nil).Meta["total"], "nothing was stored")
	assert.Equal(t, http.StatusCreated, owner.do("POST", "/api/v1/api-keys",
		map[string]string{"name": strings.Repeat("k", 100), "scope": "write"}).Status, "100 characters is fine")
}
