package probe

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/model"
)

func TestTLS(t *testing.T) {
	ca := newTestCA(t)
	other := newTestCA(t) // trusted by no prober
	expiredCert := ca.issue(t, time.Now().Add(-90*day), time.Now().Add(-day), "127.0.0.1")
	tests := []struct {
		name     string
		cert     tls.Certificate
		target   func(addr string) string
		wantKind string // "" for up or degraded
		degraded bool
		message  string
	}{
		{"valid", ca.validFor(t, 90*day, "127.0.0.1"), hostPort, "", false, "certificate expires in 89 days"},
		{"valid, as an https URL", ca.validFor(t, 90*day, "127.0.0.1"), httpsURL, "", false, "certificate expires in 89 days"},
		{"valid for a host name", ca.validFor(t, 90*day, "secure.test"), named("secure.test"), "", false, "certificate expires in 89 days"},
		{"inside warn_days", ca.validFor(t, 10*day, "127.0.0.1"), hostPort, "", true, "certificate expires in 9 days"},
		{"inside critical_days", ca.validFor(t, 3*day, "127.0.0.1"), hostPort, kindTLS, false, "within the critical 7 days"},
		{"expired", expiredCert, hostPort, kindTLS, false, "certificate: certificate has expired"},
		{"wrong host name", ca.validFor(t, 90*day, "other.test"), named("secure.test"), kindTLS, false, "certificate is valid for other.test, not secure.test"},
		{"untrusted issuer", other.validFor(t, 90*day, "127.0.0.1"), hostPort, kindTLS, false, "certificate signed by unknown authority"},
	}
	p := testProber(Options{Resolver: testResolver(startDNS(t))})
	p.roots = ca.pool
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := serveTLS(t, tt.cert)
			r := probe(p, monitor(t, model.TypeTLS, tt.target(addr), `{"warn_days":14,"critical_days":7}`), 2*time.Second)
			switch {
			case tt.wantKind != "":
				expectDown(t, r, tt.wantKind, tt.message)
			case tt.degraded:
				assert.Equal(t, model.ResultDegraded, r.Status, r.Message)
				assert.Empty(t, r.ErrorKind)
			default:
				expectUp(t, r)
			}
			assert.Contains(t, r.Message, tt.message)
			require.NotNil(t, r.CertExpiresAt, "recorded whenever the handshake completes")
			assert.True(t, r.CertExpiresAt.Equal(tt.cert.Leaf.NotAfter.UTC()))
			assert.NotNil(t, r.ConnectMS)
			assert.NotNil(t, r.TLSMS)
		})
	}
}

func TestTLSFailures(t *testing.T) {
	plain := listenTCP(t, func(conn net.Conn) { io.WriteString(conn, "HTTP/1.1 400 Bad Request\r\n\r\n") })
	hang := listenTCP(t, func(conn net.Conn) {
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		io.Copy(io.Discard, conn)
	})
	tests := []struct{ name, target, kind, message string }{
		{"not a TLS server", plain, kindTLS, "TLS handshake failed: the server answered in plain HTTP"},
		{"no handshake reply", hang, kindTimeout, "timed out"},
		{"refused", closedPort(t), kindConnect, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r := probe(testProber(Options{}), monitor(t, model.TypeTLS, tt.target, ""), 300*time.Millisecond)
			assert.Less(t, time.Since(start), 500*time.Millisecond)
			expectDown(t, r, tt.kind, tt.message)
			assert.Nil(t, r.CertExpiresAt)
		})
	}
}

func TestCertExpiryPrefersTheLongestVerifiedChain(t *testing.T) {
	ca := newTestCA(t)
	soon := ca.validFor(t, 5*day, "a").Leaf
	later := ca.validFor(t, 50*day, "b").Leaf
	latest := ca.validFor(t, 500*day, "c").Leaf
	got := certExpiry([][]*x509.Certificate{{later, ca.cert}, {latest, soon}}, []*x509.Certificate{soon, later})
	require.NotNil(t, got)
	assert.True(t, got.Equal(later.NotAfter.UTC()), "chain 1 lasts until %s, chain 2 until %s", later.NotAfter, soon.NotAfter)
	got = certExpiry(nil, []*x509.Certificate{later, soon})
	require.NotNil(t, got)
	assert.True(t, got.Equal(soon.NotAfter.UTC()), "unverified: the earliest certificate sent")
	assert.Nil(t, certExpiry(nil, nil))
}

func hostPort(addr string) string { return addr }

func httpsURL(addr string) string { return "https://" + addr + "/" }

// named targets addr's port under a host name the test DNS server maps to
// 127.0.0.1.
func named(host string) func(string) string {
	return func(addr string) string {
		_, port, _ := net.SplitHostPort(addr)
		return net.JoinHostPort(host, port)
	}
}
