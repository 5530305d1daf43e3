package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/vinsight/vinsight/internal/model"
)

// Error kinds of a down result (model.CheckResult.ErrorKind).
const (
	kindDNS        = "dns"
	kindConnect    = "connect"
	kindTLS        = "tls"
	kindTimeout    = "timeout"
	kindHTTPStatus = "http_status"
	kindAssertion  = "assertion"
	kindBlocked    = "blocked"
)

// up starts a result that a probe then fills in or fails.
func up(message string) model.CheckResult {
	return model.CheckResult{Status: model.ResultUp, Message: message}
}

// fail marks r down with kind and a message for people.
func fail(r *model.CheckResult, kind, message string) {
	r.Status, r.ErrorKind, r.Message = model.ResultDown, kind, message
}

// failErr marks r down with err classified.
func failErr(r *model.CheckResult, err error) {
	kind, message := classify(err)
	fail(r, kind, message)
}

// maxMessage bounds a result's message: most are a line, but a few quote
// what a server sent.
const maxMessage = 300

// shorten cuts s to at most n runes.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// ms turns a duration into the float milliseconds results carry.
func ms(d time.Duration) *float64 {
	v := float64(d) / float64(time.Millisecond)
	return &v
}

// judgeLatency turns an up result slower than the monitor's threshold into
// degraded: the target answered, but too slowly.
func judgeLatency(r *model.CheckResult, thresholdMS *int) {
	if r.Status != model.ResultUp || thresholdMS == nil || r.LatencyMS == nil || *r.LatencyMS <= float64(*thresholdMS) {
		return
	}
	r.Status = model.ResultDegraded
	slow := fmt.Sprintf("slower than %d ms (%.0f ms)", *thresholdMS, *r.LatencyMS)
	if r.Message == "" {
		r.Message = slow
	} else {
		r.Message += "; " + slow
	}
}

// classify maps a network, DNS or TLS error to an error kind and a short
// message. Messages are built from the error's parts, never from a
// *url.Error's text, which carries the request URL and its query string.
func classify(err error) (kind, message string) {
	var (
		blocked  *blockedError
		dnsErr   *net.DNSError
		alert    tls.AlertError
		record   tls.RecordHeaderError
		opErr    *net.OpError
		urlError *url.Error
	)
	switch {
	case errors.As(err, &blocked):
		return kindBlocked, blocked.Error()
	case errors.As(err, &dnsErr):
		if dnsErr.IsTimeout {
			return kindTimeout, "timed out looking up " + dnsErr.Name
		}
		if dnsErr.IsNotFound {
			return kindDNS, "no such host " + dnsErr.Name
		}
		return kindDNS, fmt.Sprintf("looking up %s: %s", dnsErr.Name, dnsErr.Err)
	case isTimeout(err):
		return kindTimeout, "timed out"
	case certificateProblem(err) != "":
		return kindTLS, "certificate: " + certificateProblem(err)
	case errors.As(err, &alert), errors.As(err, &record):
		return kindTLS, "TLS handshake failed: " + strings.TrimPrefix(tlsCause(err).Error(), "tls: ")
	case errors.Is(err, syscall.ECONNREFUSED):
		return kindConnect, "connection refused" + opAddr(err)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return kindConnect, "connection reset" + opAddr(err)
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return kindConnect, "no route to host" + opAddr(err)
	case errors.As(err, &opErr):
		return kindConnect, opErr.Op + ": " + opErr.Err.Error()
	case errors.As(err, &urlError):
		return kindConnect, urlError.Err.Error()
	}
	return kindConnect, err.Error()
}

// isTimeout reports a deadline reached, as a context error or a socket
// deadline.
func isTimeout(err error) bool {
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout())
}

// opAddr names the remote address of a failed socket operation.
func opAddr(err error) string {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Addr != nil {
		return " by " + opErr.Addr.String()
	}
	return ""
}

// certificateProblem describes why a certificate failed verification, or
// returns "" when err is not about one.
func certificateProblem(err error) string {
	var (
		hostErr x509.HostnameError
		authErr x509.UnknownAuthorityError
		certErr x509.CertificateInvalidError
		verify  *tls.CertificateVerificationError
	)
	var problem error
	switch {
	case errors.As(err, &hostErr):
		problem = hostErr
	case errors.As(err, &authErr):
		problem = authErr
	case errors.As(err, &certErr):
		problem = certErr
	case errors.As(err, &verify):
		problem = verify.Err
	default:
		return ""
	}
	return strings.TrimPrefix(problem.Error(), "x509: ")
}

// tlsCause strips the wrappers (url.Error, net.OpError) around a TLS
// error, whose own text is the useful part.
func tlsCause(err error) error {
	var alert tls.AlertError
	if errors.As(err, &alert) {
		return alert
	}
	var record tls.RecordHeaderError
	if errors.As(err, &record) {
		if string(record.RecordHeader[:]) == "HTTP/" {
			return errors.New("the server answered in plain HTTP")
		}
		return errors.New(record.Msg)
	}
	return err
}
