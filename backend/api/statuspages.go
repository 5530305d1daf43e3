package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"golang.org/x/sync/singleflight"

	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/store"
)

func (a *API) listStatusPages(c *gin.Context) error {
	page, err := paging(c)
	if err != nil {
		return err
	}
	list, total, err := a.store.ListStatusPages(c.Request.Context(), principal(c).TenantID, page.PerPage, page.Offset())
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, list, page.Meta(total))
	return nil
}

func (a *API) getStatusPage(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := a.store.GetStatusPage(c.Request.Context(), principal(c).TenantID, id)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, p, nil)
	return nil
}

// statusPageInput decodes and validates a create or update request.
func statusPageInput(c *gin.Context) (model.StatusPage, error) {
	var in model.StatusPageInput
	if err := decode(c, &in); err != nil {
		return model.StatusPage{}, err
	}
	return in.Validate()
}

func (a *API) createStatusPage(c *gin.Context) error {
	p, err := statusPageInput(c)
	if err != nil {
		return err
	}
	p, err = a.store.CreateStatusPage(c.Request.Context(), principal(c).TenantID, actor(c), p)
	if err != nil {
		return err
	}
	a.publicPages.forget(p.Slug)
	ok(c, http.StatusCreated, p, nil)
	return nil
}

func (a *API) updateStatusPage(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := statusPageInput(c)
	if err != nil {
		return err
	}
	p, oldSlug, err := a.store.UpdateStatusPage(c.Request.Context(), principal(c).TenantID, actor(c), id, p)
	if err != nil {
		return err
	}
	a.publicPages.forget(oldSlug, p.Slug)
	ok(c, http.StatusOK, p, nil)
	return nil
}

func (a *API) deleteStatusPage(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := a.store.DeleteStatusPage(c.Request.Context(), principal(c).TenantID, actor(c), id)
	if err != nil {
		return err
	}
	a.publicPages.forget(p.Slug)
	c.Status(http.StatusNoContent)
	return nil
}

// publicPageCacheControl lets browsers and CDNs keep a public page for 30
// seconds and serve a stale one while they fetch the next.
const publicPageCacheControl = "public, max-age=30, stale-while-revalidate=60"

// publicStatusPage answers GET /public/status-pages/:slug without
// credentials: a published page's monitors by name with their status and
// daily uptime, and their open and recent incidents. It names no ids, no
// targets and no error texts. Rendered pages are kept in the process for a
// few seconds and carry an ETag, so a traffic spike costs the database one
// read per page per few seconds.
func (a *API) publicStatusPage(c *gin.Context) error {
	page, err := a.publicPages.get(c.Request.Context(), strings.ToLower(c.Param("slug")), a.renderStatusPage)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", publicPageCacheControl)
	c.Header("ETag", page.etag)
	if etagMatches(c.GetHeader("If-None-Match"), page.etag) {
		c.Status(http.StatusNotModified)
		return nil
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", page.body)
	return nil
}

// publicPage is what a status page shows to anyone.
type publicPage struct {
	Slug        string           `json:"slug"`
	Title       string           `json:"title"`
	Description string           `json:"description"`
	LogoURL     string           `json:"logo_url"`
	Status      string           `json:"status"` // operational, degraded, partial_outage, major_outage or unknown
	Days        []string         `json:"days"`
	Monitors    []publicMonitor  `json:"monitors"`
	Incidents   []publicIncident `json:"incidents"`
}

type publicMonitor struct {
	Name        string              `json:"name"`
	Status      model.MonitorStatus `json:"status"`
	Uptime      *float64            `json:"uptime"` // over all the days
	DailyUptime []*float64          `json:"daily_uptime"`
	DailyFailed []int64             `json:"daily_failed"`
}

type publicIncident struct {
	Monitor         string     `json:"monitor"`
	Status          string     `json:"status"` // open or resolved
	Cause           string     `json:"cause"`  // down or degraded
	StartedAt       time.Time  `json:"started_at"`
	ResolvedAt      *time.Time `json:"resolved_at"`
	DurationSeconds int64      `json:"duration_seconds"`
}

// Incidents on a public page: the open ones and those resolved within the
// last recentIncidents, at most maxPublicIncidents.
const (
	recentIncidents    = 14 * 24 * time.Hour
	maxPublicIncidents = 50
)

// renderStatusPage reads a published page and encodes its public envelope.
func (a *API) renderStatusPage(ctx context.Context, slug string) ([]byte, error) {
	p, err := a.store.PublishedStatusPage(ctx, slug)
	if err != nil {
		return nil, err
	}
	now := a.now()
	out := publicPage{Slug: p.Slug, Title: p.Title, Description: p.Description, LogoURL: p.LogoURL,
		Monitors: []publicMonitor{}, Incidents: []publicIncident{}}
	// IDs is never nil here, so an empty page selects no monitors (not all).
	rows, _, days, err := a.store.Dashboard(ctx, p.TenantID, store.MonitorFilter{IDs: p.MonitorIDs}, dashboardDays, now)
	if err != nil {
		return nil, err
	}
	for _, d := range days {
		out.Days = append(out.Days, d.Format(time.DateOnly))
	}
	// The tenant's order, not the store's.
	order := make(map[uuid.UUID]int, len(p.MonitorIDs))
	for i, id := range p.MonitorIDs {
		order[id] = i
	}
	slices.SortFunc(rows, func(x, y store.DashboardRow) int { return order[x.ID] - order[y.ID] })
	live := make([]uuid.UUID, 0, len(rows))
	for _, r := range rows {
		live = append(live, r.ID)
		m := publicMonitor{Name: r.Name, Status: r.Status, DailyUptime: make([]*float64, len(r.Daily)), DailyFailed: make([]int64, len(r.Daily))}
		var all model.Rollup
		for i, day := range r.Daily {
			m.DailyUptime[i], m.DailyFailed[i] = day.Uptime(), day.Failed()
			all.Add(day)
		}
		m.Uptime = all.Uptime()
		out.Monitors = append(out.Monitors, m)
	}
	out.Status = overallStatus(out.Monitors)
	incidents, err := a.store.MonitorIncidents(ctx, p.TenantID, live, now.Add(-recentIncidents), maxPublicIncidents)
	if err != nil {
		return nil, err
	}
	for _, inc := range incidents {
		out.Incidents = append(out.Incidents, publicIncident{Monitor: inc.MonitorName, Status: inc.Status, Cause: inc.Cause,
			StartedAt: inc.StartedAt, ResolvedAt: inc.ResolvedAt, DurationSeconds: inc.DurationSeconds})
	}
	return json.Marshal(envelope{Data: out, Meta: map[string]any{}})
}

// overallStatus sums up a page: every shown monitor down is a major outage,
// some down a partial one, any degraded is degraded. Paused and pending
// monitors do not count; with none left the status is unknown.
func overallStatus(monitors []publicMonitor) string {
	var counted, down, degraded int
	for _, m := range monitors {
		switch m.Status {
		case model.StatusUp:
			counted++
		case model.StatusDown:
			counted++
			down++
		case model.StatusDegraded:
			counted++
			degraded++
		}
	}
	switch {
	case counted == 0:
		return "unknown"
	case down == counted:
		return "major_outage"
	case down > 0:
		return "partial_outage"
	case degraded > 0:
		return "degraded"
	}
	return "operational"
}

// etagMatches reads If-None-Match: a list of tags, or *.
func etagMatches(header, etag string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == etag || tag == "*" {
			return true
		}
	}
	return false
}

// pageCache keeps rendered public pages for a few seconds. Concurrent
// misses of one slug share one render; writes through the API forget the
// page at once (in this process; other backends within the TTL).
type pageCache struct {
	ttl     time.Duration
	max     int
	mu      sync.Mutex
	entries map[string]cachedPage
	renders singleflight.Group
}

type cachedPage struct {
	body    []byte
	etag    string
	expires time.Time
}

func newPageCache(ttl time.Duration, max int) *pageCache {
	return &pageCache{ttl: ttl, max: max, entries: map[string]cachedPage{}}
}

// get returns the cached page of slug, or renders and keeps it. Errors
// (an unknown slug) are not kept.
func (pc *pageCache) get(ctx context.Context, slug string, render func(context.Context, string) ([]byte, error)) (cachedPage, error) {
	now := time.Now()
	pc.mu.Lock()
	e, found := pc.entries[slug]
	pc.mu.Unlock()
	if found && now.Before(e.expires) {
		return e, nil
	}
	v, err, _ := pc.renders.Do(slug, func() (any, error) {
		// Shared by every waiting request: one leaving must not fail the others.
		body, err := render(context.WithoutCancel(ctx), slug)
		if err != nil {
			return cachedPage{}, err
		}
		sum := sha256.Sum256(body)
		e := cachedPage{body: body, etag: `"` + hex.EncodeToString(sum[:16]) + `"`, expires: time.Now().Add(pc.ttl)}
		pc.put(slug, e)
		return e, nil
	})
	return v.(cachedPage), err
}

func (pc *pageCache) put(slug string, e cachedPage) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if len(pc.entries) >= pc.max {
		now := time.Now()
		for k, old := range pc.entries {
			if now.After(old.expires) {
				delete(pc.entries, k)
			}
		}
		if len(pc.entries) >= pc.max {
			clear(pc.entries)
		}
	}
	pc.entries[slug] = e
}

// forget drops the cached pages of slugs.
func (pc *pageCache) forget(slugs ...string) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	for _, s := range slugs {
		delete(pc.entries, s)
	}
}
