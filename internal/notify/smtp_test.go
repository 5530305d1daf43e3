package notify_test

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/notify"
	"github.com/vinsight/vinsight/internal/notify/smtptest"
)

func TestSMTPSendsThroughARealServer(t *testing.T) {
	long := "https://app.example.com/invite/vii_" + strings.Repeat("x", 80)
	cases := []struct {
		name     string
		opts     smtptest.Options
		wantTLS  bool
		wantUser string
	}{
		{name: "plain, no auth"},
		{name: "auth to loopback without TLS", opts: smtptest.Options{Username: "ada", Password: "p@ss:word/1"}, wantUser: "ada"},
		{name: "STARTTLS then auth", opts: smtptest.Options{Username: "ada", Password: "secret", StartTLS: true}, wantTLS: true, wantUser: "ada"},
		{name: "STARTTLS without auth", opts: smtptest.Options{StartTLS: true}, wantTLS: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := smtptest.Start(t, tc.opts)
			sender, err := notify.NewSMTP(srv.URL("V-Insight <alerts@example.com>"))
			require.NoError(t, err)
			sender.TLSConfig = srv.ClientTLS

			err = sender.Send(context.Background(), notify.Mail{
				To: []string{"bob@example.org"}, Subject: "Einladung für Ünïcode", Body: "Open\n" + long + "\n.\nbye\n"})
			require.NoError(t, err)

			got := srv.Next(t)
			assert.Equal(t, "alerts@example.com", got.From)
			assert.Equal(t, []string{"bob@example.org"}, got.To)
			assert.Equal(t, tc.wantTLS, got.TLS)
			assert.Equal(t, tc.wantUser, got.User)

			msg, err := mail.ReadMessage(bytes.NewReader(got.Data))
			require.NoError(t, err)
			subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
			require.NoError(t, err)
			assert.Equal(t, "Einladung für Ünïcode", subject)
			assert.Equal(t, `"V-Insight" <alerts@example.com>`, msg.Header.Get("From"))
			assert.NotEmpty(t, msg.Header.Get("Message-ID"))
			body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
			require.NoError(t, err)
			assert.Equal(t, "Open\r\n"+long+"\r\n.\r\nbye\r\n", string(body), "long lines and a lone dot survive")
		})
	}
}

func TestSMTPFailures(t *testing.T) {
	t.Run("wrong password", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{Username: "ada", Password: "right", StartTLS: true})
		sender, err := notify.NewSMTP(strings.Replace(srv.URL("a@example.com"), "right", "wrong", 1))
		require.NoError(t, err)
		sender.TLSConfig = srv.ClientTLS
		assert.Error(t, sender.Send(context.Background(), notify.Mail{To: []string{"b@example.com"}, Subject: "s", Body: "b"}))
		assert.Zero(t, srv.Pending())
	})

	t.Run("an untrusted certificate is refused", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{StartTLS: true})
		sender, err := notify.NewSMTP(srv.URL("a@example.com"))
		require.NoError(t, err)
		assert.Error(t, sender.Send(context.Background(), notify.Mail{To: []string{"b@example.com"}, Subject: "s", Body: "b"}))
		assert.Zero(t, srv.Pending())
	})

	t.Run("header injection is refused before connecting", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{})
		sender, err := notify.NewSMTP(srv.URL("a@example.com"))
		require.NoError(t, err)
		for _, m := range []notify.Mail{
			{To: []string{"b@example.com"}, Subject: "hi\r\nBcc: evil@example.com"},
			{To: []string{"b@example.com\r\nBcc: evil@example.com"}, Subject: "hi"},
			{To: []string{"Bob <b@example.com>"}, Subject: "hi"},
			{Subject: "no recipient"},
		} {
			assert.Error(t, sender.Send(context.Background(), m), "%+v", m)
		}
		assert.Zero(t, srv.Pending())
	})

	t.Run("a server that never answers times out", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		t.Cleanup(func() { l.Close() })
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				t.Cleanup(func() { c.Close() })
			}
		}()
		sender, err := notify.NewSMTP("smtp://" + l.Addr().String() + "?from=a@example.com")
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		assert.Error(t, sender.Send(ctx, notify.Mail{To: []string{"b@example.com"}, Subject: "s", Body: "b"}))
		assert.Less(t, time.Since(start), 3*time.Second)
	})
}

func TestNewSMTP(t *testing.T) {
	cases := []struct {
		url   string
		valid bool
	}{
		{"smtp://user:pass@mail.example.com:587?from=alerts@example.com", true},
		{"smtps://mail.example.com?from=alerts@example.com", true},
		{"smtp://mail.example.com?from=V-Insight%20%3Calerts@example.com%3E", true},
		{"smtp://mail.example.com", false},
		{"smtp://mail.example.com?from=not-an-address", false},
		{"http://mail.example.com?from=alerts@example.com", false},
		{"smtp://?from=alerts@example.com", false},
	}
	for _, tc := range cases {
		t.Run(tc.url, func(t *testing.T) {
			_, err := notify.NewSMTP(tc.url)
			assert.Equal(t, tc.valid, err == nil, "%v", err)
		})
	}
}
