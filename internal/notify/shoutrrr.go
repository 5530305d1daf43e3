package notify

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/nicholas-fedor/shoutrrr/pkg/format"
	"github.com/nicholas-fedor/shoutrrr/pkg/types"

	"github.com/vinsight/vinsight/internal/model"
)

// Shoutrrr sends through a shoutrrr service URL: Slack, Discord, Telegram,
// Teams, Google Chat, Mattermost, Matrix, Pushover, Gotify, ntfy, Opsgenie,
// PagerDuty (Events API v2), Zulip, generic webhooks and the rest.
type Shoutrrr struct {
	// Client is given to the services that accept one (PagerDuty, ntfy).
	Client *http.Client
	// CheckHost vets the host a service URL names before anything is
	// sent; services that build their own HTTP client are guarded by it.
	CheckHost func(ctx context.Context, host string) error
}

// Send renders n as a title and a message. PagerDuty gets the incident id
// as dedup_key, so its own incident opens and resolves with ours and a
// repeated trigger is one incident there.
func (s Shoutrrr) Send(ctx context.Context, cfg model.ChannelConfig, n model.Notification) error {
	if s.CheckHost != nil {
		u, err := url.Parse(cfg.URL)
		if err != nil {
			return Permanent(fmt.Errorf("service URL: %v", err))
		}
		for _, h := range []string{u.Hostname(), u.Query().Get("host")} {
			if h != "" {
				if err := s.CheckHost(ctx, h); err != nil {
					return Permanent(err)
				}
			}
		}
	}
	svc, err := shoutrrrService(cfg.URL, true)
	if err != nil {
		return Permanent(err)
	}
	if c, ok := svc.(interface{ SetHTTPClient(*http.Client) }); ok && s.Client != nil {
		c.SetHTTPClient(s.Client)
	}
	params := types.Params{"title": n.Title}
	if svc.GetID() == "pagerduty" {
		params = types.Params{"action": "trigger", "source": "V-Insight", "client": "V-Insight"}
		if n.Type == model.NotifyResolved {
			params["action"] = "resolve"
		}
		if n.Incident != nil {
			params["dedup_key"] = n.Incident.ID.String()
		}
		if n.Type == model.NotifyCertificate {
			params["severity"] = "warning"
		}
	}
	// A service fails on a parameter it does not know; pass only its own.
	known := format.NewPropKeyResolver(format.GetServiceConfig(svc))
	for k := range params {
		if !slices.Contains(known.QueryFields(), k) {
			delete(params, k)
		}
	}
	message := n.Message
	if svc.GetID() != "pagerduty" && params["title"] == "" {
		message = n.Title + "\n" + n.Message
	}
	done := make(chan error, 1)
	go func() { done <- svc.Send(message, &params) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", svc.GetID(), ctx.Err())
	}
}
