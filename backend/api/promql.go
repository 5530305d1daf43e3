package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"
	"github.com/rs/zerolog"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
)

// The Prometheus HTTP API, the part Grafana's Prometheus datasource uses,
// under /api/v1/prom. Answers and errors have Prometheus's own shape, not
// the envelope, because Prometheus clients read them.

// promEngineVersion is the Prometheus release whose engine answers: module
// github.com/prometheus/prometheus v0.316.0 is Prometheus 3.16.0. Grafana
// reads it from status/buildinfo to choose the features it uses.
const promEngineVersion = "3.16.0"

// maxPointsPerSeries is Prometheus's own bound on query_range resolution.
const maxPointsPerSeries = 11000

// defaultLabelRange is how far back series, labels and label values look
// when the request gives no start.
const defaultLabelRange = 6 * time.Hour

// promParser parses match[] selectors as the engine parses queries.
var promParser = parser.NewParser(parser.Options{})

// newPromEngine is the engine every tenant's queries share; its limits are
// what one query may cost.
func newPromEngine(maxSamples int, timeout time.Duration) *promql.Engine {
	return promql.NewEngine(promql.EngineOpts{
		MaxSamples:           maxSamples,
		Timeout:              timeout,
		LookbackDelta:        5 * time.Minute,
		EnableAtModifier:     true,
		EnableNegativeOffset: true,
	})
}

// Prometheus error types and their status codes.
const (
	promBadData      = "bad_data"
	promExecution    = "execution"
	promTimeout      = "timeout"
	promCanceled     = "canceled"
	promInternal     = "internal"
	promUnauthorized = "unauthorized"
	promUnavailable  = "unavailable"
)

// promError is an answer in Prometheus's error format.
type promError struct {
	typ    string
	status int
	msg    string
}

func (e *promError) Error() string { return e.msg }

func badData(format string, args ...any) error {
	return &promError{typ: promBadData, status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// promHandle adapts a handler that returns data or an error to Prometheus's
// response format.
func promHandle(fn func(c *gin.Context) (any, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		data, err := fn(c)
		if err != nil {
			promFail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "success", "data": data})
	}
}

// promFail writes err in Prometheus's format; an unexpected error is logged
// once and answered without internals.
func promFail(c *gin.Context, err error) {
	var pe *promError
	switch {
	case errors.As(err, &pe):
	case errors.As(err, new(promql.ErrQueryTimeout)), errors.Is(err, context.DeadlineExceeded):
		pe = &promError{promTimeout, http.StatusServiceUnavailable, "query timed out; narrow it or shorten the range"}
	case errors.As(err, new(promql.ErrQueryCanceled)), errors.Is(err, context.Canceled):
		pe = &promError{promCanceled, 499, "query canceled"}
	case errors.As(err, new(promql.ErrTooManySamples)):
		pe = &promError{promExecution, http.StatusUnprocessableEntity, err.Error()}
	case errors.Is(err, errs.ErrLimitExceeded), errors.Is(err, errs.ErrValidation):
		msg, ok := errs.PublicMessage(err)
		if !ok {
			msg = "the query is too large"
		}
		pe = &promError{promExecution, http.StatusUnprocessableEntity, msg}
	case errors.Is(err, errs.ErrUnauthorized):
		pe = &promError{promUnauthorized, http.StatusUnauthorized, "send the API key as a bearer token or as the basic-auth password"}
	case errors.Is(err, errs.ErrUnavailable):
		pe = &promError{promUnavailable, http.StatusServiceUnavailable, "the database is unavailable; retry"}
	default:
		zerolog.Ctx(c.Request.Context()).Error().Err(err).Msg("prometheus api request failed")
		pe = &promError{promInternal, http.StatusInternalServerError, "internal error; quote the request id " + requestID(c)}
	}
	c.AbortWithStatusJSON(pe.status, gin.H{"status": "error", "errorType": pe.typ, "error": pe.msg})
}

// promAuthenticate resolves the credentials into the principal: a bearer
// token, or the password of basic auth (what Grafana's datasource sends);
// the user name is ignored. Then the tenant's request budget applies.
func (a *API) promAuthenticate(c *gin.Context) {
	token, ok := auth.BearerToken(c.GetHeader("Authorization"))
	if !ok {
		_, token, ok = c.Request.BasicAuth()
	}
	if !ok || token == "" {
		c.Header("WWW-Authenticate", `Basic realm="vinsight"`)
		promFail(c, errs.ErrUnauthorized)
		return
	}
	p, err := a.store.Authenticate(c.Request.Context(), token, a.cfg.SessionIdleTimeout)
	if err != nil {
		promFail(c, err)
		return
	}
	if wait := a.apiWait(p); wait > 0 {
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		c.AbortWithStatusJSON(http.StatusTooManyRequests, gin.H{"status": "error", "errorType": promUnavailable,
			"error": "too many requests; retry after the number of seconds in Retry-After"})
		return
	}
	c.Set(principalKey, p)
	c.Next()
}

// queryable is the caller's tenant as PromQL storage.
func (a *API) queryable(c *gin.Context) tenantQueryable {
	return tenantQueryable{store: a.store, tenant: principal(c).TenantID, now: a.now(),
		maxSeries: a.cfg.PromMaxSeries, maxRows: a.cfg.PromMaxSamples}
}

// promContext bounds the request by the timeout parameter, at most the
// configured query timeout.
func (a *API) promContext(c *gin.Context) (context.Context, context.CancelFunc, error) {
	timeout := a.cfg.PromQueryTimeout
	if v := c.Request.FormValue("timeout"); v != "" {
		d, err := parsePromDuration(v)
		if err != nil {
			return nil, nil, badData("invalid parameter \"timeout\": %v", err)
		}
		timeout = min(timeout, d)
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), timeout)
	return ctx, cancel, nil
}

func (a *API) promQuery(c *gin.Context) (any, error) {
	qs := c.Request.FormValue("query")
	if strings.TrimSpace(qs) == "" {
		return nil, badData("invalid parameter \"query\": empty")
	}
	ts, err := parsePromTime(c.Request.FormValue("time"), a.now())
	if err != nil {
		return nil, badData("invalid parameter \"time\": %v", err)
	}
	ctx, cancel, err := a.promContext(c)
	if err != nil {
		return nil, err
	}
	defer cancel()
	q, err := a.promEngine.NewInstantQuery(ctx, a.queryable(c), nil, qs, ts)
	if err != nil {
		return nil, badData("invalid parameter \"query\": %v", err)
	}
	return runPromQuery(ctx, q)
}

func (a *API) promQueryRange(c *gin.Context) (any, error) {
	qs := c.Request.FormValue("query")
	if strings.TrimSpace(qs) == "" {
		return nil, badData("invalid parameter \"query\": empty")
	}
	start, err := parsePromTime(c.Request.FormValue("start"), time.Time{})
	if err != nil || start.IsZero() {
		return nil, badData("invalid parameter \"start\": %v", orMissing(err))
	}
	end, err := parsePromTime(c.Request.FormValue("end"), time.Time{})
	if err != nil || end.IsZero() {
		return nil, badData("invalid parameter \"end\": %v", orMissing(err))
	}
	if end.Before(start) {
		return nil, badData("invalid parameter \"end\": end timestamp must not be before start time")
	}
	step, err := parsePromDuration(c.Request.FormValue("step"))
	if err != nil {
		return nil, badData("invalid parameter \"step\": %v", err)
	}
	if step <= 0 {
		return nil, badData("zero or negative query resolution step widths are not accepted. Try a positive integer")
	}
	if end.Sub(start)/step > maxPointsPerSeries {
		return nil, badData("exceeded maximum resolution of %d points per timeseries. Try decreasing the query resolution (?step=XX)", maxPointsPerSeries)
	}
	ctx, cancel, err := a.promContext(c)
	if err != nil {
		return nil, err
	}
	defer cancel()
	q, err := a.promEngine.NewRangeQuery(ctx, a.queryable(c), nil, qs, start, end, step)
	if err != nil {
		return nil, badData("invalid parameter \"query\": %v", err)
	}
	return runPromQuery(ctx, q)
}

func orMissing(err error) error {
	if err == nil {
		return errors.New("missing")
	}
	return err
}

func runPromQuery(ctx context.Context, q promql.Query) (any, error) {
	defer q.Close()
	res := q.Exec(ctx)
	if res.Err != nil {
		var pe *promError
		if errors.As(res.Err, &pe) {
			return nil, pe
		}
		if errors.As(res.Err, new(promql.ErrStorage)) {
			return nil, errors.Unwrap(res.Err)
		}
		return nil, res.Err
	}
	out := gin.H{"resultType": res.Value.Type(), "result": res.Value}
	if warnings, _ := res.Warnings.AsStrings("", 10, 10); len(warnings) > 0 {
		out["warnings"] = warnings
	}
	return out, nil
}

// promRange is the start and end of series, labels and label values.
func (a *API) promRange(c *gin.Context) (time.Time, time.Time, error) {
	end, err := parsePromTime(c.Request.FormValue("end"), a.now())
	if err != nil {
		return time.Time{}, time.Time{}, badData("invalid parameter \"end\": %v", err)
	}
	start, err := parsePromTime(c.Request.FormValue("start"), end.Add(-defaultLabelRange))
	if err != nil {
		return time.Time{}, time.Time{}, badData("invalid parameter \"start\": %v", err)
	}
	if end.Before(start) {
		return time.Time{}, time.Time{}, badData("invalid parameter \"end\": end timestamp must not be before start time")
	}
	return start, end, nil
}

// promMatchers parses the match[] selectors; each is one set of matchers.
func promMatchers(c *gin.Context, required bool) ([][]*labels.Matcher, error) {
	if err := c.Request.ParseForm(); err != nil {
		return nil, badData("invalid form: %v", err)
	}
	raw := c.Request.Form["match[]"]
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

// promQuerier opens the caller's tenant over [start, end].
func (a *API) promQuerier(c *gin.Context, start, end time.Time) storage.Querier {
	q, _ := a.queryable(c).Querier(start.UnixMilli(), end.UnixMilli()) // never fails
	return q
}

func (a *API) promSeries(c *gin.Context) (any, error) {
	sets, err := promMatchers(c, true)
	if err != nil {
		return nil, err
	}
	start, end, err := a.promRange(c)
	if err != nil {
		return nil, err
	}
	q := a.promQuerier(c, start, end)
	seen := map[string]bool{}
	out := []labels.Labels{}
	for _, ms := range sets {
		ss := q.Select(c.Request.Context(), true, nil, ms...)
		for ss.Next() {
			ls := ss.At().Labels()
			if key := ls.String(); !seen[key] {
				seen[key] = true
				out = append(out, ls)
			}
		}
		if err := ss.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (a *API) promLabels(c *gin.Context) (any, error) {
	return a.promLabelList(c, func(ctx context.Context, q storage.Querier, ms []*labels.Matcher) ([]string, error) {
		names, _, err := q.LabelNames(ctx, nil, ms...)
		return names, err
	})
}

func (a *API) promLabelValues(c *gin.Context) (any, error) {
	name := c.Param("name")
	if !model.LabelName(name).IsValid() {
		return nil, badData("invalid label name: %q", name)
	}
	return a.promLabelList(c, func(ctx context.Context, q storage.Querier, ms []*labels.Matcher) ([]string, error) {
		values, _, err := q.LabelValues(ctx, name, nil, ms...)
		return values, err
	})
}

// promLabelList merges the answers of list over every match[] set.
func (a *API) promLabelList(c *gin.Context, list func(context.Context, storage.Querier, []*labels.Matcher) ([]string, error)) (any, error) {
	sets, err := promMatchers(c, false)
	if err != nil {
		return nil, err
	}
	start, end, err := a.promRange(c)
	if err != nil {
		return nil, err
	}
	q := a.promQuerier(c, start, end)
	seen := map[string]bool{}
	for _, ms := range sets {
		got, err := list(c.Request.Context(), q, ms)
		if err != nil {
			return nil, err
		}
		for _, v := range got {
			seen[v] = true
		}
	}
	return sortedKeys(seen), nil
}

// promMetadata describes every metric, or the one named by metric.
func (a *API) promMetadata(c *gin.Context) (any, error) {
	type meta struct {
		Type string `json:"type"`
		Help string `json:"help"`
		Unit string `json:"unit"`
	}
	want := c.Query("metric")
	out := map[string][]meta{}
	for _, pm := range probeMetrics {
		if want == "" || want == pm.Name {
			out[pm.Name] = []meta{{pm.Type, pm.Help, pm.Unit}}
		}
	}
	return out, nil
}

func (a *API) promBuildInfo(*gin.Context) (any, error) {
	return gin.H{"version": promEngineVersion, "revision": "", "branch": "", "buildUser": "vinsight",
		"buildDate": "", "goVersion": runtime.Version()}, nil
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
