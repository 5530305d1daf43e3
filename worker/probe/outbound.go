package probe

import (
	"context"
	"net"
	"net/netip"
	"syscall"
)

// DialControl returns a net.Dialer Control hook that applies the probes'
// address rules to the worker's other outgoing connections (notification
// webhooks): loopback, private, link-local and metadata addresses are
// refused at dial time unless allowPrivate.
func DialControl(allowPrivate bool) func(network, address string, c syscall.RawConn) error {
	g := &guard{allowPrivate: allowPrivate}
	return g.control
}

// CheckHost refuses a host that is, or resolves to, an address probes may
// not reach. A name that does not resolve passes: it is refused, if at all,
// by whoever dials it.
func CheckHost(ctx context.Context, resolver *net.Resolver, allowPrivate bool, host string) error {
	g := &guard{allowPrivate: allowPrivate}
	if ip, err := netip.ParseAddr(host); err == nil {
		return g.check(netip.AddrPortFrom(ip, 0))
	}
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	addrs, err := resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if err := g.check(netip.AddrPortFrom(a, 0)); err != nil {
			return err
		}
	}
	return nil
}
