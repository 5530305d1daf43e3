package probe

import (
	"fmt"
	"net/netip"
	"syscall"
)

// guard keeps probes away from the platform's own networks (DESIGN.md,
// "Tenancy and security"). It judges the resolved address just before the
// socket connects, so neither DNS rebinding nor a redirect to another host
// gets around it: every hop of a redirect dials again.
type guard struct {
	allowPrivate bool
	// exempt lets tests reach one loopback server while everything else
	// stays blocked; nil in production.
	exempt func(netip.AddrPort) bool
}

// blockedError is a connection the guard refused.
type blockedError struct {
	addr  netip.Addr
	class string
}

func (e *blockedError) Error() string {
	return fmt.Sprintf("blocked %s: %s; probes may not reach private networks", e.addr, e.class)
}

// control is the net.Dialer Control hook: it runs after name resolution
// and before connect, for every address the dialer tries.
func (g *guard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		// Fail closed: only IP sockets are ever dialed here.
		return fmt.Errorf("probe: refusing to dial unexpected address %q", address)
	}
	return g.check(ap)
}

// check returns a *blockedError when ap may not be reached.
func (g *guard) check(ap netip.AddrPort) error {
	if g.allowPrivate || (g.exempt != nil && g.exempt(ap)) {
		return nil
	}
	if class := blockedClass(ap.Addr()); class != "" {
		return &blockedError{addr: ap.Addr(), class: class}
	}
	return nil
}

// metadataAddr is the cloud instance metadata service (AWS, GCP, Azure,
// OpenStack): link-local, named separately because it holds credentials.
var metadataAddr = netip.MustParseAddr("169.254.169.254")

// reservedRanges are blocked ranges that netip has no predicate for.
var reservedRanges = []struct {
	prefix netip.Prefix
	class  string
}{
	// Also holds Alibaba Cloud's metadata service, 100.100.100.200.
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT address"},
	{netip.MustParsePrefix("0.0.0.0/8"), "this-network address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved address"}, // and the broadcast address
	{netip.MustParsePrefix("fec0::/10"), "site-local address"},
}

// nat64Prefix embeds an IPv4 address in IPv6 (RFC 6052); a NAT64 gateway
// would forward to the embedded address, so that one is judged.
var nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")

// blockedClass names why ip may not be probed, or returns "" when it may.
// IPv4-mapped and NAT64 forms are judged by the IPv4 address they carry.
func blockedClass(ip netip.Addr) string {
	ip = ip.Unmap()
	if nat64Prefix.Contains(ip) {
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte(b[12:]))
	}
	switch {
	case !ip.IsValid():
		return "invalid address"
	case ip.IsLoopback():
		return "loopback address"
	case ip.IsUnspecified():
		return "unspecified address"
	case ip == metadataAddr:
		return "cloud metadata address"
	case ip.IsLinkLocalUnicast():
		return "link-local address"
	case ip.IsMulticast():
		return "multicast address"
	case ip.IsPrivate():
		return "private address"
	}
	for _, r := range reservedRanges {
		if r.prefix.Contains(ip) {
			return r.class
		}
	}
	return ""
}
