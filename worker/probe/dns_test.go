package probe

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/model"
)

func TestDNS(t *testing.T) {
	server := startDNS(t)
	tests := []struct {
		name, target, config string
		wantKind             string // "" for up
		wantMessage          string
	}{
		{"A", "a.test", `{"record_type":"A","expected_values":["127.0.0.1"]}`, "", "127.0.0.1"},
		{"AAAA in another spelling", "a.test", `{"record_type":"AAAA","expected_values":["0:0:0:0:0:0:0:1"]}`, "", "::1"},
		{"A behind a CNAME", "alias.test", `{"record_type":"A","expected_values":["127.0.0.1"]}`, "", "127.0.0.1"},
		{"CNAME", "alias.test", `{"record_type":"CNAME","expected_values":["A.TEST."]}`, "", "a.test"},
		{"MX with preference", "mx.test", `{"record_type":"MX","expected_values":["10 mail.test"]}`, "", "10 mail.test"},
		{"MX host alone", "mx.test", `{"record_type":"MX","expected_values":["mail.test."]}`, "", ""},
		{"TXT strings joined", "txt.test", `{"record_type":"TXT","expected_values":["\"v=spf1 -all\""]}`, "", "v=spf1 -all"},
		{"NS", "test", `{"record_type":"NS","expected_values":["ns1.test"]}`, "", ""},
		{"SOA primary", "test", `{"record_type":"SOA","expected_values":["ns1.test"]}`, "", ""},
		{"SOA in full", "test", `{"record_type":"SOA","expected_values":["ns1.test.  hostmaster.test. 2024010101 7200 3600 1209600 300"]}`, "", ""},
		{"no expected values", "a.test", `{"record_type":"A"}`, "", "127.0.0.1"},
		{"truncated over UDP, retried over TCP", "big.test", `{"record_type":"TXT","expected_values":["last"]}`, "", ""},
		{"wrong expected value", "a.test", `{"record_type":"A","expected_values":["127.0.0.2"]}`, kindAssertion, `expected "127.0.0.2" not among the answers: 127.0.0.1`},
		{"one of two expected values missing", "mx.test", `{"record_type":"MX","expected_values":["mail.test","20 mail.test"]}`, kindAssertion, `"20 mail.test"`},
		{"NXDOMAIN", "missing.test", `{"record_type":"A"}`, kindDNS, "NXDOMAIN for missing.test A"},
		{"no records of the type", "mx.test", `{"record_type":"A"}`, kindDNS, "no A records for mx.test"},
	}
	p := testProber(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.config[:len(tt.config)-1] + `,"resolver":"` + server + `"}`
			r := probe(p, monitor(t, model.TypeDNS, tt.target, cfg), 2*time.Second)
			if tt.wantKind == "" {
				expectUp(t, r)
			} else {
				expectDown(t, r, tt.wantKind, tt.wantMessage)
			}
			assert.Contains(t, r.Message, tt.wantMessage)
			if tt.wantKind == "" && tt.wantMessage != "" {
				assert.Equal(t, tt.wantMessage, r.Message, "the answers, one spelling each")
			}
			require.NotNil(t, r.DNSMS)
			assert.Positive(t, *r.DNSMS)
			assert.NotNil(t, r.LatencyMS)
		})
	}
}

func TestDNSResolverFailures(t *testing.T) {
	server := startDNS(t)
	tests := []struct{ name, target, resolver, kind, message string }{
		{"no reply", "silent.test", server, kindTimeout, "timed out"},
		{"nothing listening", "a.test", closedUDPPort(t), kindConnect, "connection refused"},
	}
	const timeout = 300 * time.Millisecond
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			m := monitor(t, model.TypeDNS, tt.target, `{"resolver":"`+tt.resolver+`"}`)
			r := probe(testProber(Options{}), m, timeout)
			assert.Less(t, time.Since(start), timeout+200*time.Millisecond)
			expectDown(t, r, tt.kind, tt.message)
		})
	}
}

func TestDNSSystemResolver(t *testing.T) {
	server := startDNS(t)
	p := New(Options{Region: "test-region"}) // private targets not allowed
	m := monitor(t, model.TypeDNS, "a.test", `{"expected_values":["127.0.0.1"]}`)

	t.Run("the operator's resolver is not a tenant's target", func(t *testing.T) {
		p.systemServers = func() ([]string, error) { return []string{server}, nil }
		expectUp(t, probe(p, m, 2*time.Second))
	})
	t.Run("the next server when one fails", func(t *testing.T) {
		p.systemServers = func() ([]string, error) { return []string{closedUDPPort(t), server}, nil }
		expectUp(t, probe(p, m, 2*time.Second))
	})
	t.Run("no configuration", func(t *testing.T) {
		p.systemServers = func() ([]string, error) { return resolvConfServers(filepath.Join(t.TempDir(), "missing")) }
		expectDown(t, probe(p, m, 2*time.Second), kindDNS, "no system resolver")
	})
}

func TestResolvConfServers(t *testing.T) {
	tests := []struct {
		name, conf string
		want       []string
	}{
		{"servers in order", "search example.com\nnameserver 192.0.2.53\nnameserver 2001:db8::53\n", []string{"192.0.2.53:53", "[2001:db8::53]:53"}},
		{"none listed", "options ndots:2\n", []string{"127.0.0.1:53"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "resolv.conf")
			require.NoError(t, os.WriteFile(path, []byte(tt.conf), 0o600))
			got, err := resolvConfServers(path)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestNormalizeDNSValue(t *testing.T) {
	tests := []struct {
		qtype uint16
		in    string
		want  string
	}{
		{dns.TypeA, " 192.0.2.1 ", "192.0.2.1"},
		{dns.TypeA, "::ffff:192.0.2.1", "192.0.2.1"},
		{dns.TypeAAAA, "2001:DB8:0:0::1", "2001:db8::1"},
		{dns.TypeCNAME, "WWW.Example.COM.", "www.example.com"},
		{dns.TypeCNAME, "bücher.example", "xn--bcher-kva.example"},
		{dns.TypeMX, "10   MAIL.example.com.", "10 mail.example.com"},
		{dns.TypeNS, "_acme-challenge.Example.com", "_acme-challenge.example.com"},
		{dns.TypeTXT, ` "v=spf1 include:_spf.Example.com -all" `, "v=spf1 include:_spf.Example.com -all"},
		{dns.TypeTXT, "keep  inner  spacing", "keep  inner  spacing"},
		{dns.TypeSOA, "NS1.example.com. hostmaster.example.com. 1 2 3 4 5", "ns1.example.com hostmaster.example.com 1 2 3 4 5"},
	}
	for _, tt := range tests {
		t.Run(dns.TypeToString[tt.qtype]+" "+tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, normalizeDNSValue(tt.qtype, tt.in))
		})
	}
}

// FuzzNormalizeDNSValue: expected values are typed by tenants. Normalising
// must never panic and must be idempotent, or an answer normalised once
// would not match an expected value normalised once.
func FuzzNormalizeDNSValue(f *testing.F) {
	for _, seed := range []string{"192.0.2.1", "2001:DB8::1", "Mail.Example.COM.", "10 mx.example.com", `"v=spf1 -all"`,
		"bücher.example", "xn--bcher-kva.example", "a..b", `""""`, " \t ", "fe80::1%eth0", "ns. host. 1 2 3 4 5"} {
		for _, qtype := range []string{"A", "AAAA", "CNAME", "MX", "TXT", "NS", "SOA"} {
			f.Add(qtype, seed)
		}
	}
	f.Fuzz(func(t *testing.T, recordType, value string) {
		qtype := dns.StringToType[recordType]
		once := normalizeDNSValue(qtype, value)
		assert.Equal(t, once, normalizeDNSValue(qtype, once), "normalising %q as %s twice", value, recordType)
	})
}
