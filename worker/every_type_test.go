package main

import (
	"context"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/pgcluster"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

// buildWorker compiles this package's binary for tests that run real
// worker processes.
func buildWorker(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "worker")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	return bin
}

// TestEveryMonitorTypeEndToEnd: a worker process probes one monitor of each
// type against real servers on loopback (HTTP, a keyword on the same page,
// a TCP echo, a DNS server, a TLS server whose certificate the worker
// trusts through SSL_CERT_FILE, ping, and a heartbeat that receives a beat
// and then misses the next), the results arrive in check_results and the
// rollups, and a target that starts failing goes down only after the
// monitor's quick re-checks.
func TestEveryMonitorTypeEndToEnd(t *testing.T) {
	ctx := context.Background()
	bin := buildWorker(t)

	var failing atomic.Bool
	var failedHits atomic.Int32
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/flaky" && failing.Load() {
			failedHits.Add(1)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("hello from the loopback"))
	}))
	defer web.Close()
	secure := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer secure.Close()
	roots := filepath.Join(t.TempDir(), "roots.pem")
	require.NoError(t, os.WriteFile(roots, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: secure.Certificate().Raw}), 0o600))
	echo := startEcho(t)
	resolver := startDNSServer(t, "svc.test.", "127.0.0.1")

	url := pgtest.NewDB(t, store.EnginePostgres)
	st, err := store.Open(ctx, url, store.Options{})
	require.NoError(t, err)
	defer st.Close()
	tenant, user, err := st.CreateTenantWithOwner(ctx, store.NewOwner{TenantName: "t", Email: "e@example.com", Name: "e", PasswordHash: "x"})
	require.NoError(t, err)
	actor := auth.Actor{Type: "user", ID: user}

	monitors := map[string]model.Monitor{}
	create := func(name string, typ model.MonitorType, target, config string) {
		t.Helper()
		spec, err := model.MonitorInput{Name: name, Type: typ, Target: target, IntervalSeconds: 2, TimeoutSeconds: 1,
			Config: []byte(config)}.Validate(model.MonitorRules{MinIntervalSeconds: 1})
		require.NoError(t, err, name)
		m, err := st.CreateMonitor(ctx, tenant, actor, spec, 100)
		require.NoError(t, err, name)
		monitors[name] = m
	}
	create("http", model.TypeHTTP, web.URL+"/", `{}`)
	create("keyword", model.TypeKeyword, web.URL+"/", `{"keyword":"LOOPBACK"}`)
	create("flaky", model.TypeHTTP, web.URL+"/flaky", `{"retries":2}`)
	create("tcp", model.TypeTCP, echo, `{"send":"ping\n","expect":"ping"}`)
	create("dns", model.TypeDNS, "svc.test", `{"record_type":"A","resolver":"`+resolver+`","expected_values":["127.0.0.1"]}`)
	create("tls", model.TypeTLS, strings.TrimPrefix(secure.URL, "https://"), `{"warn_days":30,"critical_days":7}`)
	create("icmp", model.TypeICMP, "127.0.0.1", `{"packet_count":1}`)
	create("heartbeat", model.TypeHeartbeat, "", `{"grace_seconds":1}`)

	port, err := pgcluster.FreePort()
	require.NoError(t, err)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+url, "WORKER_PORT="+strconv.Itoa(port), "LOG_LEVEL=warn",
		"VINSIGHT_ALLOW_PRIVATE_TARGETS=true", "VINSIGHT_SPOOL_DIR="+t.TempDir(), "SSL_CERT_FILE="+roots)
	require.NoError(t, cmd.Start())
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()

	// The beat the backend would record for a push to the heartbeat URL.
	require.NoError(t, st.RecordCheck(ctx, model.CheckResult{Time: time.Now(), TenantID: tenant, MonitorID: monitors["heartbeat"].ID,
		Region: "push", Status: model.ResultUp}))

	count := func(id uuid.UUID, where string) int {
		var n int
		require.NoError(t, st.Pool().QueryRow(ctx, `SELECT count(*) FROM check_results WHERE monitor_id = $1 AND `+where, id).Scan(&n))
		return n
	}
	lastMessage := func(id uuid.UUID) string {
		var msg *string
		_ = st.Pool().QueryRow(ctx, `SELECT message FROM check_results WHERE monitor_id = $1 ORDER BY time DESC LIMIT 1`, id).Scan(&msg)
		if msg == nil {
			return ""
		}
		return *msg
	}
	for name, m := range monitors {
		if name == "icmp" {
			continue
		}
		assert.Eventually(t, func() bool { return count(m.ID, `status = 'up'`) > 0 }, 20*time.Second, 200*time.Millisecond,
			"%s: an up result (last: %q)", name, lastMessage(m.ID))
	}
	icmp := monitors["icmp"].ID
	require.Eventually(t, func() bool { return count(icmp, `true`) > 0 }, 20*time.Second, 200*time.Millisecond)
	if msg := lastMessage(icmp); strings.Contains(msg, "not permitted") {
		t.Logf("icmp: this machine allows neither unprivileged ping nor raw sockets (%s); the clear error is the result", msg)
	} else {
		assert.Positive(t, count(icmp, `status = 'up'`), "icmp: %s", msg)
	}
	assert.Eventually(t, func() bool { return count(monitors["heartbeat"].ID, `status = 'down' AND error_kind = 'timeout'`) > 0 },
		20*time.Second, 200*time.Millisecond, "the missed beat is judged down")

	// The rollups see the same results, exact to the last one.
	for name, m := range monitors {
		var raw, rolled int64
		require.NoError(t, st.Pool().QueryRow(ctx, `SELECT
			(SELECT count(*) FROM check_results WHERE monitor_id = $1 AND time < date_trunc('minute', now())),
			(SELECT coalesce(sum(checks), 0) FROM check_rollup_1m WHERE monitor_id = $1 AND bucket < date_trunc('minute', now()))`,
			m.ID).Scan(&raw, &rolled))
		assert.Equal(t, raw, rolled, "%s: rollup checks equal the raw rows before this minute", name)
	}

	// A target that starts failing is down only once its two re-checks fail too.
	flaky := monitors["flaky"].ID
	failing.Store(true)
	require.Eventually(t, func() bool { return count(flaky, `status = 'down' AND error_kind = 'http_status'`) > 0 },
		20*time.Second, 200*time.Millisecond)
	assert.GreaterOrEqual(t, failedHits.Load(), int32(3), "the first try and two re-checks before the down result")
	assert.Eventually(t, func() bool {
		m, err := st.GetMonitor(ctx, tenant, flaky)
		return err == nil && m.Status == model.StatusDown
	}, 10*time.Second, 200*time.Millisecond)
}

// startEcho serves TCP on loopback, writing back what each connection sends.
func startEcho(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 64)
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				n, _ := c.Read(buf)
				_, _ = c.Write(buf[:n])
			}()
		}
	}()
	return ln.Addr().String()
}

// startDNSServer answers A queries for name with addr over UDP on loopback.
func startDNSServer(t *testing.T, name, addr string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		if len(q.Question) == 1 && q.Question[0].Name == name && q.Question[0].Qtype == dns.TypeA {
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
				A: net.ParseIP(addr)})
		} else {
			m.Rcode = dns.RcodeNameError
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}
