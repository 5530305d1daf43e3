package model

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// ChannelType is how a notification channel delivers.
type ChannelType string

// Notification channel types. Shoutrrr covers the chat and paging services
// (Slack, Discord, Telegram, Teams, PagerDuty, Opsgenie, ntfy, ...) through
// their service URLs.
const (
	ChannelEmail    ChannelType = "email"
	ChannelWebhook  ChannelType = "webhook"
	ChannelShoutrrr ChannelType = "shoutrrr"
)

// ChannelTypes lists every channel type.
var ChannelTypes = []ChannelType{ChannelEmail, ChannelWebhook, ChannelShoutrrr}

// Valid reports whether t is a known channel type.
func (t ChannelType) Valid() bool {
	for _, k := range ChannelTypes {
		if t == k {
			return true
		}
	}
	return false
}

// ChannelConfig holds the settings of every channel type; each type uses
// its own fields. Secret, the header values and a shoutrrr URL are secrets.
type ChannelConfig struct {
	To      []string          `json:"to,omitempty"`      // email: recipients
	URL     string            `json:"url,omitempty"`     // webhook: endpoint; shoutrrr: service URL
	Secret  string            `json:"secret,omitempty"`  // webhook: HMAC-SHA256 key
	Headers map[string]string `json:"headers,omitempty"` // webhook: extra request headers
}

// Channel is a stored notification channel. Read through the API its
// secrets are masked.
type Channel struct {
	ID        uuid.UUID     `json:"id"`
	TenantID  uuid.UUID     `json:"-"`
	Name      string        `json:"name"`
	Type      ChannelType   `json:"type"`
	Config    ChannelConfig `json:"config"`
	IsDefault bool          `json:"is_default"`
	Enabled   bool          `json:"enabled"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

// ChannelInput is a create or update request as the client sent it.
type ChannelInput struct {
	Name      string          `json:"name"`
	Type      ChannelType     `json:"type"`
	Config    json.RawMessage `json:"config"`
	IsDefault bool            `json:"is_default"`
	Enabled   *bool           `json:"enabled"`
}
