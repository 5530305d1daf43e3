package api

import (
	"fmt"
	"html"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/store"
)

// createdBadge is a new badge token with its URLs: the only time the token
// is shown.
type createdBadge struct {
	store.Badge
	Token     string `json:"token"`
	StatusURL string `json:"status_url"`
	UptimeURL string `json:"uptime_url"`
}

func (a *API) listBadges(c *gin.Context) error {
	page, err := paging(c)
	if err != nil {
		return err
	}
	var monitorID *uuid.UUID
	if s := c.Query("monitor_id"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			return errs.Invalid("monitor_id", "must be a monitor id (UUID)")
		}
		monitorID = &id
	}
	list, total, err := a.store.ListBadges(c.Request.Context(), principal(c).TenantID, monitorID, page.PerPage, page.Offset())
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, list, page.Meta(total))
	return nil
}

func (a *API) createBadge(c *gin.Context) error {
	var in struct {
		MonitorID string `json:"monitor_id"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	monitorID, err := uuid.Parse(in.MonitorID)
	if err != nil {
		return errs.Invalid("monitor_id", "must be a monitor id (UUID)")
	}
	token, hash := auth.NewToken(auth.BadgePrefix)
	b, err := a.store.CreateBadge(c.Request.Context(), principal(c).TenantID, actor(c), monitorID, token[:len(auth.BadgePrefix)+6], hash)
	if err != nil {
		return err
	}
	base := a.cfg.PublicURL + "/api/v1/badge/" + token
	ok(c, http.StatusCreated, createdBadge{Badge: b, Token: token, StatusURL: base + "/status.svg", UptimeURL: base + "/uptime.svg"}, nil)
	return nil
}

func (a *API) deleteBadge(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := a.store.DeleteBadge(c.Request.Context(), principal(c).TenantID, actor(c), id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// Badge colours, as README badges elsewhere use them.
const (
	badgeGreen  = "#4c1"
	badgeLime   = "#97ca00"
	badgeYellow = "#dfb317"
	badgeRed    = "#e05d44"
	badgeGrey   = "#9f9f9f"
)

// badgeStatus answers GET /badge/:token/status.svg: the monitor's current
// status. The token is the credential.
func (a *API) badgeStatus(c *gin.Context) error {
	t, err := a.store.BadgeByToken(c.Request.Context(), c.Param("token"))
	if err != nil {
		return err
	}
	m, err := a.store.GetMonitor(c.Request.Context(), t.TenantID, t.MonitorID)
	if err != nil {
		return err
	}
	color := map[model.MonitorStatus]string{model.StatusUp: badgeGreen, model.StatusDegraded: badgeYellow,
		model.StatusDown: badgeRed}[m.Status]
	if color == "" {
		color = badgeGrey
	}
	writeBadge(c, badgeLabel(c, "status"), string(m.Status), color)
	return nil
}

// badgePeriods are the uptime badge's ?period= values.
var badgePeriods = map[string]time.Duration{"24h": 24 * time.Hour, "7d": 7 * store.Day, "30d": 30 * store.Day, "90d": 90 * store.Day}

// badgeUptime answers GET /badge/:token/uptime.svg?period=24h|7d|30d|90d
// (default 30d): the monitor's uptime over that period.
func (a *API) badgeUptime(c *gin.Context) error {
	period := c.DefaultQuery("period", "30d")
	window, known := badgePeriods[period]
	if !known {
		return errs.Invalid("period", "must be 24h, 7d, 30d or 90d")
	}
	t, err := a.store.BadgeByToken(c.Request.Context(), c.Param("token"))
	if err != nil {
		return err
	}
	sums, err := a.store.UptimeWindows(c.Request.Context(), t.TenantID, t.MonitorID, []time.Duration{window}, a.now())
	if err != nil {
		return err
	}
	value, color := "no data", badgeGrey
	if u := sums[0].Uptime(); u != nil {
		value = formatPercent(*u * 100)
		switch {
		case *u >= 0.999:
			color = badgeGreen
		case *u >= 0.99:
			color = badgeLime
		case *u >= 0.95:
			color = badgeYellow
		default:
			color = badgeRed
		}
	}
	writeBadge(c, badgeLabel(c, "uptime "+period), value, color)
	return nil
}

// formatPercent shows two decimals without rounding up to 100%.
func formatPercent(p float64) string {
	s := fmt.Sprintf("%.2f", float64(int64(p*100))/100)
	return strings.TrimSuffix(strings.TrimSuffix(s, "0"), ".0") + "%"
}

// badgeLabel is ?label= when given (printable, at most 40 characters),
// else def.
func badgeLabel(c *gin.Context, def string) string {
	s := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.TrimSpace(c.Query("label")))
	if s == "" {
		return def
	}
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40])
	}
	return s
}

// writeBadge answers an SVG badge. Text is escaped for XML; colours come
// from the constants above only. Proxies such as GitHub's image cache may
// keep it a minute.
func writeBadge(c *gin.Context, label, value, color string) {
	c.Header("Cache-Control", "public, max-age=60, stale-while-revalidate=300")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	c.Data(http.StatusOK, "image/svg+xml; charset=utf-8", badgeSVG(label, value, color))
}

// badgeSVG draws a flat two-part badge. Widths are estimated from the
// rune count (Verdana 11 px averages about 7 px a character).
func badgeSVG(label, value, color string) []byte {
	lw := 10 + 7*utf8.RuneCountInString(label)
	vw := 10 + 7*utf8.RuneCountInString(value)
	l, v := html.EscapeString(label), html.EscapeString(value)
	return fmt.Appendf(nil, `<svg xmlns="http://www.w3.org/2000/svg" width="%[1]d" height="20" role="img" aria-label="%[4]s: %[5]s">`+
		`<title>%[4]s: %[5]s</title>`+
		`<linearGradient id="s" x2="0" y2="100%%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>`+
		`<clipPath id="r"><rect width="%[1]d" height="20" rx="3" fill="#fff"/></clipPath>`+
		`<g clip-path="url(#r)"><rect width="%[2]d" height="20" fill="#555"/><rect x="%[2]d" width="%[3]d" height="20" fill="%[6]s"/>`+
		`<rect width="%[1]d" height="20" fill="url(#s)"/></g>`+
		`<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">`+
		`<text x="%[7]d" y="15" fill="#010101" fill-opacity=".3">%[4]s</text><text x="%[7]d" y="14">%[4]s</text>`+
		`<text x="%[8]d" y="15" fill="#010101" fill-opacity=".3">%[5]s</text><text x="%[8]d" y="14">%[5]s</text></g></svg>`,
		lw+vw, lw, vw, l, v, color, lw/2, lw+vw/2)
}
