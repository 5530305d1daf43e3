// Package notify delivers messages to people and systems outside V-Insight:
// invitation mail now, incident notifications through the same senders.
package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"
)

// Mail is one plain-text message.
type Mail struct {
	To      []string
	Subject string
	Body    string
	// ID, when set, makes the Message-ID, so that a message sent twice is
	// one message to the mail clients that deduplicate by it.
	ID string
}

// SMTP sends mail through one server.
type SMTP struct {
	addr        string // host:port
	host        string // the name the certificate and PLAIN auth are checked against
	implicitTLS bool
	username    string
	password    string
	from        *mail.Address

	// TLSConfig replaces the default TLS settings (tests trust their own CA).
	TLSConfig *tls.Config
	// Timeout bounds one delivery when ctx has no earlier deadline.
	Timeout time.Duration
}

// NewSMTP parses smtp://user:password@host:port?from=address (STARTTLS
// whenever the server offers it, port 587 by default) or smtps://... (TLS
// from the first byte, port 465 by default). Without a user no AUTH is sent.
func NewSMTP(rawURL string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("notify.NewSMTP: %w", err)
	}
	s := &SMTP{host: u.Hostname(), implicitTLS: u.Scheme == "smtps", Timeout: 30 * time.Second}
	port := u.Port()
	switch {
	case u.Scheme != "smtp" && u.Scheme != "smtps":
		return nil, errors.New("notify.NewSMTP: scheme must be smtp or smtps")
	case s.host == "":
		return nil, errors.New("notify.NewSMTP: no host")
	case port == "" && s.implicitTLS:
		port = "465"
	case port == "":
		port = "587"
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.User != nil {
		s.username = u.User.Username()
		s.password, _ = u.User.Password()
	}
	if s.from, err = mail.ParseAddress(u.Query().Get("from")); err != nil {
		return nil, fmt.Errorf("notify.NewSMTP: from: %w", err)
	}
	return s, nil
}

// Send delivers m in one SMTP session. PLAIN credentials are only ever sent
// over TLS or to a server on loopback (net/smtp refuses anything else).
func (s *SMTP) Send(ctx context.Context, m Mail) error {
	msg, err := s.compose(m)
	if err != nil {
		return fmt.Errorf("notify.Send: %w", err)
	}
	if err := s.deliver(ctx, m.To, msg); err != nil {
		return fmt.Errorf("notify.Send via %s: %w", s.addr, err)
	}
	return nil
}

func (s *SMTP) deliver(ctx context.Context, to []string, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	conn, err := s.dial(ctx)
	if err != nil {
		return err
	}
	// The SMTP client knows no context: the deadline bounds every read and
	// write, and cancellation closes the connection under it.
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok && !s.implicitTLS {
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			return err
		}
	}
	if s.username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.username, s.password, s.host)); err != nil {
			return err
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return err
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func (s *SMTP) dial(ctx context.Context) (net.Conn, error) {
	if s.implicitTLS {
		d := &tls.Dialer{Config: s.tlsConfig()}
		return d.DialContext(ctx, "tcp", s.addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", s.addr)
}

func (s *SMTP) tlsConfig() *tls.Config {
	if s.TLSConfig != nil {
		return s.TLSConfig
	}
	return &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
}

// compose renders the message. Addresses and subject are checked so that no
// caller-supplied text can add a header; the body is quoted-printable, which
// survives any relay whatever its line lengths and characters.
func (s *SMTP) compose(m Mail) ([]byte, error) {
	if len(m.To) == 0 {
		return nil, errors.New("no recipient")
	}
	to := make([]string, len(m.To))
	for i, rcpt := range m.To {
		addr, err := mail.ParseAddress(rcpt)
		if err != nil || addr.Address != rcpt {
			return nil, fmt.Errorf("recipient %q is not a bare address", rcpt)
		}
		to[i] = addr.String()
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, errors.New("subject contains a line break")
	}
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", s.from.String())
	header("To", strings.Join(to, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Date", time.Now().Format(time.RFC1123Z))
	header("Message-ID", s.messageID(m.ID))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(m.Body)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (s *SMTP) messageID(id string) string {
	domain := s.from.Address[strings.LastIndex(s.from.Address, "@")+1:]
	if id != "" && !strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune("<>@", r) }) {
		return "<" + id + "@" + domain + ">"
	}
	r := make([]byte, 16)
	_, _ = rand.Read(r)
	return "<" + hex.EncodeToString(r) + "@" + domain + ">"
}
