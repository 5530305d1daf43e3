package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	probing "github.com/prometheus-community/pro-bing"

	"github.com/vinsight/vinsight/internal/model"
)

// errICMPNotPermitted says how to let the worker ping.
var errICMPNotPermitted = errors.New("this worker may not send ICMP: allow unprivileged ping " +
	`(sysctl net.ipv4.ping_group_range="0 2147483647") or run it as root or with CAP_NET_RAW`)

// probeICMP sends packet_count echo requests and is up when any reply
// comes back. LatencyMS is the average round trip of the replies.
func probeICMP(ctx context.Context, p *Prober, m model.Monitor) model.CheckResult {
	cfg := m.Config.ICMP
	if cfg == nil {
		cfg = defaults(model.TypeICMP).ICMP
	}
	r := up("")
	lookupStart := time.Now()
	addrs, err := p.lookup(ctx, m.Target)
	if _, literalErr := netip.ParseAddr(m.Target); literalErr != nil {
		r.DNSMS = ms(time.Since(lookupStart))
	}
	if err != nil {
		failErr(&r, err)
		return r
	}
	addr := pingAddress(addrs)
	// pro-bing opens its own socket, so the guard is asked here, about the
	// very address that will be pinged.
	if err := p.guard.check(netip.AddrPortFrom(addr, 0)); err != nil {
		failErr(&r, err)
		return r
	}
	stats, err := ping(ctx, addr, max(cfg.PacketCount, 1))
	if err != nil {
		fail(&r, kindConnect, err.Error())
		return r
	}
	if stats.PacketsRecv == 0 {
		fail(&r, kindTimeout, fmt.Sprintf("no reply to %d pings of %s", stats.PacketsSent, addr))
		return r
	}
	r.LatencyMS = ms(stats.AvgRtt)
	r.Message = fmt.Sprintf("%d of %d pings answered", stats.PacketsRecv, stats.PacketsSent)
	return r
}

// pingAddress prefers an IPv4 address: a worker without an IPv6 route is
// more common than a host without IPv4.
func pingAddress(addrs []netip.Addr) netip.Addr {
	for _, a := range addrs {
		if a.Unmap().Is4() {
			return a.Unmap()
		}
	}
	return addrs[0]
}

// ping runs one pinger until count replies arrive or ctx ends: an
// unprivileged (datagram) ICMP socket where the kernel allows it, else a
// raw socket, which needs root or CAP_NET_RAW.
func ping(ctx context.Context, addr netip.Addr, count int) (*probing.Statistics, error) {
	remaining := 10 * time.Second
	if deadline, ok := ctx.Deadline(); ok {
		remaining = time.Until(deadline)
	}
	for _, privileged := range []bool{false, true} {
		pinger := probing.New(addr.String())
		pinger.SetIPAddr(&net.IPAddr{IP: addr.AsSlice(), Zone: addr.Zone()})
		pinger.SetPrivileged(privileged)
		pinger.SetLogger(probing.NoopLogger{})
		pinger.Count = count
		pinger.Interval = pingInterval(remaining, count)
		pinger.Timeout = remaining
		pinger.RecordRtts, pinger.RecordTTLs = false, false
		err := pinger.RunWithContext(ctx)
		if errors.Is(err, os.ErrPermission) {
			continue
		}
		if err != nil && ctx.Err() == nil {
			return nil, fmt.Errorf("ping %s: %w", addr, err)
		}
		return pinger.Statistics(), nil
	}
	return nil, errICMPNotPermitted
}

// pingInterval spaces the pings so that all are sent in the first half of
// the time left, leaving the rest for the last reply; never more than the
// customary second apart.
func pingInterval(remaining time.Duration, count int) time.Duration {
	return max(min(time.Second, remaining/time.Duration(2*count)), time.Millisecond)
}
