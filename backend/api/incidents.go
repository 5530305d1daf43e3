package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/store"
)

// listIncidents pages through the tenant's incidents, newest first,
// filtered by monitor_id, state (open, resolved) and a from/to range.
func (a *API) listIncidents(c *gin.Context) error {
	f, page, err := incidentFilter(c)
	if err != nil {
		return err
	}
	if s := c.Query("monitor_id"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			return errs.Invalid("monitor_id", "must be a monitor id (UUID)")
		}
		f.MonitorID = &id
	}
	return a.writeIncidents(c, f, page)
}

// listMonitorIncidents is listIncidents for one monitor, 404 when the
// monitor is not the tenant's.
func (a *API) listMonitorIncidents(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f, page, err := incidentFilter(c)
	if err != nil {
		return err
	}
	if _, err := a.store.GetMonitor(c.Request.Context(), principal(c).TenantID, id); err != nil {
		return err
	}
	f.MonitorID = &id
	return a.writeIncidents(c, f, page)
}

func (a *API) writeIncidents(c *gin.Context, f store.IncidentFilter, page Page) error {
	list, total, err := a.store.ListIncidents(c.Request.Context(), principal(c).TenantID, f)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, list, page.Meta(total))
	return nil
}

func incidentFilter(c *gin.Context) (store.IncidentFilter, Page, error) {
	v := &errs.ValidationError{}
	page, err := paging(c)
	var pageErr *errs.ValidationError
	if errors.As(err, &pageErr) {
		for field, reason := range pageErr.Fields {
			v.Add(field, reason)
		}
	}
	f := store.IncidentFilter{Limit: page.PerPage, Offset: page.Offset()}
	switch s := c.Query("state"); s {
	case "", "open", "resolved":
		f.State = s
	default:
		v.Add("state", "must be open or resolved")
	}
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if s := strings.TrimSpace(c.Query(p.name)); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				v.Add(p.name, "must be an RFC 3339 time such as 2026-12-01T00:00:00Z")
				continue
			}
			*p.dst = &t
		}
	}
	if f.From != nil && f.To != nil && !f.To.After(*f.From) {
		v.Add("to", "must be after from")
	}
	return f, page, v.OrNil()
}

func (a *API) getIncident(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	d, err := a.store.GetIncident(c.Request.Context(), principal(c).TenantID, id)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, d, nil)
	return nil
}

// acknowledgeIncident marks an open incident as handled, which stops its
// reminders.
func (a *API) acknowledgeIncident(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	inc, err := a.store.AcknowledgeIncident(c.Request.Context(), principal(c).TenantID, actor(c), id)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, inc, nil)
	return nil
}

type commentRequest struct {
	Body string `json:"body"`
}

func (a *API) commentIncident(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req commentRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	v := &errs.ValidationError{}
	body := strings.TrimSpace(req.Body)
	switch n := len([]rune(body)); {
	case n == 0:
		v.Add("body", "required")
	case n > 4000:
		v.Add("body", "at most 4000 characters")
	case strings.ContainsRune(body, 0):
		v.Add("body", "must not contain NUL characters")
	}
	if err := v.OrNil(); err != nil {
		return err
	}
	e, err := a.store.CommentIncident(c.Request.Context(), principal(c).TenantID, actor(c), id, body)
	if err != nil {
		return err
	}
	ok(c, http.StatusCreated, e, nil)
	return nil
}
