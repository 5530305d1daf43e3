package model

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Incident is one outage of a monitor: open from the check that found it
// down until enough healthy checks in a row resolve it.
type Incident struct {
	ID             uuid.UUID  `json:"id"`
	MonitorID      uuid.UUID  `json:"monitor_id"`
	MonitorName    string     `json:"monitor_name"`
	Status         string     `json:"status"` // open or resolved
	StartedAt      time.Time  `json:"started_at"`
	ResolvedAt     *time.Time `json:"resolved_at"`
	Cause          string     `json:"cause"` // down or degraded
	ErrorKind      string     `json:"error_kind"`
	FirstError     string     `json:"first_error"`
	Flapping       bool       `json:"flapping"`
	InMaintenance  bool       `json:"in_maintenance"`
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
	AcknowledgedBy *uuid.UUID `json:"acknowledged_by"`
	// DurationSeconds runs to the resolution, or to now while open.
	DurationSeconds int64 `json:"duration_seconds"`
}

// IncidentEvent is one entry of an incident's timeline.
type IncidentEvent struct {
	At      time.Time      `json:"at"`
	Kind    string         `json:"kind"`
	Message string         `json:"message"`
	Actor   string         `json:"actor,omitempty"`
	Details map[string]any `json:"details"`
}

// Timeline event kinds.
const (
	EventOpened         = "opened"
	EventFailing        = "failing"
	EventRecovering     = "recovering"
	EventFlapping       = "flapping"
	EventMaintenance    = "maintenance"
	EventMaintenanceEnd = "maintenance_ended"
	EventResolved       = "resolved"
	EventNotified       = "notified"
	EventNotifyFailed   = "notification_failed"
	EventReminder       = "reminder"
	EventAcknowledged   = "acknowledged"
	EventComment        = "comment"
)

// IncidentDetail is an incident with its timeline, oldest first.
type IncidentDetail struct {
	Incident
	Timeline []IncidentEvent `json:"timeline"`
}

// HumanDuration writes d the way an alert reads: "45s", "4m 12s", "1h 3m",
// "2d 4h".
func HumanDuration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm %ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh %dm", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%dd %dh", s/86400, s%86400/3600)
}
