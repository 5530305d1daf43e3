package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vinsight/vinsight/internal/model"
)

func (a *API) listMaintenanceWindows(c *gin.Context) error {
	page, err := paging(c)
	if err != nil {
		return err
	}
	list, total, err := a.store.ListMaintenanceWindows(c.Request.Context(), principal(c).TenantID, page.PerPage, page.Offset())
	if err != nil {
		return err
	}
	now := time.Now()
	for i := range list {
		list[i] = list[i].WithStatus(now)
	}
	ok(c, http.StatusOK, list, page.Meta(total))
	return nil
}

func (a *API) getMaintenanceWindow(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	w, err := a.store.GetMaintenanceWindow(c.Request.Context(), principal(c).TenantID, id)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, w.WithStatus(time.Now()), nil)
	return nil
}

// windowInput decodes and validates a create or update request.
func windowInput(c *gin.Context) (model.MaintenanceWindow, error) {
	var in model.MaintenanceInput
	if err := decode(c, &in); err != nil {
		return model.MaintenanceWindow{}, err
	}
	return in.Validate()
}

func (a *API) createMaintenanceWindow(c *gin.Context) error {
	w, err := windowInput(c)
	if err != nil {
		return err
	}
	w, err = a.store.CreateMaintenanceWindow(c.Request.Context(), principal(c).TenantID, actor(c), w)
	if err != nil {
		return err
	}
	ok(c, http.StatusCreated, w.WithStatus(time.Now()), nil)
	return nil
}

func (a *API) updateMaintenanceWindow(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	w, err := windowInput(c)
	if err != nil {
		return err
	}
	w, err = a.store.UpdateMaintenanceWindow(c.Request.Context(), principal(c).TenantID, actor(c), id, w)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, w.WithStatus(time.Now()), nil)
	return nil
}

func (a *API) deleteMaintenanceWindow(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := a.store.DeleteMaintenanceWindow(c.Request.Context(), principal(c).TenantID, actor(c), id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
