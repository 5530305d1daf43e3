package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
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

// promWarned is data with warnings, which Prometheus sends beside data.
type promWarned struct {
	data     any
	warnings []string
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
		out := gin.H{"status": "success", "data": data}
		if w, ok := data.(promWarned); ok {
			out["data"] = w.data
			if len(w.warnings) > 0 {
				out["warnings"] = w.warnings
			}
		}
		c.JSON(http.StatusOK, out)
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

// promForm is the request's parameters, from the query string and a form
// body alike.
func promForm(c *gin.Context) (url.Values, error) {
	if err := c.Request.ParseForm(); err != nil {
		return nil, badData("invalid form: %v", err)
	}
	return c.Request.Form, nil
}

// promContext bounds the request by the timeout parameter, at most the
// configured query timeout.
func (a *API) promContext(c *gin.Context, form url.Values) (context.Context, context.CancelFunc, error) {
	timeout, err := parsePromTimeout(form.Get("timeout"), a.cfg.PromQueryTimeout)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), timeout)
	return ctx, cancel, nil
}

// promQueryOpts gives a query the lookback delta of its resolution.
func promQueryOpts(lookback time.Duration) promql.QueryOpts {
	return promql.NewPrometheusQueryOpts(false, lookback, nil)
}

func (a *API) promQuery(c *gin.Context) (any, error) {
	form, err := promForm(c)
	if err != nil {
		return nil, err
	}
	p, err := parseInstantParams(form, a.now())
	if err != nil {
		return nil, err
	}
	ctx, cancel, err := a.promContext(c, form)
	if err != nil {
		return nil, err
	}
	defer cancel()
	tq := a.queryable(c)
	q, err := a.promEngine.NewInstantQuery(ctx, tq, promQueryOpts(tq.lookback(p.time, p.time, 0)), p.query, p.time)
	if err != nil {
		return nil, badData("invalid parameter \"query\": %v", err)
	}
	return runPromQuery(ctx, q)
}

func (a *API) promQueryRange(c *gin.Context) (any, error) {
	form, err := promForm(c)
	if err != nil {
		return nil, err
	}
	p, err := parseRangeParams(form)
	if err != nil {
		return nil, err
	}
	ctx, cancel, err := a.promContext(c, form)
	if err != nil {
		return nil, err
	}
	defer cancel()
	tq := a.queryable(c)
	q, err := a.promEngine.NewRangeQuery(ctx, tq, promQueryOpts(tq.lookback(p.start, p.end, p.step)), p.query, p.start, p.end, p.step)
	if err != nil {
		return nil, badData("invalid parameter \"query\": %v", err)
	}
	return runPromQuery(ctx, q)
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
	warnings, _ := res.Warnings.AsStrings("", 10, 10)
	return promWarned{data: gin.H{"resultType": res.Value.Type(), "result": res.Value}, warnings: warnings}, nil
}

// promQuerier opens the caller's tenant over [start, end].
func (a *API) promQuerier(c *gin.Context, start, end time.Time) storage.Querier {
	q, _ := a.queryable(c).Querier(start.UnixMilli(), end.UnixMilli()) // never fails
	return q
}

// promLookup reads a series or label request's parameters and opens the
// caller's tenant over their range.
func (a *API) promLookup(c *gin.Context, matchRequired bool) (lookupParams, storage.Querier, error) {
	form, err := promForm(c)
	if err != nil {
		return lookupParams{}, nil, err
	}
	p, err := parseLookupParams(form, matchRequired, a.now())
	if err != nil {
		return lookupParams{}, nil, err
	}
	return p, a.promQuerier(c, p.start, p.end), nil
}

func (a *API) promSeries(c *gin.Context) (any, error) {
	p, q, err := a.promLookup(c, true)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	out := []labels.Labels{}
	for _, ms := range p.matchers {
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
	slices.SortFunc(out, labels.Compare)
	return truncated(out, p.limit), nil
}

// truncated keeps the first limit entries (0: all), with Prometheus's
// warning when it leaves some out.
func truncated[T any](list []T, limit int) promWarned {
	if limit == 0 || len(list) <= limit {
		return promWarned{data: list}
	}
	return promWarned{data: list[:limit], warnings: []string{"results truncated due to limit"}}
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
	p, q, err := a.promLookup(c, false)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, ms := range p.matchers {
		got, err := list(c.Request.Context(), q, ms)
		if err != nil {
			return nil, err
		}
		for _, v := range got {
			seen[v] = true
		}
	}
	return truncated(sortedKeys(seen), p.limit), nil
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
