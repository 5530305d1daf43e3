package probe

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// redirectChain builds the requests that follow redirects by the rules of
// net/http's Client, so that a monitor sees what a Go client (and mostly a
// browser) would: 301, 302 and 303 turn the request into a GET without a
// body (HEAD stays HEAD), 307 and 308 repeat it; credentials are not sent
// to another domain; a custom Host header survives only relative
// redirects; Referer names the previous URL unless that would leave HTTPS.
type redirectChain struct {
	first *http.Request
	body  string // the configured body, sent again by 307 and 308
	// dropBody is set once a hop dropped the body: it is never sent again.
	dropBody bool
	// stripCredentials is set once the chain left the first host's domain.
	stripCredentials bool
}

var (
	errBadLocation       = errors.New("redirect with an invalid Location")
	errRedirectNotWebURL = errors.New("redirect to a URL that is not http or https")
)

// next returns the request that follows prev, whose response resp may be
// a redirect, or nil when it is not one.
func (c *redirectChain) next(prev *http.Request, resp *http.Response) (*http.Request, error) {
	method := prev.Method
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther:
		c.dropBody = true
		if method != http.MethodGet && method != http.MethodHead {
			method = http.MethodGet
		}
	case http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		return nil, nil
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, nil // a 3xx without a Location is the answer
	}
	u, err := prev.URL.Parse(loc)
	if err != nil {
		return nil, errBadLocation
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, errRedirectNotWebURL
	}
	var body io.Reader
	if !c.dropBody && c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(method, u.String(), body)
	if err != nil {
		return nil, errBadLocation
	}
	req.Close = true
	if prev.Host != "" && prev.Host != prev.URL.Host {
		if lu, err := url.Parse(loc); err == nil && !lu.IsAbs() {
			req.Host = prev.Host
		}
	}
	if !c.stripCredentials && c.first.URL.Host != req.URL.Host &&
		!isDomainOrSubdomain(asciiHost(req.URL), asciiHost(c.first.URL)) {
		c.stripCredentials = true
	}
	for name, values := range c.first.Header {
		switch http.CanonicalHeaderKey(name) {
		case "Authorization", "Www-Authenticate", "Cookie", "Cookie2", "Proxy-Authorization", "Proxy-Authenticate":
			if c.stripCredentials {
				continue
			}
		case "Content-Encoding", "Content-Language", "Content-Location", "Content-Type":
			if c.dropBody {
				continue
			}
		}
		req.Header[name] = values
	}
	if ref := referer(prev.URL, req.URL, req.Header.Get("Referer")); ref != "" {
		req.Header.Set("Referer", ref)
	}
	return req, nil
}

// referer is the Referer of a redirect from prev to next: none from HTTPS
// to HTTP, the monitor's own when it set one, else prev without its
// credentials.
func referer(prev, next *url.URL, explicit string) string {
	if prev.Scheme == "https" && next.Scheme == "http" {
		return ""
	}
	if explicit != "" {
		return explicit
	}
	if prev.User == nil {
		return prev.String()
	}
	u := *prev
	u.User = nil
	return u.String()
}

func asciiHost(u *url.URL) string {
	host := u.Hostname()
	if ascii, err := idnaASCII(host); err == nil {
		return ascii
	}
	return host
}

// isDomainOrSubdomain reports whether sub is parent or a subdomain of it.
func isDomainOrSubdomain(sub, parent string) bool {
	if sub == parent {
		return true
	}
	// An IPv6 address or zone is never a subdomain.
	if strings.ContainsAny(sub, ":%") {
		return false
	}
	return strings.HasSuffix(sub, parent) && len(sub) > len(parent) && sub[len(sub)-len(parent)-1] == '.'
}
