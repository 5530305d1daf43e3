package model_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
)

var rules = model.MonitorRules{MinIntervalSeconds: 30}

// parseInput decodes a request body the way the API does: strictly.
func parseInput(t testing.TB, body string) (model.MonitorInput, error) {
	t.Helper()
	var in model.MonitorInput
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(&in)
	return in, err
}

func validate(t *testing.T, body string) (model.MonitorSpec, error) {
	t.Helper()
	in, err := parseInput(t, body)
	require.NoError(t, err, body)
	return in.Validate(rules)
}

func TestValidateFillsDefaults(t *testing.T) {
	spec, err := validate(t, `{"name":"  API  ","type":"http","target":"https://example.com/health"}`)
	require.NoError(t, err)
	assert.Equal(t, "API", spec.Name, "trimmed")
	assert.Equal(t, 60, spec.IntervalSeconds)
	assert.Equal(t, 30, spec.TimeoutSeconds)
	assert.True(t, spec.Enabled)
	assert.NotNil(t, spec.NotificationChannelIDs)
	require.NotNil(t, spec.Config.HTTP)
	h := spec.Config.HTTP
	assert.Equal(t, "GET", h.Method)
	assert.Equal(t, []string{"200-299"}, h.ExpectedStatus)
	assert.True(t, h.FollowRedirects)
	assert.Equal(t, 10, h.MaxRedirects)
	assert.True(t, h.VerifyTLS)
	assert.Empty(t, h.Headers)
	assert.Zero(t, h.Retries)
	assert.Nil(t, h.DegradedLatencyMS)

	t.Run("the timeout defaults to just below a short interval", func(t *testing.T) {
		spec, err := validate(t, `{"name":"x","type":"tcp","target":"db.example.com:5432","interval_seconds":30}`)
		require.NoError(t, err)
		assert.Equal(t, 29, spec.TimeoutSeconds)
	})
	t.Run("explicit false overrides a true default", func(t *testing.T) {
		spec, err := validate(t, `{"name":"x","type":"http","target":"http://a.example","enabled":false,
			"config":{"follow_redirects":false,"verify_tls":false,"method":"post","expected_status":[]}}`)
		require.NoError(t, err)
		assert.False(t, spec.Enabled)
		assert.False(t, spec.Config.HTTP.FollowRedirects)
		assert.False(t, spec.Config.HTTP.VerifyTLS)
		assert.Equal(t, "POST", spec.Config.HTTP.Method, "method case is normalised")
		assert.Equal(t, []string{"200-299"}, spec.Config.HTTP.ExpectedStatus, "an empty list means the default")
	})

	defaults := []struct {
		body  string
		check func(t *testing.T, c model.MonitorConfig)
	}{
		{`{"name":"k","type":"keyword","target":"https://example.com","config":{"keyword":"Welcome"}}`, func(t *testing.T, c model.MonitorConfig) {
			require.NotNil(t, c.Keyword)
			assert.Equal(t, "GET", c.Keyword.Method)
			assert.False(t, c.Keyword.CaseSensitive)
			assert.False(t, c.Keyword.Absent)
		}},
		{`{"name":"d","type":"dns","target":"example.com"}`, func(t *testing.T, c model.MonitorConfig) {
			require.NotNil(t, c.DNS)
			assert.Equal(t, "A", c.DNS.RecordType)
			assert.Empty(t, c.DNS.Resolver)
			assert.NotNil(t, c.DNS.ExpectedValues)
		}},
		{`{"name":"i","type":"icmp","target":"192.0.2.1"}`, func(t *testing.T, c model.MonitorConfig) {
			require.NotNil(t, c.ICMP)
			assert.Equal(t, 3, c.ICMP.PacketCount)
		}},
		{`{"name":"t","type":"tls","target":"example.com"}`, func(t *testing.T, c model.MonitorConfig) {
			require.NotNil(t, c.TLS)
			assert.Equal(t, 14, c.TLS.WarnDays)
			assert.Equal(t, 7, c.TLS.CriticalDays)
		}},
		{`{"name":"h","type":"heartbeat","config":null}`, func(t *testing.T, c model.MonitorConfig) {
			require.NotNil(t, c.Heartbeat)
			assert.Equal(t, 60, c.Heartbeat.GraceSeconds)
		}},
		{`{"name":"c","type":"tcp","target":"[2001:db8::1]:22","config":{"send":"PING\r\n","expect":"PONG"}}`, func(t *testing.T, c model.MonitorConfig) {
			require.NotNil(t, c.TCP)
			assert.Equal(t, "PING\r\n", c.TCP.Send)
		}},
	}
	for _, d := range defaults {
		spec, err := validate(t, d.body)
		require.NoError(t, err, d.body)
		d.check(t, spec.Config)
	}
}

func TestValidateRejects(t *testing.T) {
	long := strings.Repeat("n", 201)
	cases := []struct {
		name, body, field, reason string
	}{
		{"missing name", `{"type":"http","target":"https://a.example"}`, "name", "required"},
		{"huge name", `{"name":"` + long + `","type":"http","target":"https://a.example"}`, "name", "at most 200"},
		{"control character in name", `{"name":"a\u0007b","type":"http","target":"https://a.example"}`, "name", "control characters"},
		{"newline in name", `{"name":"a\nb","type":"http","target":"https://a.example"}`, "name", "control characters"},
		{"unknown type", `{"name":"x","type":"smtp","target":"a"}`, "type", "must be one of http, keyword"},
		{"url without scheme", `{"name":"x","type":"http","target":"example.com"}`, "target", "http:// or https://"},
		{"ftp url", `{"name":"x","type":"http","target":"ftp://example.com"}`, "target", "http:// or https://"},
		{"url without host", `{"name":"x","type":"http","target":"https:///path"}`, "target", "must name a host"},
		{"url with space in host", `{"name":"x","type":"keyword","target":"https://exa mple.com","config":{"keyword":"k"}}`, "target", "valid URL"},
		{"url with port 0", `{"name":"x","type":"http","target":"http://example.com:0/"}`, "target", "port"},
		{"url with port too big", `{"name":"x","type":"http","target":"http://example.com:65536/"}`, "target", "port must be from 1 to 65535"},
		{"missing target", `{"name":"x","type":"http"}`, "target", "required"},
		{"tls http url", `{"name":"x","type":"tls","target":"http://example.com"}`, "target", "https"},
		{"tls bad port", `{"name":"x","type":"tls","target":"example.com:99999"}`, "target", "host or host:port"},
		{"tcp without port", `{"name":"x","type":"tcp","target":"example.com"}`, "target", "host:port"},
		{"tcp port 0", `{"name":"x","type":"tcp","target":"example.com:0"}`, "target", "port must be from 1 to 65535"},
		{"tcp port 65536", `{"name":"x","type":"tcp","target":"example.com:65536"}`, "target", "port must be from 1 to 65535"},
		{"tcp named port", `{"name":"x","type":"tcp","target":"example.com:http"}`, "target", "port must be from 1 to 65535"},
		{"tcp without host", `{"name":"x","type":"tcp","target":":80"}`, "target", "invalid host"},
		{"dns url", `{"name":"x","type":"dns","target":"https://example.com"}`, "target", "domain name"},
		{"dns ip", `{"name":"x","type":"dns","target":"192.0.2.1"}`, "target", "domain name"},
		{"icmp with space", `{"name":"x","type":"icmp","target":"a b"}`, "target", "host name or an IP"},
		{"heartbeat with target", `{"name":"x","type":"heartbeat","target":"https://example.com"}`, "target", "must be empty"},
		{"negative interval", `{"name":"x","type":"http","target":"https://a.example","interval_seconds":-5}`, "interval_seconds", "from 30 to 86400"},
		{"interval over a day", `{"name":"x","type":"http","target":"https://a.example","interval_seconds":86401}`, "interval_seconds", "from 30 to 86400"},
		{"negative timeout", `{"name":"x","type":"http","target":"https://a.example","timeout_seconds":-1}`, "timeout_seconds", "below interval_seconds"},
		{"timeout equal to interval", `{"name":"x","type":"http","target":"https://a.example","interval_seconds":60,"timeout_seconds":60}`, "timeout_seconds", "from 1 to 59"},
		{"timeout above interval", `{"name":"x","type":"http","target":"https://a.example","interval_seconds":60,"timeout_seconds":90}`, "timeout_seconds", "below interval_seconds (60)"},
		{"header name with space", `{"name":"x","type":"http","target":"https://a.example","config":{"headers":{"X Foo":"1"}}}`, "config.headers.X Foo", "RFC 7230 token"},
		{"header name with colon", `{"name":"x","type":"http","target":"https://a.example","config":{"headers":{"X-Foo:":"1"}}}`, "config.headers.X-Foo:", "RFC 7230 token"},
		{"header value with CRLF", `{"name":"x","type":"http","target":"https://a.example","config":{"headers":{"X-Foo":"a\r\nInjected: 1"}}}`, "config.headers.X-Foo", "CR, LF"},
		{"header twice in two cases", `{"name":"x","type":"http","target":"https://a.example","config":{"headers":{"x-foo":"1","X-Foo":"2"}}}`, "config.headers.x-foo", "case-insensitive"},
		{"status out of range", `{"name":"x","type":"http","target":"https://a.example","config":{"expected_status":["200-299","600"]}}`, "config.expected_status[1]", "100 to 599"},
		{"status not a number", `{"name":"x","type":"http","target":"https://a.example","config":{"expected_status":["2xx"]}}`, "config.expected_status[0]", "100 to 599"},
		{"status range backwards", `{"name":"x","type":"http","target":"https://a.example","config":{"expected_status":["299-200"]}}`, "config.expected_status[0]", "low to high"},
		{"status as a number", `{"name":"x","type":"http","target":"https://a.example","config":{"expected_status":[200]}}`, "config.expected_status", "a string"},
		{"unknown method", `{"name":"x","type":"http","target":"https://a.example","config":{"method":"FETCH"}}`, "config.method", "GET, HEAD"},
		{"too many redirects", `{"name":"x","type":"http","target":"https://a.example","config":{"max_redirects":21}}`, "config.max_redirects", "0 to 20"},
		{"body with NUL", `{"name":"x","type":"http","target":"https://a.example","config":{"body":"a\u0000b"}}`, "config.body", "NUL"},
		{"bad JSON path", `{"name":"x","type":"http","target":"https://a.example","config":{"json_assertions":[{"path":"$.a[","op":"exists"}]}}`, "config.json_assertions[0].path", "invalid JSONPath"},
		{"JSON path without root", `{"name":"x","type":"http","target":"https://a.example","config":{"json_assertions":[{"path":"status","op":"exists"}]}}`, "config.json_assertions[0].path", "invalid JSONPath"},
		{"unknown assertion op", `{"name":"x","type":"http","target":"https://a.example","config":{"json_assertions":[{"path":"$.a","op":"matches","value":1}]}}`, "config.json_assertions[0].op", "equals, contains"},
		{"equals without value", `{"name":"x","type":"http","target":"https://a.example","config":{"json_assertions":[{"path":"$.a","op":"equals"}]}}`, "config.json_assertions[0].value", "required"},
		{"exists with value", `{"name":"x","type":"http","target":"https://a.example","config":{"json_assertions":[{"path":"$.a","op":"exists","value":true}]}}`, "config.json_assertions[0].value", "omitted"},
		{"lt with a string", `{"name":"x","type":"http","target":"https://a.example","config":{"json_assertions":[{"path":"$.a","op":"lt","value":"5"}]}}`, "config.json_assertions[0].value", "a number"},
		{"number out of range", `{"name":"x","type":"http","target":"https://a.example","config":{"json_assertions":[{"path":"$.a","op":"gt","value":1e999}]}}`, "config.json_assertions[0].value", "out of range"},
		{"keyword missing", `{"name":"x","type":"keyword","target":"https://a.example"}`, "config.keyword", "required"},
		{"dns record type", `{"name":"x","type":"dns","target":"example.com","config":{"record_type":"PTR"}}`, "config.record_type", "A, AAAA, CNAME, MX, TXT, NS, SOA"},
		{"dns resolver", `{"name":"x","type":"dns","target":"example.com","config":{"resolver":"1.1.1.1:99999"}}`, "config.resolver", "host:port"},
		{"dns empty expected value", `{"name":"x","type":"dns","target":"example.com","config":{"expected_values":["192.0.2.1",""]}}`, "config.expected_values[1]", "empty"},
		{"icmp no packets", `{"name":"x","type":"icmp","target":"example.com","config":{"packet_count":0}}`, "config.packet_count", "1 to 10"},
		{"tls critical above warn", `{"name":"x","type":"tls","target":"example.com","config":{"warn_days":5,"critical_days":10}}`, "config.critical_days", "warn_days"},
		{"tls negative warn", `{"name":"x","type":"tls","target":"example.com","config":{"warn_days":-1}}`, "config.warn_days", "0 to 365"},
		{"heartbeat negative grace", `{"name":"x","type":"heartbeat","config":{"grace_seconds":-1}}`, "config.grace_seconds", "0 to 86400"},
		{"too many retries", `{"name":"x","type":"tcp","target":"a.example:1","config":{"retries":11}}`, "config.retries", "0 to 10"},
		{"degraded above timeout", `{"name":"x","type":"tcp","target":"a.example:1","timeout_seconds":5,"config":{"degraded_latency_ms":5000}}`, "config.degraded_latency_ms", "1 to 4999"},
		{"degraded zero", `{"name":"x","type":"tcp","target":"a.example:1","config":{"degraded_latency_ms":0}}`, "config.degraded_latency_ms", "from 1"},
		{"unknown config field", `{"name":"x","type":"tcp","target":"a.example:1","config":{"sned":"x"}}`, "config.sned", "unknown field"},
		{"field of another type", `{"name":"x","type":"http","target":"https://a.example","config":{"keyword":"x"}}`, "config.keyword", "unknown field"},
		{"wrong type in config", `{"name":"x","type":"http","target":"https://a.example","config":{"retries":"3"}}`, "config.retries", "a whole number"},
		{"fraction in config", `{"name":"x","type":"http","target":"https://a.example","config":{"max_redirects":1.5}}`, "config.max_redirects", "a whole number"},
		{"wrong type of header value", `{"name":"x","type":"http","target":"https://a.example","config":{"headers":{"X":1}}}`, "config.headers", "a string"},
		{"config not an object", `{"name":"x","type":"http","target":"https://a.example","config":"GET"}`, "config", "must be an object"},
		{"channel id not a uuid", `{"name":"x","type":"heartbeat","notification_channel_ids":["email"]}`, "notification_channel_ids[0]", "UUID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := validate(t, tc.body)
			var verr *errs.ValidationError
			require.True(t, errors.As(err, &verr), "want a validation error, got %v", err)
			assert.True(t, errors.Is(err, errs.ErrValidation))
			assert.Contains(t, verr.Fields[tc.field], tc.reason, "details: %v", verr.Fields)
		})
	}
}

func TestIntervalBelowMinimumIsALimit(t *testing.T) {
	_, err := validate(t, `{"name":"x","type":"http","target":"https://a.example","interval_seconds":10}`)
	require.Error(t, err)
	assert.True(t, errors.Is(err, errs.ErrLimitExceeded))
	assert.False(t, errors.Is(err, errs.ErrValidation))
	msg, ok := errs.PublicMessage(err)
	assert.True(t, ok)
	assert.Contains(t, msg, "minimum of 30 seconds")

	t.Run("malformed fields are reported first", func(t *testing.T) {
		_, err := validate(t, `{"name":"","type":"http","target":"https://a.example","interval_seconds":10}`)
		assert.True(t, errors.Is(err, errs.ErrValidation))
	})
	t.Run("an interval of one second cannot hold a timeout", func(t *testing.T) {
		in, err := parseInput(t, `{"name":"x","type":"http","target":"https://a.example","interval_seconds":1}`)
		require.NoError(t, err)
		_, err = in.Validate(model.MonitorRules{MinIntervalSeconds: 1})
		var verr *errs.ValidationError
		require.True(t, errors.As(err, &verr))
		assert.Contains(t, verr.Fields["interval_seconds"], "at least 2")
	})
}

func TestValidTargets(t *testing.T) {
	ok := []string{
		`{"name":"x","type":"http","target":"http://[::1]:8080/health?x=1"}`,
		`{"name":"x","type":"http","target":"https://bücher.example/"}`,
		`{"name":"x","type":"tls","target":"example.com"}`,
		`{"name":"x","type":"tls","target":"example.com:8443"}`,
		`{"name":"x","type":"tls","target":"https://example.com/"}`,
		`{"name":"x","type":"tcp","target":"192.0.2.10:5432"}`,
		`{"name":"x","type":"dns","target":"_dmarc.example.com.","config":{"record_type":"txt","resolver":"[2606:4700:4700::1111]:53","expected_values":["v=DMARC1"]}}`,
		`{"name":"x","type":"dns","target":"example.com","config":{"resolver":"1.1.1.1"}}`,
		`{"name":"x","type":"icmp","target":"2001:db8::1"}`,
		`{"name":"x","type":"http","target":"https://a.example","config":{"json_assertions":[
			{"path":"$.status","op":"equals","value":"ok"},{"path":"$.items[?@.n > 1]","op":"exists"},
			{"path":"$.latency","op":"lte","value":250.5},{"path":"$.tags","op":"contains","value":"prod"}]}}`,
	}
	for _, body := range ok {
		_, err := validate(t, body)
		assert.NoError(t, err, body)
	}
}

func TestStatusAcceptedAndTLSAddress(t *testing.T) {
	h := model.HTTPConfig{ExpectedStatus: []string{"200-299", "301"}}
	for code, want := range map[int]bool{200: true, 299: true, 301: true, 302: false, 404: false, 199: false} {
		assert.Equal(t, want, h.StatusAccepted(code), code)
	}
	for target, want := range map[string]string{
		"example.com": "example.com:443", "example.com:8443": "example.com:8443",
		"https://example.com/x": "example.com:443", "2001:db8::1": "[2001:db8::1]:443",
	} {
		assert.Equal(t, want, model.TLSAddress(target), target)
	}
}

// TestSpecRoundTrip: a validated spec marshals to the wire form, and that
// form validates back to the same spec (what the API and the store rely on).
func TestSpecRoundTrip(t *testing.T) {
	spec, err := validate(t, `{"name":"API","type":"keyword","target":"https://example.com","interval_seconds":120,
		"config":{"keyword":"ok","absent":true,"headers":{"Authorization":"Bearer x"},"retries":2,"degraded_latency_ms":800,
		"json_assertions":[{"path":"$.a","op":"equals","value":{"b": [1, 2.50]}}]}}`)
	require.NoError(t, err)
	raw, err := json.Marshal(spec)
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"config":{"retries":2,"degraded_latency_ms":800,"method":"GET"`, "config is flat on the wire")
	assert.Contains(t, string(raw), `"value":{"b":[1,2.50]}`, "values are compacted, numbers kept as written")

	in, err := spec.Input()
	require.NoError(t, err)
	body, err := json.Marshal(in)
	require.NoError(t, err)
	again, err := validate(t, string(body))
	require.NoError(t, err)
	assert.Equal(t, spec, again)
	assert.True(t, bytes.Contains(body, []byte(`"enabled":true`)))
}

func TestMonitorRegions(t *testing.T) {
	rules := model.MonitorRules{MinIntervalSeconds: 30}
	in := model.MonitorInput{Name: "x", Type: model.TypeTCP, Target: "db.example.com:5432", Regions: []string{" EU-west ", "eu-west", "us-east-1"}}
	spec, err := in.Validate(rules)
	require.NoError(t, err)
	assert.Equal(t, []string{"eu-west", "us-east-1"}, spec.Regions, "normalised and deduplicated")

	in.Regions = []string{"eu west", ""}
	_, err = in.Validate(rules)
	var v *errs.ValidationError
	require.ErrorAs(t, err, &v)
	assert.Contains(t, v.Fields, "regions[0]")
	assert.Contains(t, v.Fields, "regions[1]")
}
