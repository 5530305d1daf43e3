package api_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/store"
)

// person is one member of a test team.
type person struct {
	client
	ID    uuid.UUID
	Email string
}

// teamOf holds an owner, an admin, a member and a viewer of one tenant.
type teamOf map[string]person

// team signs up a tenant and adds one person of every other role.
func (s *testServer) team(t *testing.T, tenant string) teamOf {
	t.Helper()
	owner, email := s.signup(t, tenant)
	me := s.whoami(t, owner)
	tm := teamOf{"owner": {client: owner, ID: me.User.ID, Email: email}}
	for _, role := range []string{"admin", "member", "viewer"} {
		tm[role] = s.addMember(t, me.Tenant.TenantID, role)
	}
	return tm
}

// knownHash is the hash of the test password, made once: bcrypt is slow on
// purpose, and the role tables build many teams.
var knownHash = sync.OnceValue(func() string {
	h, err := auth.HashPassword("correct horse battery")
	if err != nil {
		panic(err)
	}
	return h
})

// addMember puts a new user with role into the tenant straight through the
// database and logs them in; the invite flow has tests of its own.
func (s *testServer) addMember(t *testing.T, tenantID uuid.UUID, role string) person {
	t.Helper()
	ctx := context.Background()
	email := fmt.Sprintf("member%d@example.com", userSeq.Add(1))
	var id uuid.UUID
	err := s.Store.Pool().QueryRow(ctx, `
		WITH u AS (INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id)
		INSERT INTO memberships (tenant_id, user_id, role) SELECT $4, id, $5 FROM u RETURNING user_id`,
		email, "Test "+role, knownHash(), tenantID, role).Scan(&id)
	require.NoError(t, err)
	token, hash := auth.NewToken(auth.SessionPrefix)
	_, err = s.Store.CreateSession(ctx, store.NewSession{UserID: id, TenantID: tenantID, TokenHash: hash, ExpiresAt: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	return person{client: s.as(t, token), ID: id, Email: email}
}

func (s *testServer) whoami(t *testing.T, c client) meData {
	t.Helper()
	r := c.do("GET", "/api/v1/me", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	var m meData
	r.into(t, &m)
	return m
}

// invite has inviter invite a fresh address; the answer carries the token.
func (s *testServer) invite(t *testing.T, inviter client, role string) inviteData {
	t.Helper()
	email := fmt.Sprintf("invitee%d@example.com", userSeq.Add(1))
	r := inviter.do("POST", "/api/v1/invites", map[string]string{"email": email, "role": role})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var inv inviteData
	r.into(t, &inv)
	require.NotEmpty(t, inv.Token)
	return inv
}

// join brings a new user into the inviter's tenant with role.
func (s *testServer) join(t *testing.T, inviter client, role string) person {
	t.Helper()
	inv := s.invite(t, inviter, role)
	r := accept(s.anon(t), inv.Token, "correct horse battery", "Invited "+role)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var tok tokenData
	r.into(t, &tok)
	return person{client: s.as(t, tok.Token), ID: tok.UserID, Email: inv.Email}
}

type memberData struct {
	UserID   uuid.UUID `json:"user_id"`
	Email    string    `json:"email"`
	Name     string    `json:"name"`
	Role     string    `json:"role"`
	JoinedAt string    `json:"joined_at"`
}

func TestListMembers(t *testing.T) {
	ts := newTestServer(t, nil)
	tm := ts.team(t, "Acme")
	for _, role := range []string{"owner", "admin", "member", "viewer"} {
		t.Run(role, func(t *testing.T) {
			r := tm[role].do("GET", "/api/v1/members", nil)
			require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
			var list []memberData
			r.into(t, &list)
			require.Len(t, list, 4)
			assert.Equal(t, float64(4), r.Meta["total"])
			assert.Equal(t, tm["owner"].ID, list[0].UserID, "earliest member first")
			for _, m := range list {
				assert.Equal(t, m.Role, roleOf(tm, m.UserID))
				assert.NotEmpty(t, m.Email)
				assert.NotEmpty(t, m.JoinedAt)
			}
			assert.NotContains(t, string(r.Raw), "password")
		})
	}

	r := tm["viewer"].do("GET", "/api/v1/members?per_page=3&page=2", nil)
	require.Equal(t, http.StatusOK, r.Status)
	var page []memberData
	r.into(t, &page)
	assert.Len(t, page, 1)
	assert.Equal(t, map[string]any{"page": float64(2), "per_page": float64(3), "total": float64(4)}, r.Meta)
}

func roleOf(tm teamOf, id uuid.UUID) string {
	for role, p := range tm {
		if p.ID == id {
			return role
		}
	}
	return ""
}

// TestMemberRoleRules is the permission matrix for changing roles. Each
// case gets a fresh team; "second owner" first makes the admin an owner.
func TestMemberRoleRules(t *testing.T) {
	ts := newTestServer(t, nil)
	cases := []struct {
		name        string
		by, target  string
		to          string
		secondOwner bool
		status      int
		wantCode    string
	}{
		{name: "owner promotes a member to admin", by: "owner", target: "member", to: "admin", status: 200},
		{name: "owner grants owner", by: "owner", target: "member", to: "owner", status: 200},
		{name: "owner demotes an admin to viewer", by: "owner", target: "admin", to: "viewer", status: 200},
		{name: "admin promotes a viewer to admin", by: "admin", target: "viewer", to: "admin", status: 200},
		{name: "admin demotes themself", by: "admin", target: "admin", to: "member", status: 200},
		{name: "admin may not grant owner", by: "admin", target: "member", to: "owner", status: 403, wantCode: "FORBIDDEN"},
		{name: "admin may not promote themself to owner", by: "admin", target: "admin", to: "owner", status: 403, wantCode: "FORBIDDEN"},
		{name: "admin may not demote an owner", by: "admin", target: "owner", to: "admin", status: 403, wantCode: "FORBIDDEN"},
		{name: "the last owner cannot step down", by: "owner", target: "owner", to: "admin", status: 409, wantCode: "CONFLICT"},
		{name: "an owner steps down when another owner remains", by: "owner", target: "owner", to: "admin", secondOwner: true, status: 200},
		{name: "an owner demotes another owner", by: "owner", target: "admin", to: "member", secondOwner: true, status: 200},
		{name: "member may not change roles", by: "member", target: "viewer", to: "member", status: 403, wantCode: "FORBIDDEN"},
		{name: "viewer may not change roles", by: "viewer", target: "viewer", to: "admin", status: 403, wantCode: "FORBIDDEN"},
		{name: "unknown role", by: "owner", target: "member", to: "superuser", status: 400, wantCode: "VALIDATION_ERROR"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tm := ts.team(t, "Acme")
			if tc.secondOwner {
				r := tm["owner"].do("PUT", "/api/v1/members/"+tm["admin"].ID.String(), map[string]string{"role": "owner"})
				require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
			}
			target := tm[tc.target]
			r := tm[tc.by].do("PUT", "/api/v1/members/"+target.ID.String(), map[string]string{"role": tc.to})
			require.Equal(t, tc.status, r.Status, string(r.Raw))
			assert.Equal(t, tc.wantCode, r.code())
			if tc.status == http.StatusOK {
				var m memberData
				r.into(t, &m)
				assert.Equal(t, tc.to, m.Role)
				assert.Equal(t, target.Email, m.Email)
				assert.Equal(t, tc.to, ts.whoami(t, target.client).Role, "the new role applies to the member's live session")
			} else if tc.status != http.StatusBadRequest {
				assert.NotEmpty(t, r.Error.Message)
				assert.Equal(t, tc.target, roleOf(tm, target.ID))
				assert.Equal(t, tc.target, ts.whoami(t, target.client).Role, "a refused change changes nothing")
			}
		})
	}
	t.Run("last owner message", func(t *testing.T) {
		tm := ts.team(t, "Acme")
		r := tm["owner"].do("PUT", "/api/v1/members/"+tm["owner"].ID.String(), map[string]string{"role": "viewer"})
		require.Equal(t, http.StatusConflict, r.Status)
		assert.Contains(t, r.Error.Message, "last owner")
	})
	t.Run("unknown and malformed ids are 404", func(t *testing.T) {
		tm := ts.team(t, "Acme")
		for _, id := range []string{uuid.NewString(), "not-a-uuid", "1"} {
			r := tm["owner"].do("PUT", "/api/v1/members/"+id, map[string]string{"role": "viewer"})
			assert.Equal(t, http.StatusNotFound, r.Status, id)
			r = tm["owner"].do("DELETE", "/api/v1/members/"+id, nil)
			assert.Equal(t, http.StatusNotFound, r.Status, id)
		}
	})
}

// TestMemberRemovalRules is the permission matrix for removing members and
// leaving. A member or viewer leaving is not reachable while the route is
// guarded for admins; the store allows it.
func TestMemberRemovalRules(t *testing.T) {
	ts := newTestServer(t, nil)
	cases := []struct {
		name        string
		by, target  string
		secondOwner bool
		status      int
	}{
		{name: "owner removes an admin", by: "owner", target: "admin", status: 204},
		{name: "owner removes a viewer", by: "owner", target: "viewer", status: 204},
		{name: "admin removes a member", by: "admin", target: "member", status: 204},
		{name: "admin leaves", by: "admin", target: "admin", status: 204},
		{name: "admin may not remove an owner", by: "admin", target: "owner", status: 403},
		{name: "the last owner cannot leave", by: "owner", target: "owner", status: 409},
		{name: "an owner leaves when another owner remains", by: "owner", target: "owner", secondOwner: true, status: 204},
		{name: "an owner removes another owner", by: "owner", target: "admin", secondOwner: true, status: 204},
		{name: "member may not remove others", by: "member", target: "viewer", status: 403},
		{name: "viewer may not remove others", by: "viewer", target: "member", status: 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tm := ts.team(t, "Acme")
			if tc.secondOwner {
				r := tm["owner"].do("PUT", "/api/v1/members/"+tm["admin"].ID.String(), map[string]string{"role": "owner"})
				require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
			}
			target := tm[tc.target]
			r := tm[tc.by].do("DELETE", "/api/v1/members/"+target.ID.String(), nil)
			require.Equal(t, tc.status, r.Status, string(r.Raw))

			me := target.do("GET", "/api/v1/me", nil)
			if tc.status == http.StatusNoContent {
				assert.Equal(t, http.StatusUnauthorized, me.Status, "a removed member's session stops working at once")
				r := someoneBut(tm, tc.target).do("GET", "/api/v1/members", nil)
				assert.Equal(t, float64(3), r.Meta["total"])
				assert.NotContains(t, string(r.Raw), target.ID.String())
			} else {
				assert.Equal(t, http.StatusOK, me.Status, "a refused removal changes nothing")
				assert.NotEmpty(t, r.Error.Message)
			}
		})
	}
}

// someoneBut is any member of the team other than role.
func someoneBut(tm teamOf, role string) person {
	for _, r := range []string{"owner", "admin", "member", "viewer"} {
		if r != role {
			return tm[r]
		}
	}
	panic("a team has four people")
}

func TestRemovedMemberInvitedBackNeedsNewSession(t *testing.T) {
	ts := newTestServer(t, nil)
	tm := ts.team(t, "Acme")
	oldSession := tm["member"]
	require.Equal(t, http.StatusNoContent, tm["owner"].do("DELETE", "/api/v1/members/"+oldSession.ID.String(), nil).Status)

	r := tm["owner"].do("POST", "/api/v1/invites", map[string]string{"email": oldSession.Email, "role": "viewer"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var inv struct {
		Token string `json:"token"`
	}
	r.into(t, &inv)
	r = ts.anon(t).do("POST", "/api/v1/invites/accept", map[string]string{"token": inv.Token, "password": "correct horse battery"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))

	assert.Equal(t, http.StatusUnauthorized, oldSession.do("GET", "/api/v1/me", nil).Status,
		"sessions from before the removal stay revoked")
	var tok tokenData
	r.into(t, &tok)
	assert.Equal(t, "viewer", ts.whoami(t, ts.as(t, tok.Token)).Role)
}

// route is one call a test makes.
type route struct {
	method, path string
	body         any
}

// adminRoutes are every route that needs an owner or an admin, aimed at
// rows of tm's tenant with bodies that would be accepted.
func adminRoutes(tm teamOf, keyID, inviteID uuid.UUID) []route {
	return []route{
		{"PUT", "/api/v1/members/" + tm["admin"].ID.String(), map[string]string{"role": "viewer"}},
		{"DELETE", "/api/v1/members/" + tm["admin"].ID.String(), nil},
		{"GET", "/api/v1/invites", nil},
		{"POST", "/api/v1/invites", map[string]string{"email": "new@example.com", "role": "viewer"}},
		{"DELETE", "/api/v1/invites/" + inviteID.String(), nil},
		{"GET", "/api/v1/api-keys", nil},
		{"POST", "/api/v1/api-keys", map[string]string{"name": "k", "scope": "write"}},
		{"DELETE", "/api/v1/api-keys/" + keyID.String(), nil},
		{"GET", "/api/v1/audit-log", nil},
	}
}

// pendingInvite creates an invitation and returns its id.
func pendingInvite(t *testing.T, inviter client) (uuid.UUID, string) {
	t.Helper()
	email := fmt.Sprintf("pending%d@example.com", userSeq.Add(1))
	r := inviter.do("POST", "/api/v1/invites", map[string]string{"email": email, "role": "member"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	var inv struct {
		ID uuid.UUID `json:"id"`
	}
	r.into(t, &inv)
	return inv.ID, email
}

// TestAdminRoutesNeedAnAdmin: viewers, members and API keys of either scope
// (which act as viewer and member) get 403 on every admin route, and
// nothing changes.
func TestAdminRoutesNeedAnAdmin(t *testing.T) {
	ts := newTestServer(t, nil)
	tm := ts.team(t, "Acme")
	readKey, _ := ts.apiKey(t, tm["owner"].client, "read")
	writeKey, keyID := ts.apiKey(t, tm["owner"].client, "write")
	inviteID, _ := pendingInvite(t, tm["owner"].client)
	callers := []struct {
		name string
		c    client
	}{{"viewer", tm["viewer"].client}, {"member", tm["member"].client}, {"read key", readKey}, {"write key", writeKey}}
	for _, caller := range callers {
		for _, rt := range adminRoutes(tm, keyID, inviteID) {
			t.Run(caller.name+" "+rt.method+" "+rt.path, func(t *testing.T) {
				r := caller.c.do(rt.method, rt.path, rt.body)
				assert.Equal(t, http.StatusForbidden, r.Status, string(r.Raw))
				assert.Equal(t, "FORBIDDEN", r.code())
			})
		}
	}

	owner := tm["owner"]
	assert.Equal(t, float64(4), owner.do("GET", "/api/v1/members", nil).Meta["total"])
	assert.Equal(t, float64(2), owner.do("GET", "/api/v1/api-keys", nil).Meta["total"])
	assert.Equal(t, float64(1), owner.do("GET", "/api/v1/invites", nil).Meta["total"])
	assert.Equal(t, "admin", ts.whoami(t, tm["admin"].client).Role)
}

// TestAdminRoutesStayInTheirTenant: another tenant's owner and admin get
// 404 for every id of this tenant, as for ids that do not exist, and never
// see this tenant's rows in their lists.
func TestAdminRoutesStayInTheirTenant(t *testing.T) {
	ts := newTestServer(t, nil)
	a := ts.team(t, "Alpha")
	aKey, aKeyID := ts.apiKey(t, a["owner"].client, "write")
	aInviteID, aInviteEmail := pendingInvite(t, a["owner"].client)
	bOwner, _ := ts.signup(t, "Beta")
	bAdmin := ts.join(t, bOwner, "admin")

	foreign := []string{aKeyID.String(), aInviteID.String(), aInviteEmail}
	for _, p := range a {
		foreign = append(foreign, p.ID.String(), p.Email)
	}
	for name, c := range map[string]client{"owner": bOwner, "admin": bAdmin.client} {
		t.Run(name, func(t *testing.T) {
			for _, rt := range adminRoutes(a, aKeyID, aInviteID) {
				if rt.method == "GET" || rt.method == "POST" {
					continue
				}
				r := c.do(rt.method, rt.path, rt.body)
				assert.Equal(t, http.StatusNotFound, r.Status, "%s %s: %s", rt.method, rt.path, r.Raw)
				assert.Equal(t, "NOT_FOUND", r.code())
			}
			r := c.do("PUT", "/api/v1/members/"+a["owner"].ID.String(), map[string]string{"role": "viewer"})
			assert.Equal(t, http.StatusNotFound, r.Status)
			for _, list := range []string{"/api/v1/members", "/api/v1/api-keys", "/api/v1/invites", "/api/v1/audit-log"} {
				r := c.do("GET", list, nil)
				require.Equal(t, http.StatusOK, r.Status, list)
				for _, s := range foreign {
					assert.NotContains(t, string(r.Raw), s, "%s shows a row of another tenant", list)
				}
			}
		})
	}

	assert.Equal(t, http.StatusOK, aKey.do("GET", "/api/v1/me", nil).Status, "the key survived")
	assert.Equal(t, float64(1), a["owner"].do("GET", "/api/v1/invites", nil).Meta["total"], "the invite survived")
	assert.Equal(t, "admin", ts.whoami(t, a["admin"].client).Role, "the admin kept role and membership")
}
