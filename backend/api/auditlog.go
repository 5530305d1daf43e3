package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/store"
)

// listAuditLog pages through the tenant's audit log, newest first,
// optionally only one action (member.update) or resource type (api_key).
func (a *API) listAuditLog(c *gin.Context) error {
	page, err := paging(c)
	if err != nil {
		return err
	}
	v := &errs.ValidationError{}
	filter := store.AuditFilter{
		Action:       cleanText(v, "action", c.Query("action"), 0, 100),
		ResourceType: cleanText(v, "resource_type", c.Query("resource_type"), 0, 100),
	}
	if err := v.OrNil(); err != nil {
		return err
	}
	list, total, err := a.store.ListAuditLog(c.Request.Context(), principal(c).TenantID, filter, page.PerPage, page.Offset())
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, list, page.Meta(total))
	return nil
}
