package alert

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/notify"
	"github.com/vinsight/vinsight/worker/probe"
)

// SenderOptions configure the channel senders.
type SenderOptions struct {
	// AllowPrivate lets notifications reach loopback and private networks
	// (VINSIGHT_ALLOW_PRIVATE_TARGETS), as probes may.
	AllowPrivate bool
	// SMTPURL is VINSIGHT_SMTP_URL; empty leaves email channels unable to send.
	SMTPURL string
	// Timeout bounds one HTTP request.
	Timeout time.Duration
	// Client replaces the guarded HTTP client (tests that trust their own CA).
	Client *http.Client
}

// Senders builds the sender of every channel type. Webhooks and the
// shoutrrr services that take a client go through a client whose dialer
// refuses private addresses; redirects are not followed.
func Senders(o SenderOptions) (notify.Senders, error) {
	client := o.Client
	if client == nil {
		dialer := &net.Dialer{Timeout: 5 * time.Second, Control: probe.DialControl(o.AllowPrivate)}
		client = &http.Client{
			Timeout: o.Timeout,
			Transport: &http.Transport{DialContext: dialer.DialContext, TLSHandshakeTimeout: 5 * time.Second,
				MaxIdleConnsPerHost: 8, IdleConnTimeout: 30 * time.Second, ForceAttemptHTTP2: true},
			// A redirect answers as itself: a 3xx is a failure that names the problem.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	s := notify.Senders{
		model.ChannelWebhook: notify.Webhook{Client: client},
		model.ChannelShoutrrr: notify.Shoutrrr{Client: client, CheckHost: func(ctx context.Context, host string) error {
			return probe.CheckHost(ctx, nil, o.AllowPrivate, host)
		}},
	}
	if o.SMTPURL != "" {
		smtp, err := notify.NewSMTP(o.SMTPURL)
		if err != nil {
			return nil, err
		}
		s[model.ChannelEmail] = notify.Email{SMTP: smtp}
	}
	return s, nil
}
