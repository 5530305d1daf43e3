package probe

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/model"
)

func TestBlockedClass(t *testing.T) {
	tests := []struct{ addr, class string }{
		{"127.0.0.1", "loopback address"},
		{"127.255.0.9", "loopback address"},
		{"::1", "loopback address"},
		{"10.0.0.1", "private address"},
		{"172.16.0.1", "private address"},
		{"172.31.255.254", "private address"},
		{"192.168.1.1", "private address"},
		{"fc00::1", "private address"},
		{"fd12:3456::1", "private address"},
		{"169.254.169.254", "cloud metadata address"},
		{"169.254.1.1", "link-local address"},
		{"fe80::1", "link-local address"},
		{"fe80::1%eth0", "link-local address"},
		{"0.0.0.0", "unspecified address"},
		{"::", "unspecified address"},
		{"224.0.0.1", "multicast address"},
		{"ff02::1", "multicast address"},
		{"100.64.0.1", "carrier-grade NAT address"},
		{"100.100.100.200", "carrier-grade NAT address"},
		{"0.1.2.3", "this-network address"},
		{"255.255.255.255", "reserved address"},
		{"fec0::1", "site-local address"},
		{"::ffff:127.0.0.1", "loopback address"},
		{"::ffff:10.0.0.1", "private address"},
		{"::ffff:169.254.169.254", "cloud metadata address"},
		{"64:ff9b::a00:1", "private address"}, // NAT64 of 10.0.0.1
		{"64:ff9b::7f00:1", "loopback address"},
		// Public addresses stay reachable.
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"172.32.0.1", ""},
		{"100.128.0.1", ""},
		{"2606:4700:4700::1111", ""},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::808:808", ""},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			assert.Equal(t, tt.class, blockedClass(netip.MustParseAddr(tt.addr)))
		})
	}
}

// TestGuardControl calls the dialer hook with the addresses a redirect or
// a rebinding DNS answer would lead to: it runs for every hop, after name
// resolution, before connect.
func TestGuardControl(t *testing.T) {
	g := &guard{}
	tests := []struct{ address, blocked string }{
		{"127.0.0.1:8080", "blocked 127.0.0.1: loopback address"},
		{"[::1]:443", "blocked ::1: loopback address"},
		{"169.254.169.254:80", "blocked 169.254.169.254: cloud metadata address"},
		{"[::ffff:192.168.1.1]:80", "blocked ::ffff:192.168.1.1: private address"},
		{"[fe80::1%lo]:80", "link-local address"},
		{"/run/docker.sock", "refusing to dial unexpected address"},
		{"93.184.215.14:443", ""},
	}
	for _, tt := range tests {
		t.Run(tt.address, func(t *testing.T) {
			err := g.control("tcp", tt.address, nil)
			if tt.blocked == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.blocked)
		})
	}
	assert.NoError(t, (&guard{allowPrivate: true}).control("tcp", "127.0.0.1:80", nil), "allowed by the setting")
}

// TestGuardBlocksProbes probes private targets of every type with the
// guard on. Each address is first confirmed blocked by the guard itself,
// so a broken guard fails here rather than sending a packet to it.
func TestGuardBlocksProbes(t *testing.T) {
	dnsServer := startDNS(t)
	p := New(Options{Region: "test-region", Resolver: testResolver(dnsServer)})
	tcpServer := listenTCP(t, nil)
	_, tcpPort, _ := net.SplitHostPort(tcpServer)
	tests := []struct {
		typ                  model.MonitorType
		target, config, addr string // addr: where the probe would connect
	}{
		{model.TypeHTTP, "http://127.0.0.1:" + tcpPort + "/", ``, "127.0.0.1"},
		{model.TypeHTTP, "http://[::1]:" + tcpPort + "/", ``, "::1"},
		{model.TypeHTTP, "http://10.0.0.1/", ``, "10.0.0.1"},
		{model.TypeHTTP, "http://172.16.0.1/", ``, "172.16.0.1"},
		{model.TypeHTTP, "https://192.168.1.1/", ``, "192.168.1.1"},
		{model.TypeHTTP, "http://169.254.169.254/latest/meta-data/", ``, "169.254.169.254"},
		{model.TypeHTTP, "http://[::ffff:169.254.169.254]/", ``, "169.254.169.254"},
		{model.TypeHTTP, "http://localhost:" + tcpPort + "/", ``, "127.0.0.1"},
		{model.TypeHTTP, "http://private.test/", ``, "10.0.0.1"},
		{model.TypeKeyword, "http://metadata.test/", `{"keyword":"ami-id"}`, "169.254.169.254"},
		{model.TypeTCP, tcpServer, ``, "127.0.0.1"},
		{model.TypeTCP, "10.0.0.1:5432", ``, "10.0.0.1"},
		{model.TypeTCP, "a.test:" + tcpPort, ``, "127.0.0.1"}, // and ::1
		{model.TypeTLS, "192.168.1.1:443", ``, "192.168.1.1"},
		{model.TypeTLS, "https://private.test/", ``, "10.0.0.1"},
		{model.TypeDNS, "example.com", `{"resolver":"` + dnsServer + `"}`, "127.0.0.1"},
		{model.TypeDNS, "example.com", `{"resolver":"169.254.169.254"}`, "169.254.169.254"},
		{model.TypeICMP, "127.0.0.1", ``, "127.0.0.1"},
		{model.TypeICMP, "172.16.0.1", ``, "172.16.0.1"},
		{model.TypeICMP, "private.test", ``, "10.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ)+" "+tt.target, func(t *testing.T) {
			class := blockedClass(netip.MustParseAddr(tt.addr))
			require.NotEmpty(t, class, "the guard must refuse %s before any probe is sent there", tt.addr)
			start := time.Now()
			r := probe(p, monitor(t, tt.typ, tt.target, tt.config), 2*time.Second)
			expectDown(t, r, kindBlocked, ": "+class+"; probes may not reach private networks")
			assert.Regexp(t, `^blocked [0-9a-f:.]+: `, r.Message, "names the address")
			assert.Less(t, time.Since(start), time.Second, "refused at once")
		})
	}
}

// TestRedirectToPrivateAddressIsBlocked: the first server is reachable
// (exempted, standing in for a public host); it redirects to a loopback
// server, which the guard must refuse when the redirect dials.
func TestRedirectToPrivateAddressIsBlocked(t *testing.T) {
	var reached atomic.Bool
	internal := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached.Store(true) }))
	t.Cleanup(internal.Close)
	public := httptest.NewServer(http.RedirectHandler(internal.URL+"/admin", http.StatusFound))
	t.Cleanup(public.Close)

	p := New(Options{Region: "test-region"})
	publicAddr := netip.MustParseAddrPort(public.Listener.Addr().String())
	p.guard.exempt = func(ap netip.AddrPort) bool { return ap == publicAddr }

	r := probe(p, monitor(t, model.TypeHTTP, public.URL+"/", ""), 2*time.Second)
	expectDown(t, r, kindBlocked, "blocked 127.0.0.1: loopback address")
	assert.False(t, reached.Load(), "the redirect target was never contacted")

	r = probe(p, monitor(t, model.TypeHTTP, public.URL+"/", `{"follow_redirects":false,"expected_status":["302"]}`), 2*time.Second)
	expectUp(t, r)
}
