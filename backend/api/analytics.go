package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/store"
)

// availability is how a range went: uptime = (up + degraded) / checks, and
// each failed check stands for one interval of downtime.
type availability struct {
	Checks          int64    `json:"checks"`
	FailedChecks    int64    `json:"failed_checks"`
	Uptime          *float64 `json:"uptime"`
	DowntimeSeconds int64    `json:"downtime_seconds"`
}

func availabilityOf(r model.Rollup, intervalSeconds int) availability {
	return availability{Checks: r.Checks, FailedChecks: r.Failed(), Uptime: r.Uptime(),
		DowntimeSeconds: r.Failed() * int64(intervalSeconds)}
}

// latency summarises the latencies of a range; percentiles are estimated
// from the rollup histogram (see README).
type latency struct {
	AvgMS *float64 `json:"latency_avg_ms"`
	MinMS *float64 `json:"latency_min_ms"`
	MaxMS *float64 `json:"latency_max_ms"`
	P50MS *float64 `json:"latency_p50_ms"`
	P90MS *float64 `json:"latency_p90_ms"`
	P95MS *float64 `json:"latency_p95_ms"`
	P99MS *float64 `json:"latency_p99_ms"`
}

func latencyOf(r model.Rollup) latency {
	return latency{AvgMS: r.LatencyAvgMS(), MinMS: r.LatencyMinMS, MaxMS: r.LatencyMaxMS,
		P50MS: r.LatencyQuantileMS(0.5), P90MS: r.LatencyQuantileMS(0.9),
		P95MS: r.LatencyQuantileMS(0.95), P99MS: r.LatencyQuantileMS(0.99)}
}

// tenantMonitor is the :id monitor of the caller's tenant, or 404.
func (a *API) tenantMonitor(c *gin.Context) (model.Monitor, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return model.Monitor{}, err
	}
	return a.store.GetMonitor(c.Request.Context(), principal(c).TenantID, id)
}

type uptimeWindow struct {
	Window    string    `json:"window"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Incidents int       `json:"incidents"`
	availability
}

// monitorUptime answers GET /monitors/:id/uptime?windows=1h,24h,...
func (a *API) monitorUptime(c *gin.Context) error {
	m, err := a.tenantMonitor(c)
	if err != nil {
		return err
	}
	v := &errs.ValidationError{}
	windows, labels := parseWindows(c, v)
	if err := v.OrNil(); err != nil {
		return err
	}
	sums, err := a.store.UptimeWindows(c.Request.Context(), m.TenantID, m.ID, windows, a.now())
	if err != nil {
		return err
	}
	out := make([]uptimeWindow, len(sums))
	for i, s := range sums {
		out[i] = uptimeWindow{Window: labels[i], From: s.From, To: s.To, Incidents: s.Incidents, availability: availabilityOf(s.Rollup, m.IntervalSeconds)}
	}
	ok(c, http.StatusOK, gin.H{"monitor_id": m.ID, "windows": out}, nil)
	return nil
}

type seriesPoint struct {
	Time time.Time `json:"time"`
	availability
	latency
}

// monitorSeries answers GET /monitors/:id/series?from=&to=&step=.
func (a *API) monitorSeries(c *gin.Context) error {
	m, err := a.tenantMonitor(c)
	if err != nil {
		return err
	}
	v := &errs.ValidationError{}
	now := a.now()
	from, to := parseRange(c, v, now, 24*time.Hour)
	step := parseStep(c, v, from, to)
	if err := v.OrNil(); err != nil {
		return err
	}
	buckets, err := a.store.Series(c.Request.Context(), m.TenantID, m.ID, from, to, step, now)
	if err != nil {
		return err
	}
	out := make([]seriesPoint, len(buckets))
	for i, b := range buckets {
		out[i] = seriesPoint{Time: b.Start, availability: availabilityOf(b.Rollup, m.IntervalSeconds), latency: latencyOf(b.Rollup)}
	}
	ok(c, http.StatusOK, gin.H{"monitor_id": m.ID, "from": from, "to": to, "step": formatSpan(step),
		"step_seconds": int64(step / time.Second), "points": out}, nil)
	return nil
}

type dailyPoint struct {
	Date string `json:"date"`
	availability
	LatencyAvgMS *float64 `json:"latency_avg_ms"`
}

// monitorDaily answers GET /monitors/:id/daily?days=90: one entry per UTC
// day, oldest first, today so far included.
func (a *API) monitorDaily(c *gin.Context) error {
	m, err := a.tenantMonitor(c)
	if err != nil {
		return err
	}
	v := &errs.ValidationError{}
	days := intParam(c, v, "days", 90, 1, maxDailyDays)
	if err := v.OrNil(); err != nil {
		return err
	}
	buckets, err := a.store.Daily(c.Request.Context(), m.TenantID, m.ID, days, a.now())
	if err != nil {
		return err
	}
	out := make([]dailyPoint, len(buckets))
	for i, b := range buckets {
		out[i] = dailyPoint{Date: b.Start.Format(time.DateOnly), availability: availabilityOf(b.Rollup, m.IntervalSeconds),
			LatencyAvgMS: b.LatencyAvgMS()}
	}
	ok(c, http.StatusOK, gin.H{"monitor_id": m.ID, "days": out}, nil)
	return nil
}

type resultView struct {
	Time          time.Time  `json:"time"`
	Region        string     `json:"region"`
	Status        string     `json:"status"`
	LatencyMS     *float64   `json:"latency_ms"`
	StatusCode    *int       `json:"status_code"`
	ErrorKind     *string    `json:"error_kind"`
	Message       *string    `json:"message"`
	DNSMS         *float64   `json:"dns_ms"`
	ConnectMS     *float64   `json:"connect_ms"`
	TLSMS         *float64   `json:"tls_ms"`
	TTFBMS        *float64   `json:"ttfb_ms"`
	CertExpiresAt *time.Time `json:"cert_expires_at"`
}

func nonZero[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// monitorResults answers GET /monitors/:id/results: raw results, newest
// first, a page at a time; meta.next_cursor fetches the next page.
func (a *API) monitorResults(c *gin.Context) error {
	m, err := a.tenantMonitor(c)
	if err != nil {
		return err
	}
	v := &errs.ValidationError{}
	q := store.ResultQuery{
		From:     parseTime(c, v, "from", time.Unix(0, 0).UTC()),
		To:       parseTime(c, v, "to", a.now().Add(time.Hour)),
		Statuses: parseStatuses(c, v),
		After:    parseCursor(c, v),
		Limit:    intParam(c, v, "per_page", 100, 1, 1000),
	}
	if !q.From.Before(q.To) {
		v.Add("from", "must be before to")
	}
	if err := v.OrNil(); err != nil {
		return err
	}
	results, err := a.store.Results(c.Request.Context(), m.TenantID, m.ID, q)
	if err != nil {
		return err
	}
	out := make([]resultView, len(results))
	for i, r := range results {
		out[i] = resultView{Time: r.Time, Region: r.Region, Status: string(r.Status), LatencyMS: r.LatencyMS,
			StatusCode: nonZero(r.StatusCode), ErrorKind: nonZero(r.ErrorKind), Message: nonZero(r.Message),
			DNSMS: r.DNSMS, ConnectMS: r.ConnectMS, TLSMS: r.TLSMS, TTFBMS: r.TTFBMS, CertExpiresAt: r.CertExpiresAt}
	}
	meta := map[string]any{"per_page": q.Limit, "next_cursor": nil}
	if len(results) == q.Limit {
		last := results[len(results)-1]
		meta["next_cursor"] = encodeCursor(store.ResultCursor{Time: last.Time, Region: last.Region})
	}
	ok(c, http.StatusOK, out, meta)
	return nil
}

// dashboardDays is the length of the dashboard's uptime bar.
const dashboardDays = 90

// dashboard answers GET /dashboard: every monitor the filter selects (all
// by default, up to 1,000 a page) with its status, last latency, 24-hour
// uptime, the 90 daily uptimes of its bar and 24 hourly mean latencies.
func (a *API) dashboard(c *gin.Context) error {
	v := &errs.ValidationError{}
	page, err := pageWithin(c, 1000, 1000)
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
	now := a.now()
	rows, total, days, err := a.store.Dashboard(c.Request.Context(), principal(c).TenantID, f, dashboardDays, now)
	if err != nil {
		return err
	}
	dates := make([]string, len(days))
	for i, d := range days {
		dates[i] = d.Format(time.DateOnly)
	}
	hours := make([]time.Time, 24)
	for i := range hours {
		hours[i] = now.Truncate(time.Hour).Add(time.Duration(i-23) * time.Hour)
	}
	meta := page.Meta(total)
	meta["generated_at"] = now
	body, err := dashboardEnvelope(dates, hours, rows, meta)
	if err != nil {
		return err
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
	return nil
}
