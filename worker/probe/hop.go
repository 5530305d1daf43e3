package probe

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/idna"
)

// maxResponseHead caps the status line and headers of a response.
const maxResponseHead = 64 << 10

// max1xx bounds the informational (1xx) responses skipped before the real
// one.
const max1xx = 5

var (
	errHeadTooLarge = fmt.Errorf("the response headers exceed %d KiB", maxResponseHead>>10)
	errNoAnswer     = errors.New("the server closed the connection without answering")
)

// hop is one HTTP/1.1 request and its response on a connection of its
// own: dialed through the guard, closed after the response. Everything
// runs on the probe's goroutine, so each phase is timed where it happens.
type hop struct {
	conn    net.Conn // the TLS connection for https
	head    headLimit
	br      *bufio.Reader
	resp    *http.Response
	tls     *tls.ConnectionState
	gzip    bool        // gzip was asked for, so a gzip body is decoded
	release func() bool // unbinds the context from conn
	pools   *bufferPools
}

// bufferPools recycles the read and write buffers of hops (6 KiB a
// check), which would otherwise be garbage at every check.
type bufferPools struct {
	readers, writers sync.Pool
}

func (bp *bufferPools) reader(r io.Reader) *bufio.Reader {
	if br, ok := bp.readers.Get().(*bufio.Reader); ok {
		br.Reset(r)
		return br
	}
	return bufio.NewReaderSize(r, 4<<10)
}

func (bp *bufferPools) writer(w io.Writer) *bufio.Writer {
	if bw, ok := bp.writers.Get().(*bufio.Writer); ok {
		bw.Reset(w)
		return bw
	}
	return bufio.NewWriterSize(w, 2<<10)
}

func (bp *bufferPools) putReader(br *bufio.Reader) {
	br.Reset(nil)
	bp.readers.Put(br)
}

func (bp *bufferPools) putWriter(bw *bufio.Writer) {
	bw.Reset(nil)
	bp.writers.Put(bw)
}

// roundTrip connects to req's host, completes the TLS handshake for https
// (verifying the certificate when verify), writes req and reads the
// response head; the caller reads resp.Body, then closes the hop.
// The connection obeys ctx. Phases are recorded in t.
func (p *Prober) roundTrip(ctx context.Context, req *http.Request, verify bool, t *httpTiming) (*hop, error) {
	host, err := idnaASCII(req.URL.Hostname())
	if err != nil {
		return nil, fmt.Errorf("invalid host name: %w", err)
	}
	port := req.URL.Port()
	if port == "" {
		port = "80"
		if req.URL.Scheme == "https" {
			port = "443"
		}
	}
	conn, err := p.dial(ctx, host, port, t)
	if err != nil {
		return nil, err
	}
	h := &hop{conn: conn, release: bindDeadline(ctx, conn), pools: &p.buffers}
	if req.URL.Scheme == "https" {
		if err := h.handshake(host, verify, p, t); err != nil {
			h.close()
			return nil, err
		}
	}
	t.connReady()
	if err := h.write(req); err != nil {
		h.close()
		return nil, err
	}
	if err := h.readHead(req, t); err != nil {
		h.close()
		return nil, err
	}
	return h, nil
}

// dial connects to host:port through the guarded dialer, which resolves
// a name, races IPv6 and IPv4 as usual and runs the guard on every address
// it connects to. The lookup and connect of a name are timed through trace
// hooks; an IP address needs no lookup, so the dial is the connect.
func (p *Prober) dial(ctx context.Context, host, port string, t *httpTiming) (net.Conn, error) {
	t.setPhase("connecting")
	addr := net.JoinHostPort(host, port)
	if _, err := netip.ParseAddr(host); err != nil {
		return p.dialer.DialContext(t.dialContext(ctx), "tcp", addr)
	}
	start := time.Now()
	conn, err := p.dialer.DialContext(ctx, "tcp", addr)
	if err == nil {
		t.connected(time.Since(start))
	}
	return conn, err
}

// handshake replaces the connection with a TLS client connection for host.
// The deadline bound to the plain connection also ends a stalled handshake.
func (h *hop) handshake(host string, verify bool, p *Prober, t *httpTiming) error {
	tlsConn := tls.Client(h.conn, &tls.Config{
		ServerName: host,
		// Skipping verification is the monitor's own choice (verify_tls),
		// for targets with self-signed certificates.
		InsecureSkipVerify: !verify,
		RootCAs:            p.roots,
		NextProtos:         []string{"http/1.1"},
	})
	t.tlsStart()
	err := tlsConn.Handshake()
	t.tlsDone()
	if err != nil {
		return err
	}
	state := tlsConn.ConnectionState()
	h.conn, h.tls = tlsConn, &state
	return nil
}

// write sends req, asking for a gzip body the way net/http's transport
// does (and decoding it in readHead), and asking the server to close the
// connection after answering.
func (h *hop) write(req *http.Request) error {
	h.gzip = acceptsGzip(req)
	if h.gzip {
		req.Header.Set("Accept-Encoding", "gzip")
		// A redirect copies the request's headers: it decides anew.
		defer req.Header.Del("Accept-Encoding")
	}
	bw := h.pools.writer(h.conn)
	defer h.pools.putWriter(bw)
	if err := req.Write(bw); err != nil {
		return err
	}
	return bw.Flush()
}

// acceptsGzip: gzip is asked for unless the monitor chose an encoding or a
// range (a partial gzip stream does not decode), and never for HEAD.
func acceptsGzip(req *http.Request) bool {
	return req.Header.Get("Accept-Encoding") == "" && req.Header.Get("Range") == "" && req.Method != http.MethodHead
}

// readHead reads the status line and headers of the response, skipping
// informational (1xx) ones, and leaves resp.Body ready to read.
func (h *hop) readHead(req *http.Request, t *httpTiming) error {
	h.head = headLimit{r: h.conn, left: maxResponseHead}
	h.br = h.pools.reader(&h.head)
	if _, err := h.br.Peek(1); err != nil {
		return h.headErr(err)
	}
	t.firstByte()
	for n := 0; ; n++ {
		resp, err := http.ReadResponse(h.br, req)
		if err != nil {
			return h.headErr(err)
		}
		if resp.StatusCode < 100 || resp.StatusCode > 199 || resp.StatusCode == http.StatusSwitchingProtocols {
			h.resp = resp
			break
		}
		if n == max1xx {
			return errors.New("too many informational (1xx) responses")
		}
		h.head.left = maxResponseHead
	}
	h.head.left = -1 // the body has its own cap
	h.resp.TLS = h.tls
	if h.gzip && strings.EqualFold(h.resp.Header.Get("Content-Encoding"), "gzip") {
		h.resp.Body = &gzipBody{body: h.resp.Body}
		h.resp.Header.Del("Content-Encoding")
		h.resp.Header.Del("Content-Length")
		h.resp.ContentLength = -1
		h.resp.Uncompressed = true
	}
	return nil
}

// headErr names a head that went past the limit, which the reader only
// sees as a failed read, and a connection closed before any answer.
func (h *hop) headErr(err error) error {
	switch {
	case h.head.left == 0:
		return errHeadTooLarge
	case err == io.EOF:
		return errNoAnswer
	}
	return err
}

// close releases the connection and the buffers; after it the body can no
// longer be read.
func (h *hop) close() {
	h.release()
	h.conn.Close()
	if h.br != nil {
		h.pools.putReader(h.br)
		h.br = nil
	}
}

// headLimit reads from r, failing once left bytes have been read; a
// negative left means no limit.
type headLimit struct {
	r    io.Reader
	left int64
}

func (h *headLimit) Read(b []byte) (int, error) {
	if h.left == 0 {
		return 0, errHeadTooLarge
	}
	if h.left > 0 && int64(len(b)) > h.left {
		b = b[:h.left]
	}
	n, err := h.r.Read(b)
	if h.left > 0 {
		h.left -= int64(n)
	}
	return n, err
}

// gzipBody decodes a gzip response body, starting at the first read (an
// empty body reads as empty).
type gzipBody struct {
	body io.ReadCloser
	zr   *gzip.Reader
	err  error
}

func (g *gzipBody) Read(b []byte) (int, error) {
	if g.zr == nil && g.err == nil {
		g.zr, g.err = gzip.NewReader(g.body)
	}
	if g.err != nil {
		return 0, g.err
	}
	return g.zr.Read(b)
}

func (g *gzipBody) Close() error { return g.body.Close() }

// idnaASCII turns an internationalised host name into the ASCII form that
// DNS, TLS and the Host header use.
func idnaASCII(host string) (string, error) {
	for i := 0; i < len(host); i++ {
		if host[i] >= 0x80 {
			return idna.Lookup.ToASCII(host)
		}
	}
	return host, nil
}
