package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"time"

	"github.com/vinsight/vinsight/internal/model"
)

// probeTLS connects, completes a TLS handshake, verifies the chain and the
// host name like a browser would, and judges the days left until the
// certificate expires: within warn_days degraded, within critical_days
// down.
func probeTLS(ctx context.Context, p *Prober, m model.Monitor) model.CheckResult {
	cfg := m.Config.TLS
	if cfg == nil {
		cfg = defaults(model.TypeTLS).TLS
	}
	r := up("")
	start := time.Now()
	addr := model.TLSAddress(m.Target)
	host, _, _ := net.SplitHostPort(addr)
	conn, err := p.connect(ctx, &r, addr)
	if err != nil {
		failErr(&r, err)
		return r
	}
	defer conn.Close()
	defer bindDeadline(ctx, conn)()

	// The handshake accepts any certificate so that the expiry of a bad one
	// is still recorded; verification follows, by the usual rules.
	tlsConn := tls.Client(conn, &tls.Config{ServerName: host, InsecureSkipVerify: true})
	handshakeStart := time.Now()
	if err := tlsConn.HandshakeContext(ctx); err != nil {
		failErr(&r, err)
		return r
	}
	r.TLSMS = ms(time.Since(handshakeStart))
	state := tlsConn.ConnectionState()
	if len(state.PeerCertificates) == 0 {
		fail(&r, kindTLS, "the server sent no certificate")
		return r
	}
	chains, err := p.verifyPeer(state.PeerCertificates, host)
	expiry := certExpiry(chains, state.PeerCertificates)
	r.CertExpiresAt = expiry
	if err != nil {
		failErr(&r, err)
		return r
	}
	r.LatencyMS = ms(time.Since(start))
	judgeExpiry(&r, *expiry, cfg)
	return r
}

// verifyPeer verifies the server's chain against the roots and its
// certificate against host (a name or an IP address).
func (p *Prober) verifyPeer(certs []*x509.Certificate, host string) ([][]*x509.Certificate, error) {
	intermediates := x509.NewCertPool()
	for _, c := range certs[1:] {
		intermediates.AddCert(c)
	}
	return certs[0].Verify(x509.VerifyOptions{DNSName: host, Roots: p.roots, Intermediates: intermediates})
}

// certExpiry is when the connection's certificates stop being valid. With
// verified chains it is the earliest expiry within the chain that lasts
// longest: a client may use any verified chain, so an expiring cross-sign
// does not matter while another chain holds. Unverified, it is the
// earliest expiry among the certificates the server sent.
func certExpiry(chains [][]*x509.Certificate, peer []*x509.Certificate) *time.Time {
	var best time.Time
	for _, chain := range chains {
		if e := earliestExpiry(chain); e.After(best) {
			best = e
		}
	}
	if best.IsZero() {
		best = earliestExpiry(peer)
	}
	if best.IsZero() {
		return nil
	}
	best = best.UTC()
	return &best
}

func earliestExpiry(certs []*x509.Certificate) time.Time {
	var earliest time.Time
	for _, c := range certs {
		if earliest.IsZero() || c.NotAfter.Before(earliest) {
			earliest = c.NotAfter
		}
	}
	return earliest
}

// judgeExpiry applies the warn and critical windows to a verified
// certificate.
func judgeExpiry(r *model.CheckResult, expiry time.Time, cfg *model.TLSConfig) {
	left := time.Until(expiry)
	days := int(left.Hours() / 24)
	when := fmt.Sprintf("expires in %d days (%s)", days, expiry.Format(time.DateOnly))
	day := 24 * time.Hour
	switch {
	case left <= 0:
		fail(r, kindTLS, "certificate expired on "+expiry.Format(time.DateOnly))
	case left < time.Duration(cfg.CriticalDays)*day:
		fail(r, kindTLS, fmt.Sprintf("certificate %s, within the critical %d days", when, cfg.CriticalDays))
	case left < time.Duration(cfg.WarnDays)*day:
		r.Status = model.ResultDegraded
		r.Message = fmt.Sprintf("certificate %s, within the warning %d days", when, cfg.WarnDays)
	default:
		r.Message = "certificate " + when
	}
}
