package probe

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/model"
)

// rawHTTP serves every connection by reading the request head and writing
// response as it is, then closing; it returns the base URL.
func rawHTTP(t *testing.T, response string) string {
	return "http://" + listenTCP(t, func(conn net.Conn) {
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		if readHead(conn) == nil {
			io.WriteString(conn, response)
		}
	})
}

// stallingHTTP writes start after the request head, then neither writes
// nor closes until the client gives up.
func stallingHTTP(t *testing.T, start string) string {
	return "http://" + listenTCP(t, func(conn net.Conn) {
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		if readHead(conn) == nil {
			io.WriteString(conn, start)
			io.Copy(io.Discard, conn)
		}
	})
}

// readHead reads a request head; the probes' requests carry no body here.
func readHead(conn net.Conn) error {
	_, err := http.ReadRequest(bufio.NewReader(conn))
	return err
}

// fullBacklog returns a loopback address whose listener never accepts and
// whose accept queue is full, so that a connect there is never answered:
// the kernel drops the SYN.
func fullBacklog(t *testing.T) string {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	t.Cleanup(func() { syscall.Close(fd) })
	require.NoError(t, syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
	require.NoError(t, syscall.Listen(fd, 0))
	sa, err := syscall.Getsockname(fd)
	require.NoError(t, err)
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	for range 8 {
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return addr // the queue is full: this connect was not answered
		}
		t.Cleanup(func() { conn.Close() })
	}
	t.Skip("the kernel answered every connect; no way to make one hang here")
	return ""
}

func gzipped(s string) string {
	var b strings.Builder
	zw := gzip.NewWriter(&b)
	io.WriteString(zw, s)
	zw.Close()
	return b.String()
}

// TestHTTPResponses: the framings and odd answers an HTTP/1.1 client meets.
func TestHTTPResponses(t *testing.T) {
	chunked := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, part := range []string{`{"status":`, `"ok",`, `"note":"all systems operational"}`} {
			io.WriteString(w, part)
			w.(http.Flusher).Flush() // no Content-Length: chunked
		}
	}))
	t.Cleanup(chunked.Close)
	bigChunked := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 3 {
			io.WriteString(w, strings.Repeat("x", 512<<10))
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(bigChunked.Close)
	gz := gzipped("compressed: all systems operational")
	encoded := rawHTTP(t, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "+itoa(len(gz))+"\r\n\r\n"+gz)

	tests := []struct {
		name, url, config string
		wantStatus        int
		wantKind          string // "" for up
		wantMessage       string
	}{
		{"chunked body", chunked.URL, `{"keyword":"operational","json_assertions":[{"path":"$.status","op":"equals","value":"ok"}]}`, 200, "", "200 OK"},
		{"chunked body over the cap", bigChunked.URL, `{"keyword":"needle"}`, 200, kindAssertion, "not found in the first MiB"},
		{"body until the server closes", rawHTTP(t, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close: operational"), `{"keyword":"operational"}`, 200, "", "200 OK"},
		{"gzip body is decoded", encoded, `{"keyword":"all systems operational"}`, 200, "", "200 OK"},
		{"gzip not asked for when the monitor names an encoding", encoded, `{"keyword":"all systems operational","headers":{"Accept-Encoding":"identity"}}`, 200, kindAssertion, "not found"},
		{"informational responses skipped", rawHTTP(t, "HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"), ``, 204, "", "204 No Content"},
		{"body cut short", rawHTTP(t, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this"), ``, 200, kindConnect, "the connection closed before the whole body arrived"},
		{"headers beyond the limit", rawHTTP(t, "HTTP/1.1 200 OK\r\nX-Big: "+strings.Repeat("a", 70<<10)+"\r\n\r\n"), ``, 0, kindConnect, "the response headers exceed 64 KiB"},
		{"not HTTP", rawHTTP(t, "SSH-2.0-OpenSSH_9.6\r\n"), ``, 0, kindConnect, "malformed HTTP"},
		{"closed without an answer", rawHTTP(t, ""), ``, 0, kindConnect, "the server closed the connection without answering"},
		{"HEAD", chunked.URL, `{"method":"HEAD"}`, 200, "", "200 OK"},
	}
	p := testProber(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ := model.TypeHTTP
			if strings.Contains(tt.config, "keyword") {
				typ = model.TypeKeyword
			}
			r := probe(p, monitor(t, typ, tt.url, tt.config), 5*time.Second)
			if tt.wantKind == "" {
				expectUp(t, r)
			} else {
				expectDown(t, r, tt.wantKind, tt.wantMessage)
			}
			assert.Contains(t, r.Message, tt.wantMessage)
			assert.Equal(t, tt.wantStatus, r.StatusCode)
			assert.NotNil(t, r.ConnectMS)
		})
	}
}

// TestHTTPRequestOnTheWire: one HTTP/1.1 request per connection, which the
// server is asked to close.
func TestHTTPRequestOnTheWire(t *testing.T) {
	var (
		mu    sync.Mutex
		heads []*http.Request
	)
	url := "http://" + listenTCP(t, func(conn net.Conn) {
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		req, err := http.ReadRequest(bufio.NewReader(conn))
		if err != nil {
			return
		}
		mu.Lock()
		heads = append(heads, req)
		mu.Unlock()
		io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	})
	p := testProber(Options{})
	for range 2 {
		expectUp(t, probe(p, monitor(t, model.TypeHTTP, url+"/health?x=1", ""), 5*time.Second))
	}
	require.Len(t, heads, 2, "a connection per check")
	req := heads[0]
	assert.Equal(t, "GET", req.Method)
	assert.Equal(t, "/health?x=1", req.RequestURI)
	assert.Equal(t, "HTTP/1.1", req.Proto)
	assert.True(t, req.Close, "asks for the connection to be closed")
	assert.Equal(t, userAgent, req.UserAgent())
	assert.Equal(t, "gzip", req.Header.Get("Accept-Encoding"))
	assert.Equal(t, strings.TrimPrefix(url, "http://"), req.Host)
}

// TestHTTPTimeoutPhases: a check that runs out of time says in which phase.
func TestHTTPTimeoutPhases(t *testing.T) {
	silentTLS := listenTCP(t, func(conn net.Conn) {
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		io.Copy(io.Discard, conn) // reads the ClientHello, never answers
	})
	tests := []struct{ name, url, message string }{
		{"name lookup", "http://silent.test/", "timed out looking up the host"},
		{"connect", "http://" + fullBacklog(t) + "/", "timed out connecting"},
		{"TLS handshake", "https://" + silentTLS + "/", "timed out in the TLS handshake"},
		{"waiting for the response", stallingHTTP(t, "") + "/", "timed out waiting for the response"},
		{"reading the response head", stallingHTTP(t, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n") + "/", "timed out reading the response"},
		{"reading the body", stallingHTTP(t, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nthe start") + "/", "timed out reading the response body"},
	}
	p := testProber(Options{Resolver: testResolver(startDNS(t))})
	const timeout = 300 * time.Millisecond
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r := probe(p, monitor(t, model.TypeHTTP, tt.url, ""), timeout)
			elapsed := time.Since(start)
			expectDown(t, r, kindTimeout, tt.message)
			assert.Equal(t, "timed out "+strings.TrimPrefix(tt.message, "timed out "), r.Message)
			assert.Less(t, elapsed, timeout+200*time.Millisecond, "the probe returns by its deadline")
			assert.GreaterOrEqual(t, elapsed, timeout)
		})
	}
}

// TestHTTPSVerification: verify_tls decides whether an untrusted
// certificate fails the check; the expiry is recorded either way, and the
// exchange is HTTP/1.1 even with a server that offers HTTP/2.
func TestHTTPSVerification(t *testing.T) {
	selfSigned := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Proto)
	}))
	selfSigned.EnableHTTP2 = true
	selfSigned.Config.ErrorLog = quietLog
	selfSigned.StartTLS()
	t.Cleanup(selfSigned.Close)

	tests := []struct {
		name, config, wantKind, wantMessage string
	}{
		{"verified", `{"keyword":"HTTP/1.1"}`, kindTLS, "certificate: certificate signed by unknown authority"},
		{"not verified", `{"keyword":"HTTP/1.1","verify_tls":false}`, "", "200 OK"},
	}
	p := testProber(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := probe(p, monitor(t, model.TypeKeyword, selfSigned.URL+"/", tt.config), 5*time.Second)
			if tt.wantKind == "" {
				expectUp(t, r)
				require.NotNil(t, r.CertExpiresAt)
				assert.True(t, r.CertExpiresAt.Equal(selfSigned.Certificate().NotAfter.UTC()))
				assert.NotNil(t, r.TTFBMS)
			} else {
				expectDown(t, r, tt.wantKind, tt.wantMessage)
			}
			assert.Contains(t, r.Message, tt.wantMessage)
			assert.NotNil(t, r.ConnectMS)
			assert.NotNil(t, r.TLSMS, "the handshake ran")
		})
	}
}

// TestHTTPConcurrentChecks: checks share the prober's buffers, never a
// response.
func TestHTTPConcurrentChecks(t *testing.T) {
	srv := httpServer(t)
	p := testProber(Options{})
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path, config := "/ok", `{"keyword":"operational"}`
			if i%2 == 1 {
				path, config = "/json", `{"keyword":"\"count\":3"}`
			}
			for range 5 {
				expectUp(t, probe(p, monitor(t, model.TypeKeyword, srv.URL+path, config), 5*time.Second))
			}
		}()
	}
	wg.Wait()
}
