package probe

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/vinsight/vinsight/internal/model"
)

func TestTCP(t *testing.T) {
	// A line-based server: answers PING with PONG, anything else with ERR.
	pong := listenTCP(t, func(conn net.Conn) {
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(conn, "+READY service 1.0\r\n")
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil {
			return
		}
		if line == "PING\r\n" {
			io.WriteString(conn, "+PONG\r\n")
		} else {
			io.WriteString(conn, "-ERR unknown command\r\n")
		}
	})
	silent := listenTCP(t, func(conn net.Conn) {
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		io.Copy(io.Discard, conn)
	})
	dnsServer := startDNS(t)
	_, pongPort, _ := net.SplitHostPort(pong)

	tests := []struct {
		name, target, config string
		wantKind             string // "" for up
		wantMessage          string
	}{
		{"connect", pong, ``, "", "connected"},
		{"banner", pong, `{"expect":"+READY"}`, "", `reply contained "+READY"`},
		{"send and expect", pong, `{"send":"PING\r\n","expect":"+PONG"}`, "", `reply contained "+PONG"`},
		{"expect mismatch", pong, `{"send":"HELLO\r\n","expect":"+PONG"}`, kindAssertion, `reply did not contain "+PONG" (got "+READY service 1.0\r\n-ERR`},
		{"no reply", silent, `{"send":"PING\r\n","expect":"+PONG"}`, kindTimeout, "timed out waiting for a reply"},
		{"refused", closedPort(t), ``, kindConnect, "connection refused by 127.0.0.1:"},
		{"host name", "a.test:" + pongPort, ``, "", "connected"},
		{"unknown host name", "nowhere.test:" + pongPort, ``, kindDNS, "no such host nowhere.test"},
	}
	p := testProber(Options{Resolver: testResolver(dnsServer)})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r := probe(p, monitor(t, model.TypeTCP, tt.target, tt.config), 500*time.Millisecond)
			assert.Less(t, time.Since(start), 700*time.Millisecond)
			if tt.wantKind == "" {
				expectUp(t, r)
				assert.NotNil(t, r.LatencyMS)
				assert.NotNil(t, r.ConnectMS)
			} else {
				expectDown(t, r, tt.wantKind, tt.wantMessage)
			}
			assert.Contains(t, r.Message, tt.wantMessage)
			if tt.target == "a.test:"+pongPort {
				assert.NotNil(t, r.DNSMS, "a host name is looked up")
			}
		})
	}
}
