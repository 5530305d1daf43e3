package api

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/store"
)

// maxReportMonitors caps the monitor_id list of one report.
const maxReportMonitors = 1000

type slaRow struct {
	MonitorID uuid.UUID         `json:"monitor_id"`
	Name      string            `json:"name"`
	Type      model.MonitorType `json:"type"`
	Target    string            `json:"target"`
	Incidents int               `json:"incidents"`
	availability
	latency
}

// slaReport answers GET /reports/sla?from=&to=&monitor_id=...: availability
// and latency per monitor over any range (the last 30 days by default), as JSON or, when the client
// accepts text/csv (or asks with format=csv), as CSV.
func (a *API) slaReport(c *gin.Context) error {
	v := &errs.ValidationError{}
	now := a.now()
	from, to := parseRange(c, v, now, 30*store.Day)
	ids := monitorIDsParam(c, v)
	format := c.DefaultQuery("format", "")
	if format != "" && format != "json" && format != "csv" {
		v.Add("format", "json or csv")
	}
	if err := v.OrNil(); err != nil {
		return err
	}
	rows, err := a.store.SLA(c.Request.Context(), principal(c).TenantID, ids, from, to, now)
	if err != nil {
		return err
	}
	out := make([]slaRow, len(rows))
	for i, r := range rows {
		out[i] = slaRow{MonitorID: r.ID, Name: r.Name, Type: r.Type, Target: r.Target, Incidents: r.Incidents,
			availability: availabilityOf(r.Rollup, r.IntervalSeconds), latency: latencyOf(r.Rollup)}
	}
	if format == "csv" || (format == "" && c.NegotiateFormat(gin.MIMEJSON, "text/csv") == "text/csv") {
		writeSLACSV(c, out, from, to)
		return nil
	}
	ok(c, http.StatusOK, out, map[string]any{"from": from, "to": to, "total": len(out)})
	return nil
}

// monitorIDsParam reads monitor_id, repeated or comma-separated; nil when
// absent (every monitor).
func monitorIDsParam(c *gin.Context, v *errs.ValidationError) []uuid.UUID {
	var ids []uuid.UUID
	for _, raw := range c.QueryArray("monitor_id") {
		for _, s := range strings.Split(raw, ",") {
			id, err := uuid.Parse(strings.TrimSpace(s))
			if err != nil {
				v.Add("monitor_id", "monitor ids (UUIDs), repeated or comma-separated")
				return nil
			}
			ids = append(ids, id)
		}
	}
	if len(ids) > maxReportMonitors {
		v.Add("monitor_id", "at most "+strconv.Itoa(maxReportMonitors)+" monitors per report")
	}
	return ids
}

var slaCSVHeader = []string{"monitor_id", "name", "type", "target", "from", "to", "checks", "failed_checks",
	"uptime", "downtime_seconds", "incidents", "latency_avg_ms", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms"}

func writeSLACSV(c *gin.Context, rows []slaRow, from, to time.Time) {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="sla-`+from.Format("20060102")+"-"+to.Format("20060102")+`.csv"`)
	c.Status(http.StatusOK)
	w := csv.NewWriter(c.Writer)
	_ = w.Write(slaCSVHeader)
	for _, r := range rows {
		_ = w.Write([]string{r.MonitorID.String(), csvSafe(r.Name), string(r.Type), csvSafe(r.Target),
			from.Format(time.RFC3339), to.Format(time.RFC3339),
			strconv.FormatInt(r.Checks, 10), strconv.FormatInt(r.FailedChecks, 10), number(r.Uptime),
			strconv.FormatInt(r.DowntimeSeconds, 10), strconv.Itoa(r.Incidents), number(r.AvgMS), number(r.P50MS), number(r.P95MS), number(r.P99MS)})
	}
	w.Flush()
}

func number(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

// csvSafe keeps a spreadsheet from reading a tenant's text as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
