package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

// rollupRetention is the default retention: raw rows and minutes for 30
// days, hours for 400, days forever.
var rollupRetention = store.Retention{RawDays: 30, MinuteDays: 30, HourDays: 400}

// newRetentionServer serves the API on a store that knows the default
// retention, so that reads past 30 days go to the hourly and daily rollups.
func newRetentionServer(t *testing.T, env map[string]string) *testServer {
	t.Helper()
	st, dbURL := pgtest.NewStoreOptions(t, store.EnginePostgres, store.Options{Retention: rollupRetention})
	return serveStore(t, env, st, dbURL)
}

// seedHourlyRollups writes hourly rollup rows of every monitor over [from,
// to) straight into the plain engine's tables, as history older than raw
// retention exists, the daily rows from them with the engine's own
// function, and moves the watermarks to to. Each hour has 60 checks: some
// down, some degraded, a latency mean and histogram that vary by monitor
// and hour.
func seedHourlyRollups(t *testing.T, st *store.Store, tenant uuid.UUID, ids []uuid.UUID, from, to time.Time) {
	t.Helper()
	var les []string
	for _, b := range model.LatencyBoundsMS {
		les = append(les, fmt.Sprintf("(checks - down) * %[1]d / (%[1]d + 60 + n %% 40)", b))
	}
	days := store.BucketStart(to, store.Day)
	err := pgx.BeginFunc(context.Background(), st.Pool(), func(tx pgx.Tx) error {
		ctx := context.Background()
		_, err := tx.Exec(ctx, `
			INSERT INTO check_rollup_1h_mat
			SELECT $1::uuid, id, h, checks, checks - down - degraded, degraded, checks - down,
				(checks - down) * (40 + (i * 13 + n * 7) % 200), 10 + i, 300 + n % 50, `+strings.Join(les, ", ")+`
			FROM (SELECT m.id, m.i, h, n, 60 AS checks,
					CASE WHEN (m.i + n) % 7 = 0 THEN 3 WHEN n % 11 = 0 THEN 1 ELSE 0 END AS down,
					(m.i * n) % 5 AS degraded
				FROM unnest($2::uuid[]) WITH ORDINALITY AS m(id, i)
				CROSS JOIN generate_series($3::timestamptz, $4::timestamptz - interval '1 hour', interval '1 hour') AS h
				CROSS JOIN LATERAL (SELECT extract(epoch FROM h)::bigint / 3600 AS n) e) g`, tenant, ids, from, to)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO check_rollup_1d_mat SELECT * FROM rollup_1d_from_1h($1, $2)`, from, days); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE rollup_watermarks SET minute_mark = $1, hour_mark = $1, day_mark = $2`, to, days)
		return err
	})
	require.NoError(t, err)
}

// rollupTenant is a tenant with 40 days of history: hourly rollups only up
// to three days ago (raw rows and minutes are past retention or were never
// there), raw results every five minutes since, partly materialized.
// "alpha" and "beta" share a target (the instance label); "gamma" reports
// from two regions.
type rollupTenant struct {
	id                 uuid.UUID
	key                string
	alpha, beta, gamma uuid.UUID
	hour, today        time.Time
}

func (s *testServer) rollupTenant(t *testing.T) rollupTenant {
	t.Helper()
	owner, _ := s.signup(t, "Rollup")
	var me meData
	owner.do("GET", "/api/v1/me", nil).into(t, &me)
	now := time.Now().UTC()
	rt := rollupTenant{id: me.Tenant.TenantID, hour: store.BucketStart(now, time.Hour), today: store.BucketStart(now, store.Day)}
	create := func(name, target string) uuid.UUID {
		body := monitorBody(name)
		body["target"] = target
		return uuid.MustParse(idOf(t, owner.do("POST", "/api/v1/monitors", body)))
	}
	rt.alpha = create("alpha", "https://a.example.com/")
	rt.beta = create("beta", "https://a.example.com/")
	rt.gamma = create("gamma", "https://g.example.com/")
	reader, _ := s.key(t, owner, "read")
	rt.key = reader.token

	rawFrom := rt.today.AddDate(0, 0, -3)
	seedHourlyRollups(t, s.Store, rt.id, []uuid.UUID{rt.alpha, rt.beta, rt.gamma}, rt.today.AddDate(0, 0, -40), rawFrom)
	var results []model.CheckResult
	for k, at := 0, rawFrom; at.Before(now); k, at = k+1, at.Add(5*time.Minute) {
		for i, id := range []uuid.UUID{rt.alpha, rt.beta, rt.gamma} {
			r := model.CheckResult{Time: at.Add(time.Duration(i) * time.Second), TenantID: rt.id, MonitorID: id, Region: "eu",
				Status: model.ResultUp, StatusCode: 200}
			switch n := k + 3*i; {
			case n%13 == 0:
				r.Status, r.StatusCode = model.ResultDown, 503
			case n%5 == 0:
				r.Status = model.ResultDegraded
			}
			if r.Status != model.ResultDown {
				lat := float64(20 + (k*37+i*101)%900)
				r.LatencyMS = &lat
			}
			results = append(results, r)
			if id == rt.gamma && k%2 == 0 {
				r.Region = "us"
				results = append(results, r)
			}
		}
	}
	ctx := context.Background()
	require.NoError(t, s.Store.WriteResults(ctx, results))
	require.NoError(t, s.Store.MaterializeRollups(ctx, now.Add(-30*time.Hour)))
	return rt
}

// hourlyRollups reads the tenant's rows of the check_rollup_1h view, per
// monitor and bucket: the figures every rollup answer is checked against.
func (s *testServer) hourlyRollups(t *testing.T, tenant uuid.UUID) map[uuid.UUID]map[time.Time]model.Rollup {
	t.Helper()
	var les []string
	for _, b := range model.LatencyBoundsMS {
		les = append(les, fmt.Sprintf("le_%dms", b))
	}
	rows, err := s.Store.Pool().Query(context.Background(), `
		SELECT monitor_id, bucket, checks, up_checks, degraded_checks, latency_count, latency_sum_ms, `+strings.Join(les, ", ")+`
		FROM check_rollup_1h WHERE tenant_id = $1`, tenant)
	require.NoError(t, err)
	defer rows.Close()
	out := map[uuid.UUID]map[time.Time]model.Rollup{}
	for rows.Next() {
		var id uuid.UUID
		var b time.Time
		r := model.Rollup{LatencyLE: make([]int64, len(model.LatencyBoundsMS))}
		dest := []any{&id, &b, &r.Checks, &r.Up, &r.Degraded, &r.LatencyCount, &r.LatencySumMS}
		for i := range r.LatencyLE {
			dest = append(dest, &r.LatencyLE[i])
		}
		require.NoError(t, rows.Scan(dest...))
		if out[id] == nil {
			out[id] = map[time.Time]model.Rollup{}
		}
		out[id][b.UTC()] = r
	}
	require.NoError(t, rows.Err())
	return out
}

// perDay sums hourly buckets into UTC days.
func perDay(hours map[time.Time]model.Rollup) map[time.Time]model.Rollup {
	out := map[time.Time]model.Rollup{}
	for start, r := range hours {
		day := store.BucketStart(start, store.Day)
		sum := out[day]
		sum.Add(r)
		out[day] = sum
	}
	return out
}

// tsample is one sample as the API should hold it.
type tsample struct {
	t time.Time
	v float64
}

// bucketSamples are a series at rollup resolution: one sample per bucket
// with checks, at its end, valued by the bucket and the running total
// (everything up to and including the bucket).
func bucketSamples(buckets map[time.Time]model.Rollup, stride time.Duration, value func(bucket, total model.Rollup) float64) []tsample {
	starts := make([]time.Time, 0, len(buckets))
	for s := range buckets {
		starts = append(starts, s)
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i].Before(starts[j]) })
	var total model.Rollup
	out := make([]tsample, 0, len(starts))
	for _, s := range starts {
		total.Add(buckets[s])
		out = append(out, tsample{s.Add(stride), value(buckets[s], total)})
	}
	return out
}

// in is the samples in the window (end - w, end].
func in(samples []tsample, end time.Time, w time.Duration) []tsample {
	var out []tsample
	for _, s := range samples {
		if s.t.After(end.Add(-w)) && !s.t.After(end) {
			out = append(out, s)
		}
	}
	return out
}

// lastIn is the newest sample in each window (at - w, at], as an instant
// selector with a lookback of w, or a *_over_time of one sample, sees it.
func lastIn(samples []tsample, w time.Duration) func(at time.Time) (float64, bool) {
	return func(at time.Time) (float64, bool) {
		win := in(samples, at, w)
		if len(win) == 0 {
			return 0, false
		}
		return win[len(win)-1].v, true
	}
}

// promIncrease is Prometheus's increase (rate when perSecond) of counter
// samples, none of them a reset, in the window (end - w, end]:
// extrapolated to the window's ends as its extrapolatedRate does.
func promIncrease(samples []tsample, end time.Time, w time.Duration, perSecond bool) (float64, bool) {
	win := in(samples, end, w)
	if len(win) < 2 {
		return 0, false
	}
	first, last := win[0], win[len(win)-1]
	delta := last.v - first.v
	sampled := last.t.Sub(first.t).Seconds()
	toStart, toEnd := first.t.Sub(end.Add(-w)).Seconds(), end.Sub(last.t).Seconds()
	avg := sampled / float64(len(win)-1)
	if toStart >= 1.1*avg {
		toStart = avg / 2
	}
	if delta > 0 && first.v >= 0 {
		toStart = min(toStart, sampled*first.v/delta)
	}
	if toEnd >= 1.1*avg {
		toEnd = avg / 2
	}
	out := delta * (sampled + toStart + toEnd) / sampled
	if perSecond {
		out /= w.Seconds()
	}
	return out, true
}

// leBounds are the histogram's le bounds in seconds.
var leBounds = func() []float64 {
	out := make([]float64, len(model.LatencyBoundsMS))
	for i, b := range model.LatencyBoundsMS {
		out[i] = float64(b) / 1000
	}
	return out
}()

// countsQuantile is histogram_quantile over cumulative counts per bound
// (the last, +Inf, is every observation): the bucket that holds the rank,
// linear inside it.
func countsQuantile(q float64, counts []float64) float64 {
	rank := q * counts[len(counts)-1]
	lower, below := 0.0, 0.0
	for i, upper := range leBounds {
		if counts[i] >= rank && counts[i] > below {
			return lower + (upper-lower)*(rank-below)/(counts[i]-below)
		}
		lower, below = upper, counts[i]
	}
	return leBounds[len(leBounds)-1]
}

// promRange runs a range query and returns each series' samples by time,
// keyed by the value of label.
func (s *testServer) promRange(t *testing.T, key, query string, start, end time.Time, step time.Duration, label string) map[string]map[time.Time]float64 {
	t.Helper()
	r := s.promCall(t, key, "GET", "/query_range", url.Values{"query": {query},
		"start": {start.Format(time.RFC3339)}, "end": {end.Format(time.RFC3339)}, "step": {fmt.Sprint(step.Seconds())}})
	require.Equal(t, http.StatusOK, r.code, r.raw)
	var data struct {
		ResultType string       `json:"resultType"`
		Result     []promSample `json:"result"`
	}
	require.NoError(t, json.Unmarshal(r.Data, &data))
	require.Equal(t, "matrix", data.ResultType)
	out := map[string]map[time.Time]float64{}
	for _, series := range data.Result {
		values := map[time.Time]float64{}
		for _, v := range series.Values {
			f, err := strconv.ParseFloat(v[1].(string), 64)
			require.NoError(t, err)
			values[time.UnixMilli(int64(v[0].(float64)*1000)).UTC()] = f
		}
		out[series.Metric[label]] = values
	}
	return out
}

// assertSeries holds a series to the expected value at every step of
// [start, end]; want says false where the series must have no point.
func assertSeries(t *testing.T, got map[time.Time]float64, start, end time.Time, step time.Duration, want func(at time.Time) (float64, bool), msg string) {
	t.Helper()
	points := 0
	for at := start; !at.After(end); at = at.Add(step) {
		w, ok := want(at)
		g, has := got[at]
		if !ok {
			assert.False(t, has, "%s: no point at %s", msg, at)
			continue
		}
		points++
		if assert.True(t, has, "%s: a point at %s", msg, at) {
			assert.InDelta(t, w, g, 1e-9*math.Max(1, math.Abs(w)), "%s at %s", msg, at)
		}
	}
	assert.Equal(t, points, len(got), "%s: points", msg)
	assert.Greater(t, points, 0, msg)
}

func successRatio(b, _ model.Rollup) float64 { return float64(b.Up+b.Degraded) / float64(b.Checks) }

func TestPromQLReadsRollupsForCoarseSteps(t *testing.T) {
	ts := newRetentionServer(t, nil)
	rt := ts.rollupTenant(t)
	hours := ts.hourlyRollups(t, rt.id)
	require.Len(t, hours, 3)
	id := func(m uuid.UUID) string { return fmt.Sprintf(`monitor_id=%q`, m) }
	checks := func(_, total model.Rollup) float64 { return float64(total.Checks) }
	successes := func(_, total model.Rollup) float64 { return float64(total.Up + total.Degraded) }
	latencies := func(_, total model.Rollup) float64 { return float64(total.LatencyCount) }

	t.Run("hourly step over 35 days", func(t *testing.T) {
		start, end, step := rt.hour.AddDate(0, 0, -35), rt.hour, time.Hour
		rangeOf := func(q string) map[string]map[time.Time]float64 {
			return ts.promRange(t, rt.key, q, start, end, step, "monitor_id")
		}

		got := rangeOf(fmt.Sprintf(`avg_over_time(probe_success{%s}[1h])`, id(rt.alpha)))
		require.Len(t, got, 1)
		ratio := bucketSamples(hours[rt.alpha], time.Hour, successRatio)
		assertSeries(t, got[rt.alpha.String()], start, end, step, lastIn(ratio, time.Hour), "hourly success ratio")

		got = rangeOf(fmt.Sprintf(`probe_duration_seconds{%s}`, id(rt.gamma)))
		require.Len(t, got, 1)
		assert.NotContains(t, got, "", "one series for both regions")
		mean := bucketSamples(hours[rt.gamma], time.Hour, func(b, _ model.Rollup) float64 { return b.LatencySumMS / float64(b.LatencyCount) / 1000 })
		assertSeries(t, got[rt.gamma.String()], start, end, step, lastIn(mean, time.Hour), "hourly mean latency")

		got = rangeOf(fmt.Sprintf(`rate(probe_all_success_count{%s}[2h])`, id(rt.beta)))
		counter := bucketSamples(hours[rt.beta], time.Hour, checks)
		assertSeries(t, got[rt.beta.String()], start, end, step, func(at time.Time) (float64, bool) {
			return promIncrease(counter, at, 2*time.Hour, true)
		}, "rate of checks")

		got = ts.promRange(t, rt.key, fmt.Sprintf(`histogram_quantile(0.9, sum by (le) (rate(probe_all_duration_seconds_bucket{%s}[2h])))`, id(rt.alpha)),
			start, end, step, "")
		require.Len(t, got, 1)
		var buckets [][]tsample
		for i := range leBounds {
			buckets = append(buckets, bucketSamples(hours[rt.alpha], time.Hour, func(_, total model.Rollup) float64 { return float64(total.LatencyLE[i]) }))
		}
		buckets = append(buckets, bucketSamples(hours[rt.alpha], time.Hour, latencies))
		assertSeries(t, got[""], start, end, step, func(at time.Time) (float64, bool) {
			counts := make([]float64, len(buckets))
			for i, b := range buckets {
				counts[i], _ = promIncrease(b, at, 2*time.Hour, true)
			}
			return countsQuantile(0.9, counts), true
		}, "p90 latency")

		got = ts.promRange(t, rt.key, `sum by (instance) (increase(probe_all_success_sum[2h]))`, start, end, step, "instance")
		require.Len(t, got, 2)
		for instance, monitors := range map[string][]uuid.UUID{"https://a.example.com/": {rt.alpha, rt.beta}, "https://g.example.com/": {rt.gamma}} {
			assertSeries(t, got[instance], start, end, step, func(at time.Time) (float64, bool) {
				sum := 0.0
				for _, m := range monitors {
					v, ok := promIncrease(bucketSamples(hours[m], time.Hour, successes), at, 2*time.Hour, false)
					require.True(t, ok)
					sum += v
				}
				return sum, true
			}, "successes of "+instance)
		}
	})

	t.Run("daily step over 35 days", func(t *testing.T) {
		start, end, step := rt.today.AddDate(0, 0, -35), rt.today, store.Day

		got := ts.promRange(t, rt.key, fmt.Sprintf(`avg_over_time(probe_success{%s}[1d])`, id(rt.alpha)), start, end, step, "monitor_id")
		ratio := bucketSamples(perDay(hours[rt.alpha]), store.Day, successRatio)
		assertSeries(t, got[rt.alpha.String()], start, end, step, lastIn(ratio, store.Day), "daily success ratio")

		got = ts.promRange(t, rt.key, fmt.Sprintf(`increase(probe_all_success_count{%s}[1d])`, id(rt.gamma)), start, end, step, "monitor_id")
		counter := bucketSamples(hours[rt.gamma], time.Hour, checks)
		assertSeries(t, got[rt.gamma.String()], start, end, step, func(at time.Time) (float64, bool) {
			return promIncrease(counter, at, store.Day, false)
		}, "checks a day, from hourly samples")

		got = ts.promRange(t, rt.key, `sum by (instance) (rate(probe_all_duration_seconds_count[1d]))`, start, end, step, "instance")
		require.Len(t, got, 2)
		assertSeries(t, got["https://a.example.com/"], start, end, step, func(at time.Time) (float64, bool) {
			a, _ := promIncrease(bucketSamples(hours[rt.alpha], time.Hour, latencies), at, store.Day, true)
			b, _ := promIncrease(bucketSamples(hours[rt.beta], time.Hour, latencies), at, store.Day, true)
			return a + b, true
		}, "latency observations of a.example.com")

		got = ts.promRange(t, rt.key, fmt.Sprintf(`histogram_quantile(0.5, sum by (le) (increase(probe_all_duration_seconds_bucket{%s}[1d])))`, id(rt.beta)),
			start, end, step, "")
		assertSeries(t, got[""], start, end, step, func(at time.Time) (float64, bool) {
			counts := make([]float64, len(leBounds)+1)
			for i := range leBounds {
				counts[i], _ = promIncrease(bucketSamples(hours[rt.beta], time.Hour,
					func(_, total model.Rollup) float64 { return float64(total.LatencyLE[i]) }), at, store.Day, false)
			}
			counts[len(leBounds)], _ = promIncrease(bucketSamples(hours[rt.beta], time.Hour, latencies), at, store.Day, false)
			return countsQuantile(0.5, counts), true
		}, "daily median latency")
	})

	t.Run("instant queries over a month and past raw retention", func(t *testing.T) {
		got := ts.instant(t, rt.key, fmt.Sprintf(`increase(probe_all_success_count{%s}[30d])`, id(rt.alpha)), rt.today)
		require.Len(t, got, 1)
		want, ok := promIncrease(bucketSamples(perDay(hours[rt.alpha]), store.Day, checks), rt.today, 30*store.Day, false)
		require.True(t, ok)
		assert.InDelta(t, want, got[0].float(t), 1e-9*want, "a month of checks from daily samples")

		at := rt.today.AddDate(0, 0, -35).Add(90 * time.Minute)
		got = ts.instant(t, rt.key, fmt.Sprintf(`probe_success{%s}`, id(rt.alpha)), at)
		require.Len(t, got, 1)
		hour := rt.today.AddDate(0, 0, -35)
		assert.InDelta(t, successRatio(hours[rt.alpha][hour], model.Rollup{}), got[0].float(t), 1e-12,
			"35 days ago an instant selector finds the hour that ended before")
		assert.NotContains(t, got[0].Metric, "probe")
	})

	t.Run("short ranges stay raw", func(t *testing.T) {
		got := ts.promRange(t, rt.key, fmt.Sprintf(`probe_success{%s}`, id(rt.gamma)), rt.hour.Add(-2*time.Hour), rt.hour, time.Minute, "probe")
		assert.Len(t, got, 2, "one series per region")
		for _, v := range got["us"] {
			assert.Contains(t, []float64{0, 1}, v)
		}
	})

	t.Run("series over 35 days", func(t *testing.T) {
		r := ts.promCall(t, rt.key, "GET", "/series", url.Values{"match[]": {`{__name__=~"probe_.+"}`},
			"start": {rt.today.AddDate(0, 0, -35).Format(time.RFC3339)}})
		require.Equal(t, http.StatusOK, r.code, r.raw)
		for _, m := range []uuid.UUID{rt.alpha, rt.beta, rt.gamma} {
			assert.Contains(t, r.raw, m.String())
		}
	})

	t.Run("another tenant sees none of it", func(t *testing.T) {
		other, _ := ts.signup(t, "Other")
		reader, _ := ts.key(t, other, "read")
		for _, q := range []string{`probe_success`, `avg_over_time(probe_success[1h])`, `rate(probe_all_success_count[2h])`,
			fmt.Sprintf(`probe_all_duration_seconds_bucket{%s}`, id(rt.alpha)), `probe_monitor_info`} {
			got := ts.promRange(t, reader.token, q, rt.hour.AddDate(0, 0, -35), rt.hour, time.Hour, "monitor_id")
			assert.Empty(t, got, q)
		}
		r := ts.promCall(t, reader.token, "GET", "/series", url.Values{"match[]": {`{__name__=~"probe_.+"}`},
			"start": {rt.today.AddDate(0, 0, -35).Format(time.RFC3339)}})
		require.Equal(t, http.StatusOK, r.code, r.raw)
		assert.NotContains(t, r.raw, rt.alpha.String())
	})
}

// A month of a thousand monitors at an hourly step is 720 hourly buckets
// each, well inside limits that the 43 million one-minute results of the
// same month would exceed forty times over.
func TestPromQLMonthOfAThousandMonitors(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 720,000 hourly rollup rows")
	}
	const monitors, limit = 1000, 1_000_000
	ts := newRetentionServer(t, map[string]string{"VINSIGHT_PROM_MAX_SAMPLES": strconv.Itoa(limit)})
	owner, _ := ts.signup(t, "Fleet")
	var me meData
	owner.do("GET", "/api/v1/me", nil).into(t, &me)
	reader, _ := ts.key(t, owner, "read")
	ctx := context.Background()
	actor := auth.Actor{Type: "user", ID: me.User.ID, Name: me.User.Email}
	ids := make([]uuid.UUID, monitors)
	for i := range ids {
		spec, err := model.MonitorInput{Name: fmt.Sprintf("fleet %04d", i), Type: model.TypeHTTP, Target: "https://example.com/",
			IntervalSeconds: 60, TimeoutSeconds: 10}.Validate(model.MonitorRules{MinIntervalSeconds: 1})
		require.NoError(t, err)
		m, err := ts.Store.CreateMonitor(ctx, me.Tenant.TenantID, actor, spec, 0)
		require.NoError(t, err)
		ids[i] = m.ID
	}
	hour := store.BucketStart(time.Now().UTC(), time.Hour)
	start := hour.AddDate(0, 0, -30)
	seedHourlyRollups(t, ts.Store, me.Tenant.TenantID, ids, start.AddDate(0, 0, -1), hour)
	require.Greater(t, 30*24*60*monitors, 40*limit, "the month's raw results would be over the limit")

	got := ts.promRange(t, reader.token, `count(avg_over_time(probe_success[1h]))`, start, hour, time.Hour, "")
	require.Len(t, got, 1)
	assert.Len(t, got[""], 30*24+1)
	for at, v := range got[""] {
		assert.Equal(t, float64(monitors), v, "every monitor at %s", at)
	}
	got = ts.promRange(t, reader.token, `sum(increase(probe_all_success_count[2h]))`, start, hour, time.Hour, "")
	require.Len(t, got, 1)
	for at, v := range got[""] {
		// Two hourly samples in each window: the last hour's 60 checks,
		// extrapolated over the window's other hour.
		assert.InDelta(t, float64(2*60*monitors), v, 1e-6, "at %s", at)
	}
}
