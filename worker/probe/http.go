package probe

import (
	"context"
	"crypto/tls"
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
// redirect hops.
func (p *Prober) fetch(ctx context.Context, target string, cfg *model.HTTPConfig, keepBody bool) (r model.CheckResult, body responseBody) {
	r = up("")
	start := time.Now()
	timing := &httpTiming{}
	defer timing.record(&r)

	req, err := newRequest(httptrace.WithClientTrace(ctx, timing.trace()), target, cfg)
	if err != nil {
		fail(&r, kindConnect, "invalid request: "+err.Error())
		return r, responseBody{}
	}
	redirects := 0
	client := p.httpClient(cfg, &redirects)

	resp, err := client.Do(req)
	if err != nil {
		// The transport rewords some handshake errors; the trace kept the
		// original, which classifies as what it is.
		if handshakeErr := timing.handshakeError(); handshakeErr != nil {
			err = handshakeErr
		}
		failErr(&r, err)
		if r.ErrorKind == kindTimeout {
			r.Message = "timed out " + timing.currentPhase()
		}
		return r, responseBody{}
	}
	defer resp.Body.Close()
	r.StatusCode = resp.StatusCode
	if resp.TLS != nil {
		r.CertExpiresAt = certExpiry(resp.TLS.VerifiedChains, resp.TLS.PeerCertificates)
	}
	body, err = readBody(resp.Body, keepBody)
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

func newRequest(ctx context.Context, target string, cfg *model.HTTPConfig) (*http.Request, error) {
	var body io.Reader
	if cfg.Body != "" {
		body = strings.NewReader(cfg.Body)
	}
	req, err := http.NewRequestWithContext(ctx, cfg.Method, target, body)
	if err != nil {
		// The error would quote the URL, which may hold a token.
		return nil, fmt.Errorf("the URL or method %q is not valid", cfg.Method)
	}
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

// transport returns one of the two transports every http probe shares
// (verifying certificates or not). Keep-alives are off, so each check still
// opens a fresh connection and measures DNS, connect and TLS; sharing only
// saves building the transport's machinery for every check. No proxy from
// the environment: a proxy would connect on the probe's behalf, past the
// guard.
func (p *Prober) transport(verify bool) *http.Transport {
	p.transportsOnce.Do(func() {
		for i, skip := range []bool{false, true} {
			p.transports[i] = &http.Transport{
				DialContext: p.dialer.DialContext,
				// Skipping verification is the monitor's own choice
				// (verify_tls), for targets with self-signed certificates.
				TLSClientConfig:        &tls.Config{InsecureSkipVerify: skip, RootCAs: p.roots},
				ForceAttemptHTTP2:      true,
				DisableKeepAlives:      true,
				MaxResponseHeaderBytes: 64 << 10,
			}
		}
	})
	if verify {
		return p.transports[0]
	}
	return p.transports[1]
}

// httpClient returns a client for one probe with redirects as configured;
// redirects counts the hops followed.
func (p *Prober) httpClient(cfg *model.HTTPConfig, redirects *int) *http.Client {
	client := &http.Client{
		Transport: p.transport(cfg.VerifyTLS),
		CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			// via holds the requests made so far; following this redirect
			// would make it the len(via)-th.
			if !cfg.FollowRedirects || len(via) > cfg.MaxRedirects {
				return http.ErrUseLastResponse
			}
			*redirects = len(via)
			return nil
		},
	}
	return client
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

// httpTiming collects the phases of a request and its redirect hops from
// httptrace hooks, which can run on several goroutines at once (dual-stack
// connects race), hence the lock.
type httpTiming struct {
	mu                                   sync.Mutex
	phase                                string
	dnsStart, connectStart, tlsStart     time.Time
	connReady                            time.Time
	dns, connect, tls, ttfb              time.Duration
	sawDNS, sawConnect, sawTLS, sawFirst bool
	tlsErr                               error
}

func (t *httpTiming) trace() *httptrace.ClientTrace {
	at := func(f func(now time.Time)) {
		t.mu.Lock()
		defer t.mu.Unlock()
		f(time.Now())
	}
	return &httptrace.ClientTrace{
		GetConn: func(string) { at(func(time.Time) { t.phase = "connecting" }) },
		DNSStart: func(httptrace.DNSStartInfo) {
			at(func(now time.Time) { t.dnsStart, t.phase = now, "looking up the host" })
		},
		DNSDone: func(httptrace.DNSDoneInfo) {
			at(func(now time.Time) { t.dns += now.Sub(t.dnsStart); t.sawDNS = true })
		},
		ConnectStart: func(string, string) {
			at(func(now time.Time) {
				if t.connectStart.IsZero() {
					t.connectStart = now
				}
				t.phase = "connecting"
			})
		},
		ConnectDone: func(_, _ string, err error) {
			at(func(now time.Time) {
				if err == nil {
					t.connect += now.Sub(t.connectStart)
					t.connectStart, t.sawConnect = time.Time{}, true
				}
			})
		},
		TLSHandshakeStart: func() {
			at(func(now time.Time) { t.tlsStart, t.phase = now, "in the TLS handshake" })
		},
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			at(func(now time.Time) { t.tls += now.Sub(t.tlsStart); t.sawTLS, t.tlsErr = true, err })
		},
		GotConn: func(httptrace.GotConnInfo) {
			at(func(now time.Time) { t.connReady, t.phase = now, "waiting for the response" })
		},
		GotFirstResponseByte: func() {
			at(func(now time.Time) {
				t.ttfb += now.Sub(t.connReady)
				t.sawFirst = true
				t.phase = "reading the response"
			})
		},
	}
}

func (t *httpTiming) currentPhase() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.phase == "" {
		return "connecting"
	}
	return t.phase
}

func (t *httpTiming) handshakeError() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.tlsErr
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
