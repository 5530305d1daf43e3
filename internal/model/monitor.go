package model

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// MonitorType is what a monitor probes and how.
type MonitorType string

// The monitor types of DESIGN.md.
const (
	TypeHTTP      MonitorType = "http"
	TypeKeyword   MonitorType = "keyword"
	TypeTCP       MonitorType = "tcp"
	TypeDNS       MonitorType = "dns"
	TypeICMP      MonitorType = "icmp"
	TypeTLS       MonitorType = "tls"
	TypeHeartbeat MonitorType = "heartbeat"
)

// MonitorTypes lists every monitor type, in documentation order.
var MonitorTypes = []MonitorType{TypeHTTP, TypeKeyword, TypeTCP, TypeDNS, TypeICMP, TypeTLS, TypeHeartbeat}

// Valid reports whether t is a known monitor type.
func (t MonitorType) Valid() bool {
	for _, k := range MonitorTypes {
		if t == k {
			return true
		}
	}
	return false
}

// MonitorStatus is a monitor's current state as the worker last judged it.
type MonitorStatus string

// Monitor states. A new or resumed monitor is pending until its first result.
const (
	StatusPending  MonitorStatus = "pending"
	StatusUp       MonitorStatus = "up"
	StatusDegraded MonitorStatus = "degraded"
	StatusDown     MonitorStatus = "down"
	StatusPaused   MonitorStatus = "paused"
)

// MonitorStatuses lists every monitor state, worst first.
var MonitorStatuses = []MonitorStatus{StatusDown, StatusDegraded, StatusPending, StatusUp, StatusPaused}

// Valid reports whether s is a known monitor state.
func (s MonitorStatus) Valid() bool {
	for _, k := range MonitorStatuses {
		if s == k {
			return true
		}
	}
	return false
}

// MonitorSpec is the writable part of a monitor, validated and with every
// default filled in: what create and update store.
type MonitorSpec struct {
	Name                   string        `json:"name"`
	Type                   MonitorType   `json:"type"`
	Target                 string        `json:"target"`
	IntervalSeconds        int           `json:"interval_seconds"`
	TimeoutSeconds         int           `json:"timeout_seconds"`
	Enabled                bool          `json:"enabled"`
	Config                 MonitorConfig `json:"config"`
	NotificationChannelIDs []uuid.UUID   `json:"notification_channel_ids"`
	// Regions the monitor is probed from; empty means every region.
	Regions []string `json:"regions"`
	// Tags group monitors, e.g. for maintenance windows.
	Tags []string `json:"tags"`
}

// Monitor is a stored monitor: its spec plus the fields only the service
// writes.
type Monitor struct {
	ID       uuid.UUID `json:"id"`
	TenantID uuid.UUID `json:"-"` // known from the caller's principal; never echoed
	MonitorSpec
	Status        MonitorStatus `json:"status"`
	LastCheckedAt *time.Time    `json:"last_checked_at"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
	// HeartbeatURL is the push URL of a heartbeat monitor, built by the API
	// from HeartbeatToken; absent for other types.
	HeartbeatURL   *string `json:"heartbeat_url,omitempty"`
	HeartbeatToken string  `json:"-"`
}

// MonitorInput is a create or update request as the client sent it. Config
// stays raw until the type is known, so it can be decoded strictly for that
// type; Validate turns the input into a MonitorSpec.
type MonitorInput struct {
	Name                   string          `json:"name"`
	Type                   MonitorType     `json:"type"`
	Target                 string          `json:"target"`
	IntervalSeconds        int             `json:"interval_seconds"`
	TimeoutSeconds         int             `json:"timeout_seconds"`
	Enabled                *bool           `json:"enabled"`
	Config                 json.RawMessage `json:"config"`
	NotificationChannelIDs []string        `json:"notification_channel_ids"`
	Regions                []string        `json:"regions"`
	Tags                   []string        `json:"tags"`
}

// Input returns the request that produces this spec again; validating it
// gives back an equal spec.
func (s MonitorSpec) Input() (MonitorInput, error) {
	cfg, err := json.Marshal(s.Config)
	if err != nil {
		return MonitorInput{}, err
	}
	enabled := s.Enabled
	in := MonitorInput{Name: s.Name, Type: s.Type, Target: s.Target, IntervalSeconds: s.IntervalSeconds,
		TimeoutSeconds: s.TimeoutSeconds, Enabled: &enabled, Config: cfg, Regions: s.Regions, Tags: s.Tags}
	for _, id := range s.NotificationChannelIDs {
		in.NotificationChannelIDs = append(in.NotificationChannelIDs, id.String())
	}
	return in, nil
}
