package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MonitorConfig is the typed config of a monitor: exactly one field is set,
// the one of the monitor's type. On the wire it is that type's object.
type MonitorConfig struct {
	HTTP      *HTTPConfig
	Keyword   *KeywordConfig
	TCP       *TCPConfig
	DNS       *DNSConfig
	ICMP      *ICMPConfig
	TLS       *TLSConfig
	Heartbeat *HeartbeatConfig
}

// CommonConfig holds the settings every monitor type has.
type CommonConfig struct {
	// Retries is how many quick re-checks confirm a failure before it
	// counts as down.
	Retries int `json:"retries"`
	// DegradedLatencyMS marks a successful check slower than this as
	// degraded; nil disables it.
	DegradedLatencyMS *int `json:"degraded_latency_ms,omitempty"`
	// DownQuorum is how many regions must see the monitor down before it
	// counts as down (fewer is degraded); nil means one.
	DownQuorum *int `json:"down_quorum,omitempty"`
	// RecoveryChecks is how many healthy checks in a row resolve an open
	// incident; 0 means one.
	RecoveryChecks int `json:"recovery_checks,omitempty"`
	// AlertOnDegraded opens incidents for degraded as well as down.
	AlertOnDegraded bool `json:"alert_on_degraded,omitempty"`
	// ReminderMinutes repeats the alert of an open, unacknowledged incident
	// this often; 0 sends no reminders.
	ReminderMinutes int `json:"reminder_minutes,omitempty"`
}

// HTTPConfig configures an http monitor (and the request of a keyword one).
type HTTPConfig struct {
	CommonConfig
	Method          string            `json:"method"`
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
	ExpectedStatus  []string          `json:"expected_status"` // codes ("301") and ranges ("200-299")
	FollowRedirects bool              `json:"follow_redirects"`
	MaxRedirects    int               `json:"max_redirects"`
	VerifyTLS       bool              `json:"verify_tls"`
	JSONAssertions  []JSONAssertion   `json:"json_assertions"`
}

// JSON assertion operators.
const (
	OpEquals   = "equals"
	OpContains = "contains"
	OpLT       = "lt"
	OpLTE      = "lte"
	OpGT       = "gt"
	OpGTE      = "gte"
	OpExists   = "exists"
)

// AssertionOps lists the JSON assertion operators.
var AssertionOps = []string{OpEquals, OpContains, OpLT, OpLTE, OpGT, OpGTE, OpExists}

// JSONAssertion checks the response body, parsed as JSON, with an RFC 9535
// JSONPath query (github.com/theory/jsonpath).
type JSONAssertion struct {
	Path string `json:"path"`
	Op   string `json:"op"`
	// Value is the JSON value compared against; absent for exists.
	Value json.RawMessage `json:"value,omitempty"`
}

// KeywordConfig configures a keyword monitor: an HTTP check whose body must
// contain (or, with Absent, must not contain) Keyword.
type KeywordConfig struct {
	HTTPConfig
	Keyword       string `json:"keyword"`
	CaseSensitive bool   `json:"case_sensitive"`
	Absent        bool   `json:"absent"`
}

// TCPConfig configures a tcp monitor: connect, optionally send Send and
// expect the reply to contain Expect.
type TCPConfig struct {
	CommonConfig
	Send   string `json:"send"`
	Expect string `json:"expect"`
}

// DNSRecordTypes are the record types a dns monitor can query.
var DNSRecordTypes = []string{"A", "AAAA", "CNAME", "MX", "TXT", "NS", "SOA"}

// DNSConfig configures a dns monitor: query Target for RecordType, through
// Resolver (host:port; empty means the system resolver), and when
// ExpectedValues is not empty require each of them among the answers.
type DNSConfig struct {
	CommonConfig
	RecordType     string   `json:"record_type"`
	Resolver       string   `json:"resolver"`
	ExpectedValues []string `json:"expected_values"`
}

// ICMPConfig configures an icmp (ping) monitor.
type ICMPConfig struct {
	CommonConfig
	PacketCount int `json:"packet_count"`
}

// TLSConfig configures a tls monitor: a certificate expiring within
// WarnDays is degraded, within CriticalDays down.
type TLSConfig struct {
	CommonConfig
	WarnDays     int `json:"warn_days"`
	CriticalDays int `json:"critical_days"`
}

// HeartbeatConfig configures a heartbeat (push) monitor: no beat within the
// interval plus GraceSeconds means down.
type HeartbeatConfig struct {
	CommonConfig
	GraceSeconds int `json:"grace_seconds"`
}

// defaultConfig returns the config of type t with every default set; a
// request's config is decoded over it, so absent fields keep the default.
func defaultConfig(t MonitorType) (MonitorConfig, any) {
	http := func() HTTPConfig {
		return HTTPConfig{Method: "GET", Headers: map[string]string{}, ExpectedStatus: []string{"200-299"},
			FollowRedirects: true, MaxRedirects: 10, VerifyTLS: true, JSONAssertions: []JSONAssertion{}}
	}
	var c MonitorConfig
	switch t {
	case TypeHTTP:
		h := http()
		c.HTTP = &h
		return c, c.HTTP
	case TypeKeyword:
		c.Keyword = &KeywordConfig{HTTPConfig: http()}
		return c, c.Keyword
	case TypeTCP:
		c.TCP = &TCPConfig{}
		return c, c.TCP
	case TypeDNS:
		c.DNS = &DNSConfig{RecordType: "A", ExpectedValues: []string{}}
		return c, c.DNS
	case TypeICMP:
		c.ICMP = &ICMPConfig{PacketCount: 3}
		return c, c.ICMP
	case TypeTLS:
		c.TLS = &TLSConfig{WarnDays: 14, CriticalDays: 7}
		return c, c.TLS
	case TypeHeartbeat:
		c.Heartbeat = &HeartbeatConfig{GraceSeconds: 60}
		return c, c.Heartbeat
	}
	return c, nil
}

var errConfigNotObject = errors.New("config must be a JSON object")

// ParseMonitorConfig decodes the config of a monitor of type t over its
// defaults. Strict decoding (requests) rejects unknown fields; stored
// configs are read leniently so that a removed field never makes a monitor
// unreadable. Absent or null raw gives the defaults.
func ParseMonitorConfig(t MonitorType, raw []byte, strict bool) (MonitorConfig, error) {
	c, dst := defaultConfig(t)
	if dst == nil {
		return c, fmt.Errorf("unknown monitor type %q", t)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return c, nil
	}
	if raw[0] != '{' {
		return c, errConfigNotObject
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(dst); err != nil {
		return c, err
	}
	c.normalizeNils()
	return c, nil
}

// normalizeNils turns JSON nulls in lists and maps into empty ones, so a
// config has one form whatever the client sent.
func (c *MonitorConfig) normalizeNils() {
	h := c.HTTP
	if c.Keyword != nil {
		h = &c.Keyword.HTTPConfig
	}
	if h != nil {
		if h.Headers == nil {
			h.Headers = map[string]string{}
		}
		if h.JSONAssertions == nil {
			h.JSONAssertions = []JSONAssertion{}
		}
		if len(h.ExpectedStatus) == 0 {
			h.ExpectedStatus = []string{"200-299"}
		}
	}
	if c.DNS != nil && c.DNS.ExpectedValues == nil {
		c.DNS.ExpectedValues = []string{}
	}
}

// set returns the one config that is set, or nil.
func (c MonitorConfig) set() any {
	switch {
	case c.HTTP != nil:
		return c.HTTP
	case c.Keyword != nil:
		return c.Keyword
	case c.TCP != nil:
		return c.TCP
	case c.DNS != nil:
		return c.DNS
	case c.ICMP != nil:
		return c.ICMP
	case c.TLS != nil:
		return c.TLS
	case c.Heartbeat != nil:
		return c.Heartbeat
	}
	return nil
}

// MarshalJSON writes the config of the monitor's type as a flat object.
func (c MonitorConfig) MarshalJSON() ([]byte, error) {
	if v := c.set(); v != nil {
		return json.Marshal(v)
	}
	return []byte("{}"), nil
}

// Common returns the settings shared by every type.
func (c MonitorConfig) Common() CommonConfig {
	switch v := c.set().(type) {
	case *HTTPConfig:
		return v.CommonConfig
	case *KeywordConfig:
		return v.CommonConfig
	case *TCPConfig:
		return v.CommonConfig
	case *DNSConfig:
		return v.CommonConfig
	case *ICMPConfig:
		return v.CommonConfig
	case *TLSConfig:
		return v.CommonConfig
	case *HeartbeatConfig:
		return v.CommonConfig
	}
	return CommonConfig{}
}

// StatusAccepted reports whether an HTTP status code is one the monitor
// expects. ExpectedStatus has been validated, so entries parse.
func (h *HTTPConfig) StatusAccepted(code int) bool {
	for _, s := range h.ExpectedStatus {
		lo, hi, err := parseStatusSpec(s)
		if err == nil && code >= lo && code <= hi {
			return true
		}
	}
	return false
}

// parseStatusSpec parses "200" or "200-299" into an inclusive range.
func parseStatusSpec(s string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(s, "-")
	if lo, err = statusCode(a); err != nil {
		return 0, 0, err
	}
	hi = lo
	if isRange {
		if hi, err = statusCode(b); err != nil {
			return 0, 0, err
		}
		if hi < lo {
			return 0, 0, errors.New("range must run from low to high, e.g. 200-299")
		}
	}
	return lo, hi, nil
}

func statusCode(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || len(s) != 3 || n < 100 || n > 599 {
		return 0, errors.New(`must be a status code from 100 to 599 or a range such as "200-299"`)
	}
	return n, nil
}
