// Package probe checks one monitor once: every monitor type has one probe
// function, looked up by type, that turns the target's answer (or silence)
// into a model.CheckResult. A target that is down is a result with a
// classified error, never a Go error; the context carries the deadline.
package probe

import (
	"context"
	"crypto/x509"
	"net"
	"time"

	"github.com/vinsight/vinsight/internal/model"
)

// Options configures a Prober.
type Options struct {
	// AllowPrivate lets probes reach loopback, private and link-local
	// addresses (VINSIGHT_ALLOW_PRIVATE_TARGETS).
	AllowPrivate bool
	// Region is stamped on every result.
	Region string
	// Resolver looks up the host names of http, keyword, tcp, tls and icmp
	// targets and of configured DNS resolvers; nil means net.DefaultResolver.
	Resolver *net.Resolver
}

// Prober runs probes. It holds no per-monitor state and is safe for
// concurrent use.
type Prober struct {
	region   string
	guard    *guard
	resolver *net.Resolver
	dialer   *net.Dialer // connects through the guard
	// systemServers lists the system's DNS servers (host:port), which dns
	// monitors without a resolver ask; tests point it at their own server.
	systemServers func() ([]string, error)
	// roots verifies server certificates; nil means the system roots.
	roots *x509.CertPool

	buffers bufferPools // of the HTTP hops
}

// probeFunc checks one monitor of one type. It returns the outcome and the
// measurements; Probe fills in the identity fields and latency judgement.
type probeFunc func(ctx context.Context, p *Prober, m model.Monitor) model.CheckResult

// probes maps each probed monitor type to its probe. Heartbeat monitors are
// pushed to rather than probed, so they have none.
var probes = map[model.MonitorType]probeFunc{
	model.TypeHTTP:    probeHTTP,
	model.TypeKeyword: probeKeyword,
	model.TypeTCP:     probeTCP,
	model.TypeDNS:     probeDNS,
	model.TypeICMP:    probeICMP,
	model.TypeTLS:     probeTLS,
}

// New returns a Prober.
func New(opts Options) *Prober {
	resolver := opts.Resolver
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	g := &guard{allowPrivate: opts.AllowPrivate}
	return &Prober{
		region:   opts.Region,
		guard:    g,
		resolver: resolver,
		// KeepAlive off: every probe opens a fresh connection and closes it.
		dialer:        &net.Dialer{Resolver: resolver, Control: g.control, KeepAlive: -1},
		systemServers: func() ([]string, error) { return resolvConfServers("/etc/resolv.conf") },
	}
}

// Probes reports whether monitors of type t are probed. Heartbeat monitors
// are not: the backend records their beats and the worker judges missing
// ones, so the scheduler skips them.
func Probes(t model.MonitorType) bool {
	_, ok := probes[t]
	return ok
}

// Probe checks m once and returns the result. It returns by the context's
// deadline, or by m.TimeoutSeconds when that comes first.
func (p *Prober) Probe(ctx context.Context, m model.Monitor) model.CheckResult {
	start := time.Now()
	if m.TimeoutSeconds > 0 {
		// The scheduler usually set this very deadline already; a second
		// timer would only cost.
		deadline := start.Add(time.Duration(m.TimeoutSeconds) * time.Second)
		if current, ok := ctx.Deadline(); !ok || deadline.Before(current) {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, deadline)
			defer cancel()
		}
	}
	var r model.CheckResult
	if probe, ok := probes[m.Type]; ok {
		r = probe(ctx, p, m)
	} else {
		// The scheduler asks Probes first; reaching this is a wiring bug,
		// reported on the monitor rather than crashing the worker.
		r = model.CheckResult{Status: model.ResultDown, Message: string(m.Type) + " monitors are not probed by the worker"}
	}
	r.Time, r.TenantID, r.MonitorID, r.Region = start, m.TenantID, m.ID, p.region
	judgeLatency(&r, m.Config.Common().DegradedLatencyMS)
	r.Message = shorten(r.Message, maxMessage)
	return r
}

// defaults returns the config of type t with every default set, for a
// monitor whose config the caller left empty: a probe never dereferences nil.
func defaults(t model.MonitorType) model.MonitorConfig {
	c, _ := model.ParseMonitorConfig(t, nil, false)
	return c
}
