package api

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/store"
)

func (a *API) monitorRules() model.MonitorRules {
	return model.MonitorRules{MinIntervalSeconds: a.cfg.MinIntervalSeconds}
}

// listMonitors answers one page of the tenant's monitors, filtered by type,
// status, enabled and a name search, sorted by name unless asked otherwise.
func (a *API) listMonitors(c *gin.Context) error {
	v := &errs.ValidationError{}
	page, err := paging(c)
	var pageErr *errs.ValidationError
	if errors.As(err, &pageErr) {
		for field, reason := range pageErr.Fields {
			v.Add(field, reason)
		}
	}
	f := monitorFilter(c, v)
	if err := v.OrNil(); err != nil {
		return err
	}
	f.Limit, f.Offset = page.PerPage, page.Offset()
	list, total, err := a.store.ListMonitors(c.Request.Context(), principal(c).TenantID, f)
	if err != nil {
		return err
	}
	for i := range list {
		a.addHeartbeatURL(&list[i])
	}
	ok(c, http.StatusOK, list, page.Meta(total))
	return nil
}

// monitorFilter reads the list query parameters; unknown values are
// validation errors rather than silently matching nothing.
func monitorFilter(c *gin.Context, v *errs.ValidationError) store.MonitorFilter {
	var f store.MonitorFilter
	if s := c.Query("type"); s != "" {
		f.Type = model.MonitorType(s)
		if !f.Type.Valid() {
			v.Add("type", "must be one of "+oneOf(model.MonitorTypes))
		}
	}
	if s := c.Query("status"); s != "" {
		f.Status = model.MonitorStatus(s)
		if !f.Status.Valid() {
			v.Add("status", "must be one of "+oneOf(model.MonitorStatuses))
		}
	}
	switch s := c.Query("enabled"); s {
	case "":
	case "true", "false":
		enabled := s == "true"
		f.Enabled = &enabled
	default:
		v.Add("enabled", "must be true or false")
	}
	f.Search = strings.TrimSpace(c.Query("q"))
	if utf8.RuneCountInString(f.Search) > model.MaxNameLength || strings.ContainsRune(f.Search, 0) {
		v.Add("q", "must be part of a monitor name (at most 200 characters)")
	}
	if s := c.Query("tag"); s != "" {
		if tags := model.ValidTags(&errs.ValidationError{}, "tag", []string{s}); len(tags) == 1 {
			f.Tag = tags[0]
		} else {
			v.Add("tag", "must be a tag such as prod or eu-db")
		}
	}
	f.Sort = c.Query("sort")
	if f.Sort != "" && !slices.Contains(store.MonitorSorts, f.Sort) {
		v.Add("sort", "must be one of "+oneOf(store.MonitorSorts))
	}
	switch c.Query("order") {
	case "", "asc":
	case "desc":
		f.Desc = true
	default:
		v.Add("order", "must be asc or desc")
	}
	return f
}

func oneOf[T ~string](values []T) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

func (a *API) getMonitor(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	m, err := a.store.GetMonitor(c.Request.Context(), principal(c).TenantID, id)
	if err != nil {
		return err
	}
	a.addHeartbeatURL(&m)
	ok(c, http.StatusOK, m, nil)
	return nil
}

func (a *API) createMonitor(c *gin.Context) error {
	var in model.MonitorInput
	if err := decode(c, &in); err != nil {
		return err
	}
	spec, err := in.Validate(a.monitorRules())
	if err != nil {
		return err
	}
	m, err := a.store.CreateMonitor(c.Request.Context(), principal(c).TenantID, actor(c), spec, a.cfg.MaxMonitorsPerTenant)
	if err != nil {
		return err
	}
	a.addHeartbeatURL(&m)
	ok(c, http.StatusCreated, m, nil)
	return nil
}

// updateMonitor replaces every writable field: an absent field takes its
// default, exactly as on create.
func (a *API) updateMonitor(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in model.MonitorInput
	if err := decode(c, &in); err != nil {
		return err
	}
	spec, err := in.Validate(a.monitorRules())
	if err != nil {
		return err
	}
	m, err := a.store.UpdateMonitor(c.Request.Context(), principal(c).TenantID, actor(c), id, spec)
	if err != nil {
		return err
	}
	a.addHeartbeatURL(&m)
	ok(c, http.StatusOK, m, nil)
	return nil
}

func (a *API) deleteMonitor(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := a.store.DeleteMonitor(c.Request.Context(), principal(c).TenantID, actor(c), id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (a *API) pauseMonitor(c *gin.Context) error  { return a.setMonitorEnabled(c, false) }
func (a *API) resumeMonitor(c *gin.Context) error { return a.setMonitorEnabled(c, true) }

func (a *API) setMonitorEnabled(c *gin.Context, enabled bool) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	m, err := a.store.SetMonitorEnabled(c.Request.Context(), principal(c).TenantID, actor(c), id, enabled)
	if err != nil {
		return err
	}
	a.addHeartbeatURL(&m)
	ok(c, http.StatusOK, m, nil)
	return nil
}

// addHeartbeatURL gives a heartbeat monitor its push URL.
func (a *API) addHeartbeatURL(m *model.Monitor) {
	if m.Type == model.TypeHeartbeat {
		u := a.cfg.PublicURL + "/api/v1/heartbeat/" + m.HeartbeatToken
		m.HeartbeatURL = &u
	}
}
