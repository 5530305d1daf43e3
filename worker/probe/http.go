package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"time"

	"github.com/vinsight/vinsight/internal/model"
)

// maxBody caps how much of a response body is read: enough for any health
// endpoint, small enough that a huge or endless body cannot exhaust the
// worker.
const maxBody = 1 << 20

const userAgent = "V-Insight/1.0 (uptime monitor)"

var errBodyCut = errors.New("the connection closed before the whole body arrived")

// responseBody is the part of a response body that was read.
type responseBody struct {
	data      []byte
	truncated bool // the body was longer than maxBody
}

// probeHTTP requests the target and checks the status code and the JSON
// assertions.
func probeHTTP(ctx context.Context, p *Prober, m model.Monitor) model.CheckResult {
	cfg := m.Config.HTTP
	if cfg == nil {
		cfg = defaults(model.TypeHTTP).HTTP
	}
	r, body := p.fetch(ctx, m.Target, cfg, len(cfg.JSONAssertions) > 0)
	if r.Status == model.ResultUp {
		checkJSON(&r, body, cfg.JSONAssertions)
	}
	return r
}

// fetch makes the request of cfg to target and reads the body (up to
// maxBody; kept only when keepBody). The result is up when the final status
// is accepted, with LatencyMS covering everything up to the last body byte
// read and the phases (DNS, connect, TLS, time to first byte) summed over
// redirect hops. Every hop opens a connection of its own, which the guard
// vets, and speaks HTTP/1.1 on it.
func (p *Prober) fetch(ctx context.Context, target string, cfg *model.HTTPConfig, keepBody bool) (r model.CheckResult, body responseBody) {
	r = up("")
	start := time.Now()
	timing := &httpTiming{}
	defer timing.record(&r)

	req, err := newRequest(target, cfg)
	if err != nil {
		fail(&r, kindConnect, "invalid request: "+err.Error())
		return r, responseBody{}
	}
	chain := redirectChain{first: req, body: cfg.Body}
	redirects := 0
	var h *hop
	for {
		h, err = p.roundTrip(ctx, req, cfg.VerifyTLS, timing)
		if err != nil {
			failErr(&r, err)
			if r.ErrorKind == kindTimeout {
				r.Message = "timed out " + timing.currentPhase()
			}
			return r, responseBody{}
		}
		if !cfg.FollowRedirects || redirects >= cfg.MaxRedirects {
			break
		}
		next, err := chain.next(req, h.resp)
		if err != nil {
			r.StatusCode = h.resp.StatusCode
			fail(&r, kindHTTPStatus, fmt.Sprintf("status %s: %s", h.resp.Status, err))
			h.close()
			return r, responseBody{}
		}
		if next == nil {
			break
		}
		h.close()
		req = next
		redirects++
	}
	defer h.close()
	resp := h.resp
	r.StatusCode = resp.StatusCode
	if resp.TLS != nil {
		r.CertExpiresAt = certExpiry(resp.TLS.VerifiedChains, resp.TLS.PeerCertificates)
	}
	timing.setPhase("reading the response body")
	body, err = readBody(resp.Body, keepBody)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = errBodyCut
	}
	if err != nil {
		failErr(&r, err)
		if r.ErrorKind == kindTimeout {
			r.Message = "timed out reading the response body"
		}
		return r, responseBody{}
	}
	r.LatencyMS = ms(time.Since(start))
	if !cfg.StatusAccepted(resp.StatusCode) {
		fail(&r, kindHTTPStatus, statusMessage(resp, cfg, redirects))
		return r, responseBody{}
	}
	r.Message = resp.Status
	return r, body
}

// newRequest builds the first request of a check. Close asks the server to
// close the connection after answering: every check connects anew.
func newRequest(target string, cfg *model.HTTPConfig) (*http.Request, error) {
	var body io.Reader
	if cfg.Body != "" {
		body = strings.NewReader(cfg.Body)
	}
	req, err := http.NewRequest(cfg.Method, target, body)
	if err != nil {
		// The error would quote the URL, which may hold a token.
		return nil, fmt.Errorf("the URL or method %q is not valid", cfg.Method)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return nil, errors.New("the URL is not http or https")
	}
	req.Close = true
	req.Header.Set("User-Agent", userAgent)
	for name, value := range cfg.Headers {
		if strings.EqualFold(name, "Host") {
			req.Host = value
			continue
		}
		req.Header.Set(name, value)
	}
	return req, nil
}

// readBody reads up to maxBody bytes, keeping them only when asked: the
// total latency includes the body either way.
func readBody(body io.Reader, keep bool) (responseBody, error) {
	limited := io.LimitReader(body, maxBody+1)
	if !keep {
		n, err := io.Copy(io.Discard, limited)
		return responseBody{truncated: n > maxBody}, err
	}
	data, err := io.ReadAll(limited)
	if len(data) > maxBody {
		return responseBody{data: data[:maxBody], truncated: true}, err
	}
	return responseBody{data: data}, err
}

func statusMessage(resp *http.Response, cfg *model.HTTPConfig, redirects int) string {
	msg := fmt.Sprintf("status %s, expected %s", resp.Status, strings.Join(cfg.ExpectedStatus, ", "))
	if resp.StatusCode >= 300 && resp.StatusCode < 400 && resp.Header.Get("Location") != "" {
		if !cfg.FollowRedirects {
			msg += " (redirects are not followed)"
		} else {
			msg += fmt.Sprintf(" (stopped after %d redirects, the limit)", redirects)
		}
	}
	return msg
}

// httpTiming collects the phases of a request and its redirect hops. The
// dialer reports DNS and connect through httptrace hooks, which can run on
// several goroutines at once (dual-stack connects race), hence the lock.
type httpTiming struct {
	mu                                   sync.Mutex
	phase                                string
	dnsStart, connectStart, tlsStarted   time.Time
	ready                                time.Time
	dns, connect, tls, ttfb              time.Duration
	sawDNS, sawConnect, sawTLS, sawFirst bool
}

// dialContext returns ctx with hooks that time the name lookup and the
// connect of a dial.
func (t *httpTiming) dialContext(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) {
			t.at(func(now time.Time) { t.dnsStart, t.phase = now, "looking up the host" })
		},
		DNSDone: func(httptrace.DNSDoneInfo) {
			t.at(func(now time.Time) { t.dns += now.Sub(t.dnsStart); t.sawDNS = true })
		},
		ConnectStart: func(string, string) {
			t.at(func(now time.Time) {
				if t.connectStart.IsZero() {
					t.connectStart = now
				}
				t.phase = "connecting"
			})
		},
		ConnectDone: func(_, _ string, err error) {
			t.at(func(now time.Time) {
				if err == nil {
					t.connect += now.Sub(t.connectStart)
					t.connectStart, t.sawConnect = time.Time{}, true
				}
			})
		},
	})
}

// connected adds the connect time of a dial that was timed without hooks.
func (t *httpTiming) connected(d time.Duration) {
	t.at(func(time.Time) { t.connect += d; t.sawConnect = true })
}

// at runs f with the time under the lock.
func (t *httpTiming) at(f func(now time.Time)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f(time.Now())
}

func (t *httpTiming) setPhase(phase string) {
	t.at(func(time.Time) { t.phase = phase })
}

func (t *httpTiming) tlsStart() {
	t.at(func(now time.Time) { t.tlsStarted, t.phase = now, "in the TLS handshake" })
}

func (t *httpTiming) tlsDone() {
	t.at(func(now time.Time) { t.tls += now.Sub(t.tlsStarted); t.sawTLS = true })
}

// connReady marks the connection ready for the request.
func (t *httpTiming) connReady() {
	t.at(func(now time.Time) { t.ready, t.phase = now, "waiting for the response" })
}

func (t *httpTiming) firstByte() {
	t.at(func(now time.Time) {
		t.ttfb += now.Sub(t.ready)
		t.sawFirst = true
		t.phase = "reading the response"
	})
}

func (t *httpTiming) currentPhase() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.phase == "" {
		return "connecting"
	}
	return t.phase
}

// record copies the phases that happened into r. TTFBMS is the time from
// the connection being ready to the first response byte (the server's
// share, blackbox_exporter's "processing" phase).
func (t *httpTiming) record(r *model.CheckResult) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sawDNS {
		r.DNSMS = ms(t.dns)
	}
	if t.sawConnect {
		r.ConnectMS = ms(t.connect)
	}
	if t.sawTLS {
		r.TLSMS = ms(t.tls)
	}
	if t.sawFirst {
		r.TTFBMS = ms(t.ttfb)
	}
}
