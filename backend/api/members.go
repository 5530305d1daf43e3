package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
)

// listMembers shows every member of the tenant to any member: who is on the
// team is not a secret within it.
func (a *API) listMembers(c *gin.Context) error {
	page, err := paging(c)
	if err != nil {
		return err
	}
	list, total, err := a.store.ListMembers(c.Request.Context(), principal(c).TenantID, page.PerPage, page.Offset())
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, list, page.Meta(total))
	return nil
}

type memberUpdateRequest struct {
	Role auth.Role `json:"role"`
}

// updateMember changes a member's role; the store applies the permission
// matrix inside the transaction that makes the change.
func (a *API) updateMember(c *gin.Context) error {
	userID, err := pathID(c, "user_id")
	if err != nil {
		return err
	}
	var req memberUpdateRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if !req.Role.Valid() {
		return errs.Invalid("role", "must be owner, admin, member or viewer")
	}
	m, err := a.store.UpdateMemberRole(c.Request.Context(), principal(c).TenantID, actor(c), userID, req.Role)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, m, nil)
	return nil
}

// removeMember removes a member, or lets the caller leave when the id is
// their own.
func (a *API) removeMember(c *gin.Context) error {
	userID, err := pathID(c, "user_id")
	if err != nil {
		return err
	}
	if err := a.store.RemoveMember(c.Request.Context(), principal(c).TenantID, actor(c), userID); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
