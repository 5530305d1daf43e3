package probe

import (
	"net"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/model"
)

func TestHTTP(t *testing.T) {
	srv := httpServer(t)
	p := testProber(Options{})
	tests := []struct {
		name, path, config string
		wantStatus         int
		wantKind           string // "" for up
		wantMessage        string
	}{
		{"up", "/ok", ``, 200, "", "200 OK"},
		{"wrong status", "/status?code=503", ``, 503, kindHTTPStatus, "status 503 Service Unavailable, expected 200-299"},
		{"expected status code", "/status?code=503", `{"expected_status":["503"]}`, 503, "", ""},
		{"expected status range", "/status?code=404", `{"expected_status":["200-299","400-499"]}`, 404, "", ""},
		{"status outside every range", "/status?code=500", `{"expected_status":["200-299","400-499"]}`, 500, kindHTTPStatus, "expected 200-299, 400-499"},
		{"redirects followed", "/redirect?n=3", `{"max_redirects":3}`, 200, "", ""},
		{"redirect limit", "/redirect?n=4", `{"max_redirects":3}`, 302, kindHTTPStatus, "stopped after 3 redirects"},
		{"redirect limit zero", "/redirect?n=1", `{"max_redirects":0}`, 302, kindHTTPStatus, "stopped after 0 redirects"},
		{"redirects not followed", "/redirect?n=1", `{"follow_redirects":false}`, 302, kindHTTPStatus, "redirects are not followed"},
		{"redirect accepted as the answer", "/redirect?n=1", `{"follow_redirects":false,"expected_status":["302"]}`, 302, "", ""},
		{"request as configured", "/echo", `{"method":"POST","body":"ping","headers":{"X-Token":"s3cret","Host":"status.example"},
			"json_assertions":[{"path":"$.method","op":"equals","value":"POST"},{"path":"$.body","op":"equals","value":"ping"},
			{"path":"$.token","op":"equals","value":"s3cret"},{"path":"$.host","op":"equals","value":"status.example"},
			{"path":"$.agent","op":"contains","value":"V-Insight"}]}`, 200, "", ""},
		{"json assertions hold", "/json", `{"json_assertions":[
			{"path":"$.status","op":"equals","value":"ok"},{"path":"$.count","op":"equals","value":3.0},
			{"path":"$.nested","op":"equals","value":{"ready":true}},{"path":"$.nothing","op":"equals","value":null},
			{"path":"$.tags","op":"contains","value":"b"},{"path":"$.status","op":"contains","value":"k"},
			{"path":"$.nested","op":"contains","value":"ready"},
			{"path":"$.count","op":"lt","value":4},{"path":"$.count","op":"lte","value":3},
			{"path":"$.ratio","op":"gt","value":0.25},{"path":"$.ratio","op":"gte","value":0.5},
			{"path":"$.checks[*].status","op":"equals","value":"ok"},
			{"path":"$.nested.ready","op":"exists"},{"path":"$.nothing","op":"exists"},
			{"path":"$.checks[?@.status == 'ok']","op":"exists"}]}`, 200, "", ""},
		{"json equals fails", "/json", `{"json_assertions":[{"path":"$.status","op":"equals","value":"degraded"}]}`, 200, kindAssertion, `"$.status" equals "degraded": got "ok"`},
		{"json contains fails", "/json", `{"json_assertions":[{"path":"$.tags","op":"contains","value":"c"}]}`, 200, kindAssertion, `"$.tags" contains "c": got ["a","b"]`},
		{"json lt fails", "/json", `{"json_assertions":[{"path":"$.count","op":"lt","value":3}]}`, 200, kindAssertion, `"$.count" lt 3: got 3`},
		{"json lte fails", "/json", `{"json_assertions":[{"path":"$.count","op":"lte","value":2.5}]}`, 200, kindAssertion, `"$.count" lte 2.5: got 3`},
		{"json gt fails", "/json", `{"json_assertions":[{"path":"$.ratio","op":"gt","value":0.5}]}`, 200, kindAssertion, `"$.ratio" gt 0.5: got 0.5`},
		{"json gte fails", "/json", `{"json_assertions":[{"path":"$.ratio","op":"gte","value":1}]}`, 200, kindAssertion, `"$.ratio" gte 1: got 0.5`},
		{"json comparison with a string", "/json", `{"json_assertions":[{"path":"$.status","op":"gt","value":1}]}`, 200, kindAssertion, `got "ok"`},
		{"json exists fails", "/json", `{"json_assertions":[{"path":"$.missing","op":"exists"}]}`, 200, kindAssertion, `"$.missing" does not exist`},
		{"json path selects nothing", "/json", `{"json_assertions":[{"path":"$.missing","op":"equals","value":1}]}`, 200, kindAssertion, "selects nothing"},
		{"json one of many nodes fails", "/json", `{"json_assertions":[{"path":"$.tags[*]","op":"equals","value":"a"}]}`, 200, kindAssertion, `got "b"`},
		{"malformed json", "/malformed", `{"json_assertions":[{"path":"$.status","op":"exists"}]}`, 200, kindAssertion, "not valid JSON"},
		{"json body over the cap", "/big", `{"json_assertions":[{"path":"$","op":"exists"}]}`, 200, kindAssertion, "larger than 1 MiB"},
		{"status is judged before assertions", "/status?code=500", `{"json_assertions":[{"path":"$","op":"exists"}]}`, 500, kindHTTPStatus, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := probe(p, monitor(t, model.TypeHTTP, srv.URL+tt.path, tt.config), 5*time.Second)
			assert.Equal(t, tt.wantStatus, r.StatusCode)
			if tt.wantKind == "" {
				expectUp(t, r)
			} else {
				expectDown(t, r, tt.wantKind, tt.wantMessage)
			}
			assert.Contains(t, r.Message, tt.wantMessage)
			assert.NotContains(t, r.Message, "s3cret", "header values stay out of messages")
			require.NotNil(t, r.LatencyMS, "the server answered")
			assert.Positive(t, *r.LatencyMS)
			assert.NotNil(t, r.ConnectMS)
			assert.NotNil(t, r.TTFBMS)
			assert.Nil(t, r.DNSMS, "an IP literal needs no lookup")
			assert.Nil(t, r.TLSMS)
			assert.Nil(t, r.CertExpiresAt)
		})
	}
}

func TestHTTPConnectionRefused(t *testing.T) {
	r := probe(testProber(Options{}), monitor(t, model.TypeHTTP, "http://"+closedPort(t)+"/", ""), 2*time.Second)
	expectDown(t, r, kindConnect, "connection refused")
	assert.Nil(t, r.LatencyMS, "no exchange took place")
	assert.Zero(t, r.StatusCode)
}

func TestHTTPTimeout(t *testing.T) {
	srv := httpServer(t)
	const timeout = 300 * time.Millisecond
	tests := []struct{ name, url, message string }{
		{"slow response", srv.URL + "/slow?ms=5000", "timed out waiting for the response"},
		{"stalled body", srv.URL + "/stall", "timed out reading the response body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r := probe(testProber(Options{}), monitor(t, model.TypeHTTP, tt.url, ""), timeout)
			elapsed := time.Since(start)
			expectDown(t, r, kindTimeout, tt.message)
			assert.Less(t, elapsed, timeout+200*time.Millisecond, "the probe returns by its deadline")
			assert.GreaterOrEqual(t, elapsed, timeout)
		})
	}
}

func TestHTTPSPhases(t *testing.T) {
	ca := newTestCA(t)
	cert := ca.validFor(t, 90*day, "secure.test")
	srv := httpsServer(t, cert)
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	require.NoError(t, err)
	p := testProber(Options{Resolver: testResolver(startDNS(t))})
	p.roots = ca.pool

	r := probe(p, monitor(t, model.TypeHTTP, "https://secure.test:"+port+"/ok", ""), 5*time.Second)
	expectUp(t, r)
	assert.Equal(t, 200, r.StatusCode)
	for name, phase := range map[string]*float64{"dns": r.DNSMS, "connect": r.ConnectMS, "tls": r.TLSMS, "ttfb": r.TTFBMS, "total": r.LatencyMS} {
		if assert.NotNil(t, phase, name) {
			assert.Positive(t, *phase, name)
		}
	}
	assert.Greater(t, *r.LatencyMS, *r.TLSMS)
	require.NotNil(t, r.CertExpiresAt)
	assert.True(t, r.CertExpiresAt.Equal(cert.Leaf.NotAfter), "the expiry of the served chain")
}

func TestHTTPSCertificateErrors(t *testing.T) {
	ca := newTestCA(t)
	good := httpsServer(t, ca.validFor(t, 90*day, "127.0.0.1"))
	wrongHost := httpsServer(t, ca.validFor(t, 90*day, "other.test"))
	expired := httpsServer(t, ca.issue(t, time.Now().Add(-90*day), time.Now().Add(-day), "127.0.0.1"))
	selfSigned := httptest.NewUnstartedServer(httpHandler())
	selfSigned.Config.ErrorLog = quietLog
	selfSigned.StartTLS()
	t.Cleanup(selfSigned.Close)

	tests := []struct {
		name, url, config, wantKind, wantMessage string
	}{
		{"trusted", good.URL + "/ok", ``, "", "200 OK"},
		{"unknown authority", selfSigned.URL + "/ok", ``, kindTLS, "certificate: certificate signed by unknown authority"},
		{"wrong host name", wrongHost.URL + "/ok", ``, kindTLS, "certificate: cannot validate certificate for 127.0.0.1"},
		{"expired", expired.URL + "/ok", ``, kindTLS, "certificate: certificate has expired"},
		{"expired but verification off", expired.URL + "/ok", `{"verify_tls":false}`, "", "200 OK"},
		{"plain HTTP on a TLS request", strings.Replace(httpServer(t).URL, "http:", "https:", 1) + "/ok", ``, kindTLS, "TLS handshake failed: the server answered in plain HTTP"},
	}
	p := testProber(Options{})
	p.roots = ca.pool
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := probe(p, monitor(t, model.TypeHTTP, tt.url, tt.config), 5*time.Second)
			if tt.wantKind == "" {
				expectUp(t, r)
				assert.NotNil(t, r.CertExpiresAt)
			} else {
				expectDown(t, r, tt.wantKind, tt.wantMessage)
			}
			assert.Contains(t, r.Message, tt.wantMessage)
		})
	}
}

func TestHTTPMessageHidesTheURL(t *testing.T) {
	// A refused connection to a URL carrying a token: the message names the
	// failure, not the URL.
	target := "http://" + closedPort(t) + "/health?" + url.Values{"token": {"s3cret"}}.Encode()
	r := probe(testProber(Options{}), monitor(t, model.TypeHTTP, target, ""), 2*time.Second)
	expectDown(t, r, kindConnect, "connection refused")
	assert.NotContains(t, r.Message, "s3cret")
}
