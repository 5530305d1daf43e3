package probe

import (
	"context"
	"net"
	"net/netip"
	"time"

	"github.com/vinsight/vinsight/internal/model"
)

// lookup returns the addresses of host, which may be an IP literal.
func (p *Prober) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	return p.resolver.LookupNetIP(ctx, "ip", host)
}

// connect opens a TCP connection to hostport for the tcp and tls probes,
// timing the name lookup (r.DNSMS, left nil for an IP literal) and the
// connect (r.ConnectMS) separately. The addresses are tried in the
// resolver's order; the guard vets each one as it is dialed.
func (p *Prober) connect(ctx context.Context, r *model.CheckResult, hostport string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, err
	}
	lookupStart := time.Now()
	addrs, err := p.lookup(ctx, host)
	if _, literalErr := netip.ParseAddr(host); literalErr != nil {
		r.DNSMS = ms(time.Since(lookupStart))
	}
	if err != nil {
		return nil, err
	}
	var firstErr error
	for _, addr := range addrs {
		start := time.Now()
		conn, err := p.dialer.DialContext(ctx, "tcp", net.JoinHostPort(addr.String(), port))
		if err == nil {
			r.ConnectMS = ms(time.Since(start))
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, firstErr
}
