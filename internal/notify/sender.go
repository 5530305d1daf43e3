package notify

import (
	"context"
	"errors"

	"github.com/vinsight/vinsight/internal/model"
)

// Sender delivers one notification over one channel of its type.
type Sender interface {
	Send(ctx context.Context, cfg model.ChannelConfig, n model.Notification) error
}

// Senders holds the sender of each channel type.
type Senders map[model.ChannelType]Sender

// Send delivers n over a channel of type t.
func (s Senders) Send(ctx context.Context, t model.ChannelType, cfg model.ChannelConfig, n model.Notification) error {
	sender, ok := s[t]
	if !ok {
		return Permanent(errors.New("channel type " + string(t) + " cannot send from this worker (for email: VINSIGHT_SMTP_URL is not set)"))
	}
	return sender.Send(ctx, cfg, n)
}

// permanentError is a failure that retrying cannot fix (a 404 from a
// webhook, a rejected recipient).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying.
func Permanent(err error) error { return &permanentError{err: err} }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// Email sends notifications as mail through the server's SMTP settings.
type Email struct {
	SMTP *SMTP
}

// Send mails n to the channel's recipients; the event id makes the
// Message-ID.
func (e Email) Send(ctx context.Context, cfg model.ChannelConfig, n model.Notification) error {
	return e.SMTP.Send(ctx, Mail{To: cfg.To, Subject: n.Title, Body: n.Message + "\n\nEvent " + n.ID.String() + "\n", ID: n.ID.String()})
}
