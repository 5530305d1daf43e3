// Package smtptest runs a real SMTP server on loopback for tests: ESMTP as
// github.com/emersion/go-smtp speaks it, optionally with STARTTLS and a
// required AUTH PLAIN, handing over every message it accepts.
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"
)

// Options shape the server.
type Options struct {
	// Username and Password, when set, are required through AUTH PLAIN
	// before MAIL; without StartTLS the server allows AUTH in clear text.
	Username, Password string
	// StartTLS offers STARTTLS with a self-signed certificate for 127.0.0.1.
	StartTLS bool
}

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Data []byte
	TLS  bool   // whether it arrived over TLS
	User string // the authenticated user, if any
}

// Server is a running test server.
type Server struct {
	Addr string
	// ClientTLS trusts the server's certificate (nil without StartTLS).
	ClientTLS *tls.Config
	opts      Options
	messages  chan Message
}

// Start serves on a free loopback port until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &Server{Addr: l.Addr().String(), opts: o, messages: make(chan Message, 16)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{server: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.AllowInsecureAuth = !o.StartTLS
	if o.StartTLS {
		cert, pool := selfSigned(t)
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.ClientTLS = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// URL is the server as VINSIGHT_SMTP_URL names it.
func (s *Server) URL(from string) string {
	u := url.URL{Scheme: "smtp", Host: s.Addr, RawQuery: url.Values{"from": {from}}.Encode()}
	if s.opts.Username != "" {
		u.User = url.UserPassword(s.opts.Username, s.opts.Password)
	}
	return u.String()
}

// Next waits up to five seconds for the next accepted message.
func (s *Server) Next(t testing.TB) Message {
	t.Helper()
	select {
	case m := <-s.messages:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("smtptest: no message arrived within 5s")
		return Message{}
	}
}

// Pending is the number of accepted messages not yet taken with Next.
func (s *Server) Pending() int { return len(s.messages) }

type session struct {
	server *Server
	conn   *smtp.Conn
	user   string
	msg    Message
}

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != x.server.opts.Username || password != x.server.opts.Password {
			return errors.New("invalid credentials")
		}
		x.user = username
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.server.opts.Username != "" && x.user == "" {
		return smtp.ErrAuthRequired
	}
	x.msg = Message{From: from}
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.msg.To = append(x.msg.To, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, x.msg.TLS = x.conn.TLSConnectionState()
	x.msg.Data, x.msg.User = data, x.user
	x.server.messages <- x.msg
	return nil
}

func (x *session) Reset()        { x.msg = Message{} }
func (x *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtptest"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
