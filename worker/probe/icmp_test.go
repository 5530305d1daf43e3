package probe

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/model"
)

func TestICMP(t *testing.T) {
	p := testProber(Options{Resolver: testResolver(startDNS(t))})
	for _, target := range []string{"127.0.0.1", "::1", "a.test"} {
		t.Run(target, func(t *testing.T) {
			r := probe(p, monitor(t, model.TypeICMP, target, `{"packet_count":3}`), time.Second)
			if r.Message == errICMPNotPermitted.Error() {
				t.Skip("this machine allows neither unprivileged ping (net.ipv4.ping_group_range) nor raw sockets: " + r.Message)
			}
			expectUp(t, r)
			assert.Equal(t, "3 of 3 pings answered", r.Message)
			require.NotNil(t, r.LatencyMS)
			assert.Positive(t, *r.LatencyMS)
			if target == "a.test" {
				assert.NotNil(t, r.DNSMS)
			} else {
				assert.Nil(t, r.DNSMS)
			}
		})
	}
}

func TestICMPUnknownHost(t *testing.T) {
	p := testProber(Options{Resolver: testResolver(startDNS(t))})
	r := probe(p, monitor(t, model.TypeICMP, "nowhere.test", ""), 2*time.Second)
	expectDown(t, r, kindDNS, "no such host nowhere.test")
}

func TestPingInterval(t *testing.T) {
	tests := []struct {
		remaining time.Duration
		count     int
		want      time.Duration
	}{
		{30 * time.Second, 3, time.Second},
		{3 * time.Second, 3, 500 * time.Millisecond},
		{time.Millisecond, 10, time.Millisecond},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, pingInterval(tt.remaining, tt.count), "%s for %d pings", tt.remaining, tt.count)
	}
}
