package api

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/store"
)

// Limits of the analytics parameters.
const (
	maxSeriesPoints = 500
	maxWindows      = 10
	maxRangeDays    = 3660
	maxDailyDays    = 400
)

// defaultWindows are the uptime windows answered when none are asked for.
const defaultWindows = "1h,24h,7d,30d,90d"

var durationPattern = regexp.MustCompile(`^([1-9][0-9]{0,5})([smhd])$`)

var durationUnits = map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": store.Day}

// parseSpan reads a duration written as a whole number and a unit: 90s,
// 5m, 24h, 7d.
func parseSpan(s string) (time.Duration, bool) {
	m := durationPattern.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	n, _ := strconv.Atoi(m[1])
	return time.Duration(n) * durationUnits[m[2]], true
}

// formatSpan writes a duration the way parseSpan reads it, in its largest
// whole unit.
func formatSpan(d time.Duration) string {
	for _, u := range []string{"d", "h", "m"} {
		if d%durationUnits[u] == 0 {
			return strconv.FormatInt(int64(d/durationUnits[u]), 10) + u
		}
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}

// parseWindows reads ?windows=1h,24h,...: at most maxWindows, each from one
// minute to maxRangeDays; labels are the windows as the client wrote them.
func parseWindows(c *gin.Context, v *errs.ValidationError) (windows []time.Duration, labels []string) {
	raw := c.DefaultQuery("windows", defaultWindows)
	for _, s := range strings.Split(raw, ",") {
		s = strings.TrimSpace(s)
		d, ok := parseSpan(s)
		if !ok || d < time.Minute || d > maxRangeDays*store.Day {
			v.Add("windows", fmt.Sprintf("comma-separated durations such as %s, each from 1m to %dd", defaultWindows, maxRangeDays))
			return nil, nil
		}
		windows, labels = append(windows, d), append(labels, s)
	}
	if len(windows) > maxWindows {
		v.Add("windows", fmt.Sprintf("at most %d windows", maxWindows))
	}
	return windows, labels
}

// parseTime reads an RFC 3339 time or Unix seconds; def when absent.
func parseTime(c *gin.Context, v *errs.ValidationError, name string, def time.Time) time.Time {
	s := c.Query(name)
	if s == "" {
		return def
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC()
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 && n < 1e11 {
		return time.Unix(n, 0).UTC()
	}
	v.Add(name, "must be an RFC 3339 time (2026-01-02T15:04:05Z) or Unix seconds")
	return def
}

// parseRange reads from and to (to defaults to now, from to to minus def)
// and checks that from is before to and the range is not absurd.
func parseRange(c *gin.Context, v *errs.ValidationError, now time.Time, def time.Duration) (from, to time.Time) {
	to = parseTime(c, v, "to", now)
	from = parseTime(c, v, "from", to.Add(-def))
	switch {
	case !from.Before(to):
		v.Add("from", "must be before to")
	case to.Sub(from) > maxRangeDays*store.Day:
		v.Add("from", fmt.Sprintf("the range may span at most %d days", maxRangeDays))
	}
	return from, to
}

// seriesSteps are the steps chosen when none is given, smallest first.
var seriesSteps = []time.Duration{
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	store.Day, 2 * store.Day, 7 * store.Day, 14 * store.Day, 28 * store.Day,
}

// points is how many step buckets meet [from, to).
func points(from, to time.Time, step time.Duration) int64 {
	return int64((to.Sub(store.BucketStart(from, step)) + step - 1) / step)
}

// parseStep reads ?step= or picks the smallest standard step that keeps
// the series within maxSeriesPoints. A step is whole minutes that divide a
// day, or whole days, so buckets line up with the rollups.
func parseStep(c *gin.Context, v *errs.ValidationError, from, to time.Time) time.Duration {
	s := c.Query("step")
	if s == "" {
		for _, step := range seriesSteps {
			if points(from, to, step) <= maxSeriesPoints {
				return step
			}
		}
		return seriesSteps[len(seriesSteps)-1]
	}
	step, ok := parseSpan(s)
	if !ok && s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			step, ok = time.Duration(n)*time.Second, true
		}
	}
	valid := ok && step >= time.Minute && step%time.Minute == 0 &&
		((step < store.Day && store.Day%step == 0) || step%store.Day == 0)
	if !valid {
		v.Add("step", "whole minutes that divide a day (1m, 5m, 15m, 1h, 6h ...) or whole days (1d, 7d), as 5m or seconds")
		return 0
	}
	if n := points(from, to, step); n > maxSeriesPoints && from.Before(to) {
		least := seriesSteps[len(seriesSteps)-1]
		for _, s := range seriesSteps {
			if points(from, to, s) <= maxSeriesPoints {
				least = s
				break
			}
		}
		v.Add("step", fmt.Sprintf("gives %d points, at most %d are allowed: use a step of at least %s for this range",
			n, maxSeriesPoints, formatSpan(least)))
	}
	return step
}

// parseStatuses reads ?status=down,degraded.
func parseStatuses(c *gin.Context, v *errs.ValidationError) []model.ResultStatus {
	s := c.Query("status")
	if s == "" {
		return nil
	}
	var out []model.ResultStatus
	for _, part := range strings.Split(s, ",") {
		st := model.ResultStatus(strings.TrimSpace(part))
		if !st.Valid() {
			v.Add("status", "comma-separated result statuses: up, degraded, down")
			return nil
		}
		out = append(out, st)
	}
	return out
}

// cursorJSON is the opaque cursor of the results listing.
type cursorJSON struct {
	Time   time.Time `json:"t"`
	Region string    `json:"r"`
}

func encodeCursor(c store.ResultCursor) string {
	b, _ := json.Marshal(cursorJSON(c))
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseCursor(c *gin.Context, v *errs.ValidationError) *store.ResultCursor {
	s := c.Query("cursor")
	if s == "" {
		return nil
	}
	var cj cursorJSON
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &cj)
	}
	if err != nil || cj.Time.IsZero() {
		v.Add("cursor", "not a cursor this API returned; use meta.next_cursor of the previous page")
		return nil
	}
	cur := store.ResultCursor(cj)
	return &cur
}

// intParam reads a whole-number query parameter within [lo, hi].
func intParam(c *gin.Context, v *errs.ValidationError, name string, def, lo, hi int) int {
	s := c.Query(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		v.Add(name, fmt.Sprintf("must be a whole number from %d to %d", lo, hi))
		return def
	}
	return n
}
