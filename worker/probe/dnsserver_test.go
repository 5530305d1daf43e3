package probe

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/require"
)

// testZone is what the test DNS server answers. No answer at all comes for
// silent.test (a resolver that never replies); big.test is truncated over
// UDP so that the probe must retry over TCP.
var testZone = []string{
	"a.test. 60 IN A 127.0.0.1",
	"a.test. 60 IN AAAA ::1",
	"alias.test. 60 IN CNAME a.test.",
	"private.test. 60 IN A 10.0.0.1",
	"metadata.test. 60 IN A 169.254.169.254",
	"mx.test. 60 IN MX 10 mail.test.",
	`txt.test. 60 IN TXT "v=spf1 " "-all"`,
	"test. 60 IN NS ns1.test.",
	"test. 60 IN SOA ns1.test. hostmaster.test. 2024010101 7200 3600 1209600 300",
	"secure.test. 60 IN A 127.0.0.1",
	"api.secure.test. 60 IN A 127.0.0.1",
	"other.test. 60 IN A 127.0.0.1",
	`big.test. 60 IN TXT "` + strings.Repeat("0123456789", 25) + `"`,
	`big.test. 60 IN TXT "` + strings.Repeat("abcdefghij", 25) + `"`,
	`big.test. 60 IN TXT "` + strings.Repeat("ABCDEFGHIJ", 25) + `"`,
	`big.test. 60 IN TXT "` + strings.Repeat("klmnopqrst", 25) + `"`,
	`big.test. 60 IN TXT "` + strings.Repeat("KLMNOPQRST", 25) + `"`,
	`big.test. 60 IN TXT "last"`,
}

// startDNS serves testZone on one loopback port over UDP and TCP and
// returns its address.
func startDNS(t *testing.T) string {
	var records []dns.RR
	for _, s := range testZone {
		rr, err := dns.NewRR(s)
		require.NoError(t, err, s)
		records = append(records, rr)
	}
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		q := req.Question[0]
		if q.Name == "silent.test." {
			return
		}
		resp := new(dns.Msg)
		resp.SetReply(req)
		resp.Answer = lookupZone(records, q.Name, q.Qtype)
		if !nameExists(records, q.Name) {
			resp.Rcode = dns.RcodeNameError
		}
		if _, udp := w.RemoteAddr().(*net.UDPAddr); udp && q.Name == "big.test." {
			resp.Answer, resp.Truncated = nil, true
		}
		w.WriteMsg(resp)
	})

	// One port for both transports, as a real server has.
	for attempt := 0; ; attempt++ {
		tcp, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		udp, err := net.ListenPacket("udp", tcp.Addr().String())
		if err != nil {
			tcp.Close()
			require.Less(t, attempt, 10, "no loopback port free for both UDP and TCP")
			continue
		}
		for _, srv := range []*dns.Server{{Listener: tcp, Handler: handler}, {PacketConn: udp, Handler: handler}} {
			started := make(chan struct{})
			srv.NotifyStartedFunc = func() { close(started) }
			go srv.ActivateAndServe()
			<-started
			t.Cleanup(func() { srv.Shutdown() })
		}
		return tcp.Addr().String()
	}
}

func lookupZone(records []dns.RR, name string, qtype uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range records {
		h := rr.Header()
		if !strings.EqualFold(h.Name, name) {
			continue
		}
		if h.Rrtype == qtype {
			out = append(out, rr)
		} else if cname, ok := rr.(*dns.CNAME); ok {
			out = append(append(out, rr), lookupZone(records, cname.Target, qtype)...)
		}
	}
	return out
}

func nameExists(records []dns.RR, name string) bool {
	for _, rr := range records {
		if strings.EqualFold(rr.Header().Name, name) {
			return true
		}
	}
	return false
}

// testResolver looks names up at the test DNS server only, so no test
// query leaves the machine.
func testResolver(server string) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, server)
	}}
}
