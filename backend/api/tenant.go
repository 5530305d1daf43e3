package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/rs/zerolog"
)

type deleteTenantRequest struct {
	// Confirm must be the tenant's name, so that no stray request deletes it.
	Confirm string `json:"confirm"`
}

type deleteTenantResponse struct {
	TenantID  uuid.UUID `json:"tenant_id"`
	DeletedAt time.Time `json:"deleted_at"`
	// NextSession logs the user in to their next tenant (the one login
	// would pick); null when they belong to no other.
	NextSession *tokenResponse `json:"next_session"`
}

// deleteTenant deletes the caller's current tenant: an owner's session only,
// confirmed with the tenant's name. Every token of the tenant stops working
// at once and its data is purged in the background; the tenant's own audit
// log goes with it, so the deletion is recorded in the service's log.
func (a *API) deleteTenant(c *gin.Context) error {
	var req deleteTenantRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	p := principal(c)
	ctx := c.Request.Context()
	d, err := a.store.DeleteTenant(ctx, p.TenantID, actor(c), req.Confirm)
	if err != nil {
		return err
	}
	zerolog.Ctx(ctx).Info().Str("tenant_id", d.TenantID.String()).Str("user_id", p.UserID.String()).
		Int("members", d.Members).Msg("tenant deleted")
	a.publicPages.forget(d.StatusPageSlugs...)
	if a.grafana != nil {
		a.grafana.Wake() // its organization is removed in the background, retried there
	}
	resp := deleteTenantResponse{TenantID: d.TenantID, DeletedAt: d.DeletedAt}
	tenants, err := a.store.UserTenants(ctx, p.UserID)
	if err != nil {
		return err
	}
	if len(tenants) > 0 {
		next, err := a.newSession(c, p.UserID, tenants[0].TenantID)
		if err != nil {
			return err
		}
		resp.NextSession = &next
	}
	ok(c, http.StatusOK, resp, nil)
	return nil
}
