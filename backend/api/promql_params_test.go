package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// FuzzPromParams feeds the PromQL API's parameter parsers untrusted input:
// times (RFC 3339 and Unix seconds), durations (step, timeout), match[]
// selectors and limits. None may panic, every rejection must be answered
// as Prometheus answers bad input (400, status "error", errorType
// "bad_data"), and what they accept must be usable: a range with its end
// after its start, a positive step and at most 11,000 points.
func FuzzPromParams(f *testing.F) {
	for _, seed := range []struct{ time, start, end, step, match, limit string }{
		{"1700000000", "1700000000", "1700003600", "15", `probe_success`, ""},
		{"2024-01-02T03:04:05Z", "2024-01-02T03:04:05.123456789+02:00", "2024-01-03T00:00:00Z", "1m30s", `{job="shop", probe=~"eu|us"}`, "10"},
		{"1700000000.5", "-1", "1e13", "0.001", `{__name__=~"probe_.+"}`, "0"},
		{"", "", "", "", "", ""},
		{"yesterday", "NaN", "+Inf", "-5", `{job=~"("}`, "-1"},
		{"1e14", "1700000000", "1699999999", "5y", `sum(up)`, "ten"},
		{"0x1p-2", "2024-13-40T99:00:00Z", "9223372036854775807", "9999999999999999999", `{}`, "99999999999999999999"},
		{"1.7e9", "0", "1e13", "1ms", `up{job="a"} offset 5m`, "3"},
		{"\x00", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z", "1d", `{a="\xff"}`, " 1"},
	} {
		f.Add(seed.time, seed.start, seed.end, seed.step, seed.match, seed.limit)
	}
	gin.SetMode(gin.ReleaseMode)
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, ts, start, end, step, match, limit string) {
		form := url.Values{"query": {"probe_success"}, "time": {ts}, "start": {start}, "end": {end},
			"step": {step}, "timeout": {step}, "match[]": {match}, "limit": {limit}}

		if _, err := parseInstantParams(form, now); err != nil {
			assertBadData(t, err)
		}
		if p, err := parseRangeParams(form); err != nil {
			assertBadData(t, err)
		} else if p.end.Before(p.start) || p.step <= 0 || p.end.Sub(p.start)/p.step > maxPointsPerSeries {
			t.Errorf("accepted an unusable range: %s to %s step %s", p.start, p.end, p.step)
		}
		if p, err := parseLookupParams(form, true, now); err != nil {
			assertBadData(t, err)
		} else if p.end.Before(p.start) || p.limit < 0 || len(p.matchers) != 1 {
			t.Errorf("accepted unusable lookup parameters: %+v", p)
		}
		if d, err := parsePromTimeout(step, time.Minute); err != nil {
			assertBadData(t, err)
		} else if d < 0 || d > time.Minute {
			t.Errorf("timeout %s is outside [0, 1m]", d)
		}
	})
}

// assertBadData checks that err is answered as Prometheus's bad_data.
func assertBadData(t *testing.T, err error) {
	t.Helper()
	var pe *promError
	if !errors.As(err, &pe) {
		t.Fatalf("not a Prometheus error: %v", err)
	}
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	c.Request = httptest.NewRequest("GET", "/api/v1/prom/api/v1/query", nil)
	promFail(c, err)
	var body struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("not JSON: %q", w.Body.String())
	}
	if w.Code != http.StatusBadRequest || body.Status != "error" || body.ErrorType != promBadData || body.Error == "" {
		t.Fatalf("answered %d %s", w.Code, w.Body.String())
	}
}
