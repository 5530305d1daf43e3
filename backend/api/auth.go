package api

import (
	"errors"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/store"
)

const minPasswordLen = 10

type signupRequest struct {
	Email      string `json:"email"`
	Password   string `json:"password"`
	Name       string `json:"name"`
	TenantName string `json:"tenant_name"`
}

// tokenResponse is what every route that logs someone in returns.
type tokenResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	TenantID  uuid.UUID `json:"tenant_id"`
	UserID    uuid.UUID `json:"user_id"`
}

// validEmail normalises an address or records why it is not one.
func validEmail(v *errs.ValidationError, field, email string) string {
	email = store.NormalizeEmail(email)
	addr, err := mail.ParseAddress(email)
	if email == "" {
		v.Add(field, "required")
	} else if err != nil || addr.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndex(email, "@")+1:], ".") {
		v.Add(field, "must be an email address such as ada@example.com")
	}
	return email
}

func validPassword(v *errs.ValidationError, field, pw string) {
	switch {
	case len([]rune(pw)) < minPasswordLen:
		v.Add(field, "at least 10 characters")
	case len(pw) > 72:
		v.Add(field, "at most 72 bytes") // bcrypt's limit: more would be silently ignored
	}
}

// signup creates a tenant and its owner in one transaction and logs in.
func (a *API) signup(c *gin.Context) error {
	var req signupRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	v := &errs.ValidationError{}
	email := validEmail(v, "email", req.Email)
	validPassword(v, "password", req.Password)
	name := cleanText(v, "name", req.Name, 1, 100)
	tenantName := cleanText(v, "tenant_name", req.TenantName, 1, 100)
	if err := v.OrNil(); err != nil {
		return err
	}
	hash, err := auth.HashPassword(req.Password)
	if err != nil {
		return err
	}
	tenantID, userID, err := a.store.CreateTenantWithOwner(c.Request.Context(), store.NewOwner{
		TenantName: tenantName, Email: email, Name: name, PasswordHash: hash, RequestID: requestID(c),
	})
	if errors.Is(err, errs.ErrConflict) {
		tenantID, userID, err = a.signupAgain(c, email, req.Password, tenantName, err)
	}
	if err != nil {
		return err
	}
	if a.grafana != nil {
		a.grafana.Wake() // the organization is made in the background, retried there
	}
	return a.issueSession(c, http.StatusCreated, userID, tenantID)
}

// signupAgain lets an account that belongs to no tenant any more (its last
// tenant was deleted, or it was removed from it) start a new tenant by
// signing up with its email and password; the account keeps its name. Any
// other signup of a taken email fails with taken, as before.
func (a *API) signupAgain(c *gin.Context, email, password, tenantName string, taken error) (tenantID, userID uuid.UUID, err error) {
	ctx := c.Request.Context()
	user, err := a.store.UserByEmail(ctx, email)
	if err != nil || !auth.CheckPassword(user.PasswordHash, password) {
		return uuid.Nil, uuid.Nil, taken
	}
	tenantID, err = a.store.CreateTenantForUser(ctx, user.ID, tenantName, requestID(c))
	if errors.Is(err, errs.ErrConflict) {
		return uuid.Nil, uuid.Nil, taken
	}
	return tenantID, user.ID, err
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// login answers the same, in the same time, for an unknown email and a
// wrong password: both cost one bcrypt comparison.
func (a *API) login(c *gin.Context) error {
	var req loginRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	user, err := a.store.UserByEmail(c.Request.Context(), req.Email)
	hash := user.PasswordHash
	if err != nil {
		hash = a.dummyHash
	}
	if !auth.CheckPassword(hash, req.Password) || err != nil {
		fail(c, http.StatusUnauthorized, "INVALID_CREDENTIALS", "email or password is wrong", nil)
		return nil
	}
	tenants, err := a.store.UserTenants(c.Request.Context(), user.ID)
	if err != nil {
		return err
	}
	if len(tenants) == 0 {
		fail(c, http.StatusForbidden, "NO_TENANT",
			"this account belongs to no tenant any more: accept an invitation, or sign up again with this email and password to start a new one", nil)
		return nil
	}
	return a.issueSession(c, http.StatusOK, user.ID, tenants[0].TenantID)
}

// issueSession creates a session for a member and answers with its token.
func (a *API) issueSession(c *gin.Context, status int, userID, tenantID uuid.UUID) error {
	tok, err := a.newSession(c, userID, tenantID)
	if err != nil {
		return err
	}
	ok(c, status, tok, nil)
	return nil
}

// newSession creates a session of the request's client for a member.
func (a *API) newSession(c *gin.Context, userID, tenantID uuid.UUID) (tokenResponse, error) {
	token, hash := auth.NewToken(auth.SessionPrefix)
	expires := time.Now().Add(a.cfg.SessionMaxAge).UTC()
	_, err := a.store.CreateSession(c.Request.Context(), store.NewSession{
		UserID: userID, TenantID: tenantID, TokenHash: hash,
		UserAgent: c.Request.UserAgent(), ClientIP: c.ClientIP(), ExpiresAt: expires,
	})
	if err != nil {
		return tokenResponse{}, err
	}
	return tokenResponse{Token: token, ExpiresAt: expires, TenantID: tenantID, UserID: userID}, nil
}

// logout revokes the token of the request.
func (a *API) logout(c *gin.Context) error {
	p := principal(c)
	if err := a.store.RevokeSession(c.Request.Context(), p.UserID, p.SessionID); err != nil {
		return err
	}
	ok(c, http.StatusOK, gin.H{"logged_out": true}, nil)
	return nil
}

type switchRequest struct {
	TenantID string `json:"tenant_id"`
}

// switchTenant issues a token for another of the user's memberships.
func (a *API) switchTenant(c *gin.Context) error {
	var req switchRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	id, err := uuid.Parse(req.TenantID)
	if err != nil {
		return errs.Invalid("tenant_id", "must be the id of a tenant you belong to")
	}
	err = a.issueSession(c, http.StatusOK, principal(c).UserID, id)
	if err != nil && isForbidden(err) {
		// Not a member: exactly like a tenant that does not exist.
		return errs.ErrNotFound
	}
	return err
}

type meResponse struct {
	User    *store.User        `json:"user"`
	APIKey  *apiKeyIdentity    `json:"api_key"`
	Tenant  store.Membership   `json:"tenant"`
	Role    auth.Role          `json:"role"`
	Tenants []store.Membership `json:"tenants"`
}

type apiKeyIdentity struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
}

// me names the caller, the current tenant, the role and every tenant the
// user belongs to.
func (a *API) me(c *gin.Context) error {
	p := principal(c)
	ctx := c.Request.Context()
	resp := meResponse{Role: p.Role}
	tenant, err := a.store.TenantName(ctx, p.TenantID)
	if err != nil {
		return err
	}
	resp.Tenant = store.Membership{TenantID: p.TenantID, TenantName: tenant, Role: p.Role}
	if p.IsKey() {
		resp.APIKey = &apiKeyIdentity{ID: p.APIKeyID, Name: p.Name}
		resp.Tenants = []store.Membership{resp.Tenant}
	} else {
		user, err := a.store.UserByID(ctx, p.UserID)
		if err != nil {
			return err
		}
		resp.User = &user
		if resp.Tenants, err = a.store.UserTenants(ctx, p.UserID); err != nil {
			return err
		}
	}
	ok(c, http.StatusOK, resp, nil)
	return nil
}

func (a *API) listSessions(c *gin.Context) error {
	p := principal(c)
	list, err := a.store.ListSessions(c.Request.Context(), p.UserID, p.SessionID, a.cfg.SessionIdleTimeout)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, list, map[string]any{"total": len(list)})
	return nil
}

func (a *API) revokeSession(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := a.store.RevokeSession(c.Request.Context(), principal(c).UserID, id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func isForbidden(err error) bool { return errors.Is(err, errs.ErrForbidden) }
