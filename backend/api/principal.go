package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
)

const principalKey = "principal"

// authenticate resolves the bearer token (session or API key) into the
// request's principal, or answers 401. Nothing else decides the tenant.
func (a *API) authenticate(c *gin.Context) {
	token, ok := auth.BearerToken(c.GetHeader("Authorization"))
	if !ok {
		c.Header("WWW-Authenticate", `Bearer realm="vinsight"`)
		fail(c, http.StatusUnauthorized, "UNAUTHORIZED", "send Authorization: Bearer <session token or API key>", nil)
		return
	}
	p, err := a.store.Authenticate(c.Request.Context(), token, a.cfg.SessionIdleTimeout)
	if err != nil {
		c.Header("WWW-Authenticate", `Bearer realm="vinsight", error="invalid_token"`)
		writeError(c, err)
		c.Abort()
		return
	}
	c.Set(principalKey, p)
	c.Next()
}

// principal is the authenticated caller; only routes behind authenticate
// call it.
func principal(c *gin.Context) auth.Principal {
	return c.MustGet(principalKey).(auth.Principal)
}

// actor is the caller as the audit log records it.
func actor(c *gin.Context) auth.Actor {
	return principal(c).Actor(requestID(c))
}

// needRole returns ErrForbidden unless the caller holds at least role min.
func needRole(c *gin.Context, min auth.Role) error {
	if !principal(c).Can(min) {
		return errs.ErrForbidden
	}
	return nil
}

// requireRole guards a whole route.
func requireRole(min auth.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := needRole(c, min); err != nil {
			writeError(c, err)
			c.Abort()
			return
		}
		c.Next()
	}
}

// requireUser guards routes that only make sense for a person (sessions,
// tenant switching), not for an API key.
func requireUser(c *gin.Context) {
	if principal(c).IsKey() {
		fail(c, http.StatusForbidden, "FORBIDDEN", "this route needs a user session, not an API key", nil)
		return
	}
	c.Next()
}
