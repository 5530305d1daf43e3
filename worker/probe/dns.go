package probe

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/net/idna"

	"github.com/vinsight/vinsight/internal/model"
)

// probeDNS asks a resolver for the target's records of one type. It is up
// when the answer has records of that type and holds every expected value;
// DNSMS is the query's round trip.
func probeDNS(ctx context.Context, p *Prober, m model.Monitor) model.CheckResult {
	cfg := m.Config.DNS
	if cfg == nil {
		cfg = defaults(model.TypeDNS).DNS
	}
	r := up("")
	start := time.Now()
	qtype, known := dns.StringToType[strings.ToUpper(cfg.RecordType)]
	if !known {
		fail(&r, kindDNS, "unknown record type "+quoteShort(cfg.RecordType))
		return r
	}
	servers, dialer, err := p.dnsServers(cfg.Resolver)
	if err != nil {
		fail(&r, kindDNS, err.Error())
		return r
	}
	query := new(dns.Msg)
	query.SetQuestion(dns.Fqdn(asciiName(m.Target)), qtype)
	query.SetEdns0(1232, false) // the size DNS Flag Day 2020 settled on

	resp, rtt, err := exchange(ctx, dialer, query, servers)
	if err != nil {
		failErr(&r, err)
		return r
	}
	r.DNSMS = ms(rtt)
	r.LatencyMS = ms(time.Since(start))
	if resp.Rcode != dns.RcodeSuccess {
		fail(&r, kindDNS, fmt.Sprintf("%s for %s %s", dns.RcodeToString[resp.Rcode], m.Target, cfg.RecordType))
		return r
	}
	shown, matchable := answerValues(resp.Answer, qtype)
	if len(shown) == 0 {
		fail(&r, kindDNS, fmt.Sprintf("no %s records for %s", cfg.RecordType, m.Target))
		return r
	}
	for _, expected := range cfg.ExpectedValues {
		if !slices.Contains(matchable, normalizeDNSValue(qtype, expected)) {
			fail(&r, kindAssertion, fmt.Sprintf("expected %s not among the answers: %s", quoteShort(expected), summary(shown)))
			return r
		}
	}
	r.Message = summary(shown)
	return r
}

// dnsServers returns the servers to ask and the dialer to reach them. A
// resolver chosen in the monitor is dialed through the guard like any
// target; the system's resolvers are the operator's, reached directly.
func (p *Prober) dnsServers(resolver string) ([]string, *net.Dialer, error) {
	if resolver != "" {
		if _, _, err := net.SplitHostPort(resolver); err != nil {
			resolver = net.JoinHostPort(strings.Trim(resolver, "[]"), "53")
		}
		return []string{resolver}, p.dialer, nil
	}
	servers, err := p.systemServers()
	if err != nil {
		return nil, nil, fmt.Errorf("no system resolver: %v", err)
	}
	return servers, &net.Dialer{Resolver: p.resolver}, nil
}

// resolvConfServers reads the name servers (host:port) from a resolv.conf
// file.
func resolvConfServers(path string) ([]string, error) {
	conf, err := dns.ClientConfigFromFile(path)
	if err != nil {
		return nil, err
	}
	servers := make([]string, 0, len(conf.Servers))
	for _, s := range conf.Servers {
		servers = append(servers, net.JoinHostPort(s, conf.Port))
	}
	if len(servers) == 0 {
		servers = []string{"127.0.0.1:53"} // the C library's default, too
	}
	return servers, nil
}

// exchange asks each server in turn until one answers, over UDP and then
// over TCP when the answer was truncated.
func exchange(ctx context.Context, dialer *net.Dialer, query *dns.Msg, servers []string) (*dns.Msg, time.Duration, error) {
	var firstErr error
	for _, server := range servers {
		resp, rtt, err := exchangeOver(ctx, "udp", dialer, query, server)
		if err == nil && resp.Truncated {
			resp, rtt, err = exchangeOver(ctx, "tcp", dialer, query, server)
		}
		if err == nil {
			return resp, rtt, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, 0, firstErr
}

func exchangeOver(ctx context.Context, network string, dialer *net.Dialer, query *dns.Msg, server string) (*dns.Msg, time.Duration, error) {
	client := &dns.Client{Net: network, Dialer: dialer}
	if deadline, ok := ctx.Deadline(); ok {
		// Without this the client would stop reading after its own 2 s
		// default rather than at the monitor's timeout.
		client.Timeout = time.Until(deadline)
	}
	return client.ExchangeContext(ctx, query, server)
}

// answerValues returns the normalised values of the answer records of
// qtype (a CNAME chain in front of them is skipped): one per record to
// show, and every spelling that matches an expected value.
func answerValues(answer []dns.RR, qtype uint16) (shown, matchable []string) {
	for _, rr := range answer {
		if rr.Header().Rrtype != qtype {
			continue
		}
		for i, v := range rrValues(rr) {
			v = normalizeDNSValue(qtype, v)
			if i == 0 {
				shown = append(shown, v)
			}
			matchable = append(matchable, v)
		}
	}
	return shown, matchable
}

// rrValues spells a record's data the ways a user may expect it, the full
// form first: an MX record matches "10 mail.example.com" and
// "mail.example.com", an SOA record its full data and its primary name
// server.
func rrValues(rr dns.RR) []string {
	switch v := rr.(type) {
	case *dns.A:
		return []string{v.A.String()}
	case *dns.AAAA:
		return []string{v.AAAA.String()}
	case *dns.CNAME:
		return []string{v.Target}
	case *dns.NS:
		return []string{v.Ns}
	case *dns.MX:
		return []string{strconv.Itoa(int(v.Preference)) + " " + v.Mx, v.Mx}
	case *dns.TXT:
		// A record's strings form one value (RFC 7208, section 3.3).
		return []string{strings.Join(v.Txt, "")}
	case *dns.SOA:
		full := fmt.Sprintf("%s %s %d %d %d %d %d", v.Ns, v.Mbox, v.Serial, v.Refresh, v.Retry, v.Expire, v.Minttl)
		return []string{full, v.Ns}
	}
	return nil
}

// normalizeDNSValue puts a record value, from an answer or from the
// monitor's expected values, into one comparable form: addresses canonical
// (so 2001:DB8::0:1 equals 2001:db8::1); names lower-case, in their ASCII
// (punycode) form, without the root dot, whitespace collapsed; TXT data as
// written, less surrounding space and quotes (as dig shows it).
func normalizeDNSValue(qtype uint16, value string) string {
	if qtype == dns.TypeTXT {
		value = strings.TrimSpace(value)
		for len(value) >= 2 && strings.HasPrefix(value, `"`) && strings.HasSuffix(value, `"`) {
			value = strings.TrimSpace(value[1 : len(value)-1])
		}
		return value
	}
	fields := strings.Fields(value)
	if qtype == dns.TypeA || qtype == dns.TypeAAAA {
		if ip, err := netip.ParseAddr(strings.Join(fields, " ")); err == nil {
			return ip.Unmap().String()
		}
	}
	names := fields[:0]
	for _, f := range fields {
		if name := strings.TrimRight(asciiName(f), "."); name != "" {
			names = append(names, name)
		}
	}
	return strings.Join(names, " ")
}

// asciiName returns a domain name in lower-case ASCII, converting an
// internationalised name to punycode; a name idna refuses is only
// lower-cased, and then simply will not match.
func asciiName(name string) string {
	// Longer is no domain name, and punycode's cost grows faster than
	// the input.
	if len(name) > 253 {
		return strings.ToLower(name)
	}
	if ascii, err := idna.Lookup.ToASCII(name); err == nil {
		return strings.ToLower(ascii)
	}
	return strings.ToLower(name)
}

// summary lists answer values for a message, cut short.
func summary(values []string) string {
	const limit = 5
	if len(values) > limit {
		return strings.Join(values[:limit], ", ") + fmt.Sprintf(" and %d more", len(values)-limit)
	}
	return strings.Join(values, ", ")
}
