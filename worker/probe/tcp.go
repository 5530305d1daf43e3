package probe

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"time"

	"github.com/vinsight/vinsight/internal/model"
)

// maxTCPReply caps what is read while waiting for the expected bytes.
const maxTCPReply = 64 << 10

// probeTCP connects to host:port and, when configured, sends Send and waits
// for a reply containing Expect. LatencyMS covers the whole exchange.
func probeTCP(ctx context.Context, p *Prober, m model.Monitor) model.CheckResult {
	cfg := m.Config.TCP
	if cfg == nil {
		cfg = defaults(model.TypeTCP).TCP
	}
	r := up("connected")
	start := time.Now()
	conn, err := p.connect(ctx, &r, m.Target)
	if err != nil {
		failErr(&r, err)
		return r
	}
	defer conn.Close()
	defer bindDeadline(ctx, conn)()

	if cfg.Send != "" {
		if _, err := conn.Write([]byte(cfg.Send)); err != nil {
			failErr(&r, err)
			return r
		}
	}
	if cfg.Expect != "" {
		reply, err := readUntil(conn, []byte(cfg.Expect))
		if err != nil && len(reply) == 0 && isTimeout(err) {
			fail(&r, kindTimeout, "timed out waiting for a reply")
			return r
		}
		r.LatencyMS = ms(time.Since(start))
		if err != nil {
			fail(&r, kindAssertion, fmt.Sprintf("reply did not contain %s (got %s)", quoteShort(cfg.Expect), quoteShort(string(reply))))
			return r
		}
		r.Message = "reply contained " + quoteShort(cfg.Expect)
		return r
	}
	r.LatencyMS = ms(time.Since(start))
	return r
}

// readUntil reads from conn until what it read contains want, returning
// what was read; the error says why it stopped short.
func readUntil(conn net.Conn, want []byte) ([]byte, error) {
	var reply []byte
	buf := make([]byte, 4096)
	for len(reply) < maxTCPReply {
		n, err := conn.Read(buf)
		reply = append(reply, buf[:n]...)
		if bytes.Contains(reply, want) {
			return reply, nil
		}
		if err != nil {
			return reply, err
		}
	}
	return reply, fmt.Errorf("no match in the first %d bytes", maxTCPReply)
}

// bindDeadline makes conn obey ctx: its deadline, and its cancellation (a
// worker shutting down), which moves the deadline to now so that blocked
// reads and writes end as timeouts. The returned func releases the binding.
func bindDeadline(ctx context.Context, conn net.Conn) (release func() bool) {
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	return context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
}
