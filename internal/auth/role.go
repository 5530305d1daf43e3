package auth

import "github.com/google/uuid"

// Role is a member's role in a tenant.
type Role string

// The roles, most powerful first.
const (
	Owner  Role = "owner"
	Admin  Role = "admin"
	Member Role = "member"
	Viewer Role = "viewer"
)

var rank = map[Role]int{Viewer: 1, Member: 2, Admin: 3, Owner: 4}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return rank[r] > 0 }

// AtLeast reports whether r has every permission of min.
func (r Role) AtLeast(min Role) bool { return rank[r] >= rank[min] }

// Key scopes.
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
)

// Principal is who is calling: a user's session in one tenant, or an API
// key of a tenant. The tenant comes from here and nowhere else.
type Principal struct {
	TenantID  uuid.UUID
	UserID    uuid.UUID // zero for an API key
	SessionID uuid.UUID // zero for an API key
	APIKeyID  uuid.UUID // zero for a session
	Role      Role
	Name      string // the user's email or the key's name
}

// IsKey reports whether the principal is an API key.
func (p Principal) IsKey() bool { return p.APIKeyID != uuid.Nil }

// Can reports whether the principal holds at least role min. A read-scoped
// key acts as a viewer, a write-scoped key as a member.
func (p Principal) Can(min Role) bool { return p.Role.AtLeast(min) }

// Actor is the principal as the audit log records it.
type Actor struct {
	Type      string // user, api_key or system
	ID        uuid.UUID
	Name      string
	RequestID string
}

// Actor returns the audit actor of this principal for one request.
func (p Principal) Actor(requestID string) Actor {
	if p.IsKey() {
		return Actor{Type: "api_key", ID: p.APIKeyID, Name: p.Name, RequestID: requestID}
	}
	return Actor{Type: "user", ID: p.UserID, Name: p.Name, RequestID: requestID}
}

// KeyRole is the role an API key of the given scope acts with.
func KeyRole(scope string) Role {
	if scope == ScopeWrite {
		return Member
	}
	return Viewer
}
