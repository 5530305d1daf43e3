package probe

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/model"
)

// TestRedirectRequests: what each hop of a redirect sends, by the rules of
// Go's HTTP client.
func TestRedirectRequests(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/to", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		w.Header().Set("Location", r.URL.Query().Get("url"))
		w.WriteHeader(code)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		json.NewEncoder(w).Encode(map[string]string{
			"method": r.Method, "body": string(body), "host": r.Host, "referer": r.Referer(),
			"authorization": r.Header.Get("Authorization"), "cookie": r.Header.Get("Cookie"),
			"token": r.Header.Get("X-Token"), "content_type": r.Header.Get("Content-Type"),
		})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	require.NoError(t, err)
	base := func(host string) string { return "http://" + host + ":" + port }
	to := func(code int, location string) string {
		return base("secure.test") + "/to?" + url.Values{"code": {strconv.Itoa(code)}, "url": {location}}.Encode()
	}
	// expect builds the JSON assertions that the echoed request must pass.
	expect := func(want map[string]string) string {
		var as []model.JSONAssertion
		for field, value := range want {
			quoted, err := json.Marshal(value)
			require.NoError(t, err)
			as = append(as, model.JSONAssertion{Path: "$." + field, Op: model.OpEquals, Value: quoted})
		}
		b, err := json.Marshal(as)
		require.NoError(t, err)
		return string(b)
	}
	const credentials = `"headers":{"Authorization":"Bearer s3cret","Cookie":"session=s3cret","X-Token":"kept"}`
	post := `"method":"POST","body":"ping","headers":{"Content-Type":"text/plain"}`
	tests := []struct {
		name, target, config string
		want                 map[string]string
	}{
		{"credentials kept on the same host", to(302, "/echo"), credentials,
			map[string]string{"authorization": "Bearer s3cret", "cookie": "session=s3cret", "token": "kept"}},
		{"credentials kept for a subdomain", to(302, base("api.secure.test")+"/echo"), credentials,
			map[string]string{"authorization": "Bearer s3cret", "cookie": "session=s3cret"}},
		{"credentials dropped for another domain", to(302, base("other.test")+"/echo"), credentials,
			map[string]string{"authorization": "", "cookie": "", "token": "kept"}},
		{"303 turns a POST into a GET without its body", to(303, "/echo"), post,
			map[string]string{"method": "GET", "body": "", "content_type": ""}},
		{"301 turns a POST into a GET", to(301, "/echo"), post, map[string]string{"method": "GET", "body": ""}},
		{"307 repeats the POST with its body", to(307, "/echo"), post,
			map[string]string{"method": "POST", "body": "ping", "content_type": "text/plain"}},
		{"308 repeats the POST with its body", to(308, "/echo"), post, map[string]string{"method": "POST", "body": "ping"}},
		{"Referer names the previous URL", to(302, "/echo"), ``, map[string]string{"referer": to(302, "/echo")}},
		{"a custom Host survives a relative redirect", to(302, "/echo"), `"headers":{"Host":"status.example"}`,
			map[string]string{"host": "status.example"}},
		{"a custom Host does not follow an absolute redirect", to(302, base("other.test")+"/echo"), `"headers":{"Host":"status.example"}`,
			map[string]string{"host": "other.test:" + port}},
	}
	p := testProber(Options{Resolver: testResolver(startDNS(t))})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			config := `{"json_assertions":` + expect(tt.want)
			if tt.config != "" {
				config += "," + tt.config
			}
			r := probe(p, monitor(t, model.TypeHTTP, tt.target, config+"}"), 5*time.Second)
			expectUp(t, r)
			assert.Equal(t, 200, r.StatusCode)
			assert.NotNil(t, r.DNSMS, "names were looked up")
			assert.NotNil(t, r.ConnectMS)
			assert.NotNil(t, r.TTFBMS)
		})
	}
}

// TestRedirectFailures: a redirect that cannot be followed is the answer's
// failure, not a network one.
func TestRedirectFailures(t *testing.T) {
	tests := []struct{ name, response, message string }{
		{"not a web URL", "HTTP/1.1 302 Found\r\nLocation: ftp://files.example/\r\nContent-Length: 0\r\n\r\n", "redirect to a URL that is not http or https"},
		{"invalid Location", "HTTP/1.1 301 Moved Permanently\r\nLocation: http://[::1\r\nContent-Length: 0\r\n\r\n", "redirect with an invalid Location"},
	}
	p := testProber(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := rawHTTP(t, tt.response) + "/"
			r := probe(p, monitor(t, model.TypeHTTP, target, ""), 5*time.Second)
			expectDown(t, r, kindHTTPStatus, tt.message)
			assert.NotZero(t, r.StatusCode)

			r = probe(p, monitor(t, model.TypeHTTP, target, `{"follow_redirects":false}`), 5*time.Second)
			expectDown(t, r, kindHTTPStatus, "redirects are not followed")
		})
	}
	// A 3xx without a Location is an answer like any other.
	r := probe(p, monitor(t, model.TypeHTTP, rawHTTP(t, "HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n")+"/", `{"expected_status":["302"]}`), 5*time.Second)
	expectUp(t, r)
}

func TestIsDomainOrSubdomain(t *testing.T) {
	tests := []struct {
		sub, parent string
		want        bool
	}{
		{"example.com", "example.com", true},
		{"api.example.com", "example.com", true},
		{"a.b.example.com", "example.com", true},
		{"badexample.com", "example.com", false},
		{"example.com", "api.example.com", false},
		{"::1%.example.com", "example.com", false},
		{"xn--bcher-kva.example", "xn--bcher-kva.example", true},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, isDomainOrSubdomain(tt.sub, tt.parent), "%s of %s", tt.sub, tt.parent)
	}
}
