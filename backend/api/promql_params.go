package api

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// The parameters of the Prometheus HTTP API, parsed from untrusted input
// into values or a bad_data error, never a panic (FuzzPromParams holds
// them to it).

// maxPointsPerSeries is Prometheus's own bound on query_range resolution.
const maxPointsPerSeries = 11000

// defaultLabelRange is how far back series, labels and label values look
// when the request gives no start.
const defaultLabelRange = 6 * time.Hour

// promParser parses match[] selectors as the engine parses queries.
var promParser = parser.NewParser(parser.Options{})

// instantParams are the parameters of query.
type instantParams struct {
	query string
	time  time.Time
}

func parseInstantParams(form url.Values, now time.Time) (instantParams, error) {
	p := instantParams{query: form.Get("query")}
	if strings.TrimSpace(p.query) == "" {
		return p, badData("invalid parameter \"query\": empty")
	}
	var err error
	if p.time, err = parsePromTime(form.Get("time"), now); err != nil {
		return p, badData("invalid parameter \"time\": %v", err)
	}
	return p, nil
}

// rangeParams are the parameters of query_range.
type rangeParams struct {
	query      string
	start, end time.Time
	step       time.Duration
}

func parseRangeParams(form url.Values) (rangeParams, error) {
	p := rangeParams{query: form.Get("query")}
	if strings.TrimSpace(p.query) == "" {
		return p, badData("invalid parameter \"query\": empty")
	}
	var err error
	if p.start, err = parsePromTime(form.Get("start"), time.Time{}); err != nil || p.start.IsZero() {
		return p, badData("invalid parameter \"start\": %v", orMissing(err))
	}
	if p.end, err = parsePromTime(form.Get("end"), time.Time{}); err != nil || p.end.IsZero() {
		return p, badData("invalid parameter \"end\": %v", orMissing(err))
	}
	if p.end.Before(p.start) {
		return p, badData("invalid parameter \"end\": end timestamp must not be before start time")
	}
	if p.step, err = parsePromDuration(form.Get("step")); err != nil {
		return p, badData("invalid parameter \"step\": %v", err)
	}
	if p.step <= 0 {
		return p, badData("zero or negative query resolution step widths are not accepted. Try a positive integer")
	}
	if p.end.Sub(p.start)/p.step > maxPointsPerSeries {
		return p, badData("exceeded maximum resolution of %d points per timeseries. Try decreasing the query resolution (?step=XX)", maxPointsPerSeries)
	}
	return p, nil
}

func orMissing(err error) error {
	if err == nil {
		return errors.New("missing")
	}
	return err
}

// lookupParams are the parameters of series, labels and label values.
type lookupParams struct {
	matchers   [][]*labels.Matcher // one set per match[]; one nil set without any
	start, end time.Time
	limit      int // 0: no limit
}

func parseLookupParams(form url.Values, matchRequired bool, now time.Time) (lookupParams, error) {
	var p lookupParams
	var err error
	if p.matchers, err = parseMatchers(form["match[]"], matchRequired); err != nil {
		return p, err
	}
	if p.end, err = parsePromTime(form.Get("end"), now); err != nil {
		return p, badData("invalid parameter \"end\": %v", err)
	}
	if p.start, err = parsePromTime(form.Get("start"), p.end.Add(-defaultLabelRange)); err != nil {
		return p, badData("invalid parameter \"start\": %v", err)
	}
	if p.end.Before(p.start) {
		return p, badData("invalid parameter \"end\": end timestamp must not be before start time")
	}
	if p.limit, err = parseLimit(form.Get("limit")); err != nil {
		return p, err
	}
	return p, nil
}

// parseMatchers parses the match[] selectors; each is one set of matchers.
func parseMatchers(raw []string, required bool) ([][]*labels.Matcher, error) {
	if required && len(raw) == 0 {
		return nil, badData("no match[] parameter provided")
	}
	out := make([][]*labels.Matcher, 0, len(raw))
	for _, s := range raw {
		ms, err := promParser.ParseMetricSelector(s)
		if err != nil {
			return nil, badData("invalid parameter \"match[]\": %v", err)
		}
		out = append(out, ms)
	}
	if len(out) == 0 {
		out = append(out, nil)
	}
	return out, nil
}

// parseLimit reads limit: how many series or names to return at most; empty
// or 0 is all of them.
func parseLimit(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, badData("invalid parameter \"limit\": %q is not a non-negative integer", s)
	}
	return n, nil
}

// parsePromTimeout reads timeout, at most limit; empty is limit.
func parsePromTimeout(s string, limit time.Duration) (time.Duration, error) {
	if s == "" {
		return limit, nil
	}
	d, err := parsePromDuration(s)
	if err != nil {
		return 0, badData("invalid parameter \"timeout\": %v", err)
	}
	return min(limit, d), nil
}

// parsePromTime reads a Prometheus timestamp: Unix seconds with an optional
// fraction, or RFC 3339; empty is def.
func parsePromTime(s string, def time.Time) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e13 {
			return time.Time{}, fmt.Errorf("cannot parse %q to a valid timestamp", s)
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("cannot parse %q to a valid timestamp", s)
	}
	return t.UTC(), nil
}

// parsePromDuration reads a Prometheus duration: seconds with an optional
// fraction, or a duration such as 1m30s or 5m.
func parsePromDuration(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > float64(math.MaxInt64/int64(time.Second)) {
			return 0, fmt.Errorf("cannot parse %q to a valid duration", s)
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := model.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("cannot parse %q to a valid duration", s)
	}
	return time.Duration(d), nil
}
