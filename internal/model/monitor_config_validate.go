package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vinsight/vinsight/internal/errs"
)

// Bounds of config fields; generous for real checks, small enough that one
// monitor cannot bloat the table or a probe.
const (
	maxHeaders         = 50
	maxHeaderName      = 256
	maxHeaderValue     = 8192
	maxPayload         = 64 << 10 // request body, tcp send and expect
	maxStatusSpecs     = 20
	maxAssertions      = 20
	maxJSONPath        = 512
	maxKeyword         = 1024
	maxExpectedValues  = 50
	maxExpectedValue   = 1024
	maxRetries         = 10
	maxRecoveryChecks  = 100
	maxReminderMinutes = 7 * 24 * 60
	maxRedirects       = 20
	maxPackets         = 10
	maxCertDays        = 365
	maxGraceSeconds    = 86400
	httpMethodsAllowed = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
)

// validConfig checks the decoded config of a valid type and normalises the
// spellings it accepts loosely (method and record type case).
func validConfig(v *errs.ValidationError, c MonitorConfig, timeoutSeconds int) {
	validCommon(v, c.Common(), timeoutSeconds)
	switch {
	case c.HTTP != nil:
		validHTTP(v, c.HTTP)
	case c.Keyword != nil:
		validHTTP(v, &c.Keyword.HTTPConfig)
		k := c.Keyword.Keyword
		switch {
		case k == "":
			v.Add("config.keyword", "required")
		case utf8.RuneCountInString(k) > maxKeyword:
			v.Add("config.keyword", fmt.Sprintf("at most %d characters", maxKeyword))
		case strings.ContainsRune(k, 0):
			v.Add("config.keyword", "must not contain NUL characters")
		}
	case c.TCP != nil:
		validPayload(v, "config.send", c.TCP.Send)
		validPayload(v, "config.expect", c.TCP.Expect)
	case c.DNS != nil:
		validDNS(v, c.DNS)
	case c.ICMP != nil:
		if n := c.ICMP.PacketCount; n < 1 || n > maxPackets {
			v.Add("config.packet_count", fmt.Sprintf("must be from 1 to %d", maxPackets))
		}
	case c.TLS != nil:
		validTLS(v, c.TLS)
	case c.Heartbeat != nil:
		if g := c.Heartbeat.GraceSeconds; g < 0 || g > maxGraceSeconds {
			v.Add("config.grace_seconds", fmt.Sprintf("must be from 0 to %d", maxGraceSeconds))
		}
	}
}

func validCommon(v *errs.ValidationError, c CommonConfig, timeoutSeconds int) {
	if c.Retries < 0 || c.Retries > maxRetries {
		v.Add("config.retries", fmt.Sprintf("must be from 0 to %d", maxRetries))
	}
	if c.RecoveryChecks < 0 || c.RecoveryChecks > maxRecoveryChecks {
		v.Add("config.recovery_checks", fmt.Sprintf("must be from 1 to %d (0 means 1)", maxRecoveryChecks))
	}
	if c.ReminderMinutes < 0 || c.ReminderMinutes > maxReminderMinutes {
		v.Add("config.reminder_minutes", fmt.Sprintf("must be from 0 (no reminders) to %d", maxReminderMinutes))
	}
	if q := c.DownQuorum; q != nil && (*q < 1 || *q > 20) {
		v.Add("config.down_quorum", "must be from 1 to 20 regions")
	}
	if d := c.DegradedLatencyMS; d != nil {
		limit := timeoutSeconds * 1000
		if *d < 1 || (limit > 0 && *d >= limit) {
			v.Add("config.degraded_latency_ms", fmt.Sprintf("must be from 1 to %d milliseconds, below the timeout", max(limit-1, 1)))
		}
	}
}

func validHTTP(v *errs.ValidationError, h *HTTPConfig) {
	h.Method = strings.ToUpper(h.Method)
	if !slices.Contains(strings.Split(httpMethodsAllowed, ", "), h.Method) {
		v.Add("config.method", "must be one of "+httpMethodsAllowed)
	}
	validHeaders(v, h.Headers)
	validPayload(v, "config.body", h.Body)
	if len(h.ExpectedStatus) > maxStatusSpecs {
		v.Add("config.expected_status", fmt.Sprintf("at most %d entries", maxStatusSpecs))
	}
	for i, s := range h.ExpectedStatus {
		if _, _, err := parseStatusSpec(s); err != nil {
			v.Add(fmt.Sprintf("config.expected_status[%d]", i), err.Error())
		}
	}
	if h.MaxRedirects < 0 || h.MaxRedirects > maxRedirects {
		v.Add("config.max_redirects", fmt.Sprintf("must be from 0 to %d", maxRedirects))
	}
	if len(h.JSONAssertions) > maxAssertions {
		v.Add("config.json_assertions", fmt.Sprintf("at most %d assertions", maxAssertions))
	}
	for i := range h.JSONAssertions {
		validAssertion(v, fmt.Sprintf("config.json_assertions[%d]", i), &h.JSONAssertions[i])
	}
}

// validHeaders checks names against the RFC 7230 token grammar and values
// for control characters, which would let a header smuggle another one.
// Names are case-insensitive, so two spellings of one name are refused
// rather than one of them silently winning.
func validHeaders(v *errs.ValidationError, headers map[string]string) {
	if len(headers) > maxHeaders {
		v.Add("config.headers", fmt.Sprintf("at most %d headers", maxHeaders))
		return
	}
	names := make([]string, 0, len(headers))
	for name := range headers {
		names = append(names, name)
	}
	sort.Strings(names)
	seen := map[string]bool{}
	for _, name := range names {
		field := "config.headers." + name
		value := headers[name]
		switch {
		case !isToken(name) || len(name) > maxHeaderName:
			v.Add(field, "header name must be an RFC 7230 token (letters, digits and !#$%&'*+-.^_`|~)")
		case seen[strings.ToLower(name)]:
			v.Add(field, "repeats another header name (names are case-insensitive)")
		case len(value) > maxHeaderValue:
			v.Add(field, fmt.Sprintf("value at most %d bytes", maxHeaderValue))
		case strings.IndexFunc(value, func(r rune) bool { return r != '\t' && unicode.IsControl(r) }) >= 0:
			v.Add(field, "value must not contain CR, LF or other control characters")
		}
		seen[strings.ToLower(name)] = true
	}
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		isAlnum := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !isAlnum && !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// validPayload bounds free-form bytes sent or expected; NUL is refused
// because PostgreSQL cannot store it in text or jsonb.
func validPayload(v *errs.ValidationError, field, s string) {
	switch {
	case len(s) > maxPayload:
		v.Add(field, fmt.Sprintf("at most %d bytes", maxPayload))
	case strings.ContainsRune(s, 0):
		v.Add(field, "must not contain NUL characters")
	}
}

func validDNS(v *errs.ValidationError, d *DNSConfig) {
	d.RecordType = strings.ToUpper(d.RecordType)
	if !slices.Contains(DNSRecordTypes, d.RecordType) {
		v.Add("config.record_type", "must be one of "+strings.Join(DNSRecordTypes, ", "))
	}
	if d.Resolver != "" && !validHost(d.Resolver) {
		if reason := checkHostPort(d.Resolver, false); reason != "" {
			v.Add("config.resolver", "must be host or host:port of a DNS server, such as 1.1.1.1:53")
		}
	}
	if len(d.ExpectedValues) > maxExpectedValues {
		v.Add("config.expected_values", fmt.Sprintf("at most %d values", maxExpectedValues))
	}
	for i, e := range d.ExpectedValues {
		field := fmt.Sprintf("config.expected_values[%d]", i)
		switch {
		case e == "":
			v.Add(field, "must not be empty")
		case utf8.RuneCountInString(e) > maxExpectedValue:
			v.Add(field, fmt.Sprintf("at most %d characters", maxExpectedValue))
		case strings.IndexFunc(e, unicode.IsControl) >= 0:
			v.Add(field, "must not contain control characters")
		}
	}
}

func validTLS(v *errs.ValidationError, t *TLSConfig) {
	switch {
	case t.WarnDays < 0 || t.WarnDays > maxCertDays:
		v.Add("config.warn_days", fmt.Sprintf("must be from 0 to %d", maxCertDays))
	case t.CriticalDays < 0 || t.CriticalDays > maxCertDays:
		v.Add("config.critical_days", fmt.Sprintf("must be from 0 to %d", maxCertDays))
	case t.CriticalDays > t.WarnDays:
		v.Add("config.critical_days", "must not exceed warn_days")
	}
}

// configDecodeError names the config field a decoding error is about.
func configDecodeError(v *errs.ValidationError, err error) {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := "config"
		for _, part := range strings.Split(typeErr.Field, ".") {
			// The path names embedded structs by their Go type; the wire
			// format is flat.
			if part != "" && part != "HTTPConfig" && part != "CommonConfig" {
				field += "." + part
			}
		}
		v.Add(field, "must be "+describeKind(typeErr.Type.Kind().String()))
	case errors.As(err, &syntaxErr):
		v.Add("config", "malformed JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		v.Add("config."+name, "unknown field for this monitor type")
	case errors.Is(err, errConfigNotObject):
		v.Add("config", "must be an object")
	default:
		v.Add("config", "invalid")
	}
}

func describeKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "int", "int64":
		return "a whole number"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	}
	return "of another type"
}
