package model

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/vinsight/vinsight/internal/errs"
)

// validTarget checks the syntax of a target for its monitor type. Whether
// it resolves, answers or is a private address is decided by the probe at
// dial time, where DNS rebinding cannot get around it.
func validTarget(v *errs.ValidationError, t MonitorType, target string) {
	if len(target) > maxTargetLength {
		v.Add("target", fmt.Sprintf("at most %d characters", maxTargetLength))
		return
	}
	if t == TypeHeartbeat {
		if target != "" {
			v.Add("target", "must be empty: a heartbeat monitor is pushed to, at its heartbeat_url")
		}
		return
	}
	if target == "" {
		v.Add("target", "required")
		return
	}
	var reason string
	switch t {
	case TypeHTTP, TypeKeyword:
		reason = checkHTTPURL(target)
	case TypeTLS:
		if strings.Contains(target, "://") {
			reason = checkHTTPURL(target)
			if reason == "" && !strings.HasPrefix(strings.ToLower(target), "https://") {
				reason = "must be a host, a host:port or an https:// URL"
			}
		} else if reason = checkHostPort(target, true); reason != "" {
			reason = "must be a host or host:port such as example.com:443"
		}
	case TypeTCP:
		reason = checkHostPort(target, false)
	case TypeDNS:
		if !validHostname(target) {
			reason = "must be a domain name such as example.com"
		}
	case TypeICMP:
		if !validHost(target) {
			reason = "must be a host name or an IP address"
		}
	}
	if reason != "" {
		v.Add("target", reason)
	}
}

// checkHTTPURL returns why s is not an absolute http(s) URL with a host.
func checkHTTPURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "must be a valid URL such as https://example.com/health"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "must be an http:// or https:// URL"
	}
	if u.Hostname() == "" {
		return "must name a host, as in https://example.com/health"
	}
	if !validHost(u.Hostname()) {
		return "has an invalid host name"
	}
	if p := u.Port(); p != "" && validPort(p) != nil {
		return "port must be from 1 to 65535"
	}
	return ""
}

// checkHostPort returns why s is not host:port (or a bare host when
// portOptional).
func checkHostPort(s string, portOptional bool) string {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		if portOptional && validHost(s) {
			return ""
		}
		return "must be host:port such as db.example.com:5432"
	}
	if !validHost(host) {
		return "has an invalid host name"
	}
	if validPort(port) != nil {
		return "port must be from 1 to 65535"
	}
	return ""
}

func validPort(p string) error {
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 || p[0] == '0' || p[0] == '+' {
		return errors.New("port must be from 1 to 65535")
	}
	return nil
}

// TLSAddress is the host:port a tls monitor dials for target, which is a
// host, a host:port or an https URL; the port defaults to 443.
func TLSAddress(target string) string {
	if u, err := url.Parse(target); err == nil && u.Scheme == "https" && u.Host != "" {
		target = u.Host
	}
	if _, _, err := net.SplitHostPort(target); err == nil {
		return target
	}
	return net.JoinHostPort(strings.Trim(target, "[]"), "443")
}

// validHost reports whether s is an IP address or a domain name.
func validHost(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	return validHostname(s)
}

// validHostname reports whether s is a domain name: dot-separated labels of
// letters, digits, hyphens and underscores (as in _dmarc.example.com), not
// ending in an all-numeric label (that would be a mistyped IP address).
func validHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if r != '-' && r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return false
			}
		}
	}
	last := labels[len(labels)-1]
	return strings.IndexFunc(last, func(r rune) bool { return !unicode.IsDigit(r) }) >= 0
}
