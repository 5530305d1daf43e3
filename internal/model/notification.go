package model

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Notification kinds: what an outbox event announces.
const (
	NotifyOpened      = "incident.opened"
	NotifyResolved    = "incident.resolved"
	NotifyReminder    = "incident.reminder"
	NotifyFlapping    = "incident.flapping"
	NotifyCertificate = "certificate.expiring"
	NotifyTest        = "test"
)

// Notification is the content of one outbox event, rendered when the event
// is written so that every retry sends the same thing. ID is the event id,
// the idempotency key receivers see.
type Notification struct {
	ID          uuid.UUID                `json:"id"`
	Type        string                   `json:"type"`
	OccurredAt  time.Time                `json:"occurred_at"`
	Title       string                   `json:"title"`
	Message     string                   `json:"message"`
	Monitor     *NotificationMonitor     `json:"monitor,omitempty"`
	Incident    *NotificationIncident    `json:"incident,omitempty"`
	Certificate *NotificationCertificate `json:"certificate,omitempty"`
}

// NotificationMonitor names the monitor a notification is about.
type NotificationMonitor struct {
	ID     uuid.UUID   `json:"id"`
	Name   string      `json:"name"`
	Type   MonitorType `json:"type"`
	Target string      `json:"target"`
}

// NotificationIncident is the incident a notification is about.
type NotificationIncident struct {
	ID              uuid.UUID  `json:"id"`
	StartedAt       time.Time  `json:"started_at"`
	ResolvedAt      *time.Time `json:"resolved_at,omitempty"`
	Cause           string     `json:"cause"`
	Error           string     `json:"error"`
	DurationSeconds int64      `json:"duration_seconds"`
}

// NotificationCertificate is the certificate an expiry warning is about.
type NotificationCertificate struct {
	NotAfter time.Time `json:"not_after"`
	DaysLeft int       `json:"days_left"`
}

// IncidentNotification renders the notification of kind about incident inc
// of monitor m at time at.
func IncidentNotification(kind string, m NotificationMonitor, inc NotificationIncident, at time.Time) Notification {
	n := Notification{ID: uuid.New(), Type: kind, OccurredAt: at.UTC(), Monitor: &m, Incident: &inc}
	who := m.Name
	if m.Target != "" {
		who += " (" + m.Target + ")"
	}
	since := inc.StartedAt.UTC().Format("2006-01-02 15:04:05 MST")
	what := "down"
	if inc.Cause == "degraded" {
		what = "degraded"
	}
	switch kind {
	case NotifyOpened:
		n.Title = fmt.Sprintf("[DOWN] %s is %s", m.Name, what)
		n.Message = fmt.Sprintf("%s is %s since %s: %s", who, what, since, inc.Error)
	case NotifyReminder:
		n.Title = fmt.Sprintf("[STILL DOWN] %s is %s for %s", m.Name, what, HumanDuration(time.Duration(inc.DurationSeconds)*time.Second))
		n.Message = fmt.Sprintf("%s is still %s, since %s (%s): %s", who, what, since,
			HumanDuration(time.Duration(inc.DurationSeconds)*time.Second), inc.Error)
	case NotifyFlapping:
		n.Title = fmt.Sprintf("[FLAPPING] %s keeps changing state", m.Name)
		n.Message = fmt.Sprintf("%s went %s again and has changed state too often; further changes are not alerted until it stays up. Latest error: %s",
			who, what, inc.Error)
	case NotifyResolved:
		d := HumanDuration(time.Duration(inc.DurationSeconds) * time.Second)
		n.Title = fmt.Sprintf("[UP] %s is up again after %s", m.Name, d)
		n.Message = fmt.Sprintf("%s is up again. It was %s for %s (since %s).", who, what, d, since)
	}
	return n
}

// CertificateNotification warns that m's certificate expires at notAfter.
func CertificateNotification(m NotificationMonitor, notAfter time.Time, daysLeft int, at time.Time) Notification {
	return Notification{ID: uuid.New(), Type: NotifyCertificate, OccurredAt: at.UTC(), Monitor: &m,
		Certificate: &NotificationCertificate{NotAfter: notAfter.UTC(), DaysLeft: daysLeft},
		Title:       fmt.Sprintf("[CERTIFICATE] %s expires in %d days", m.Name, daysLeft),
		Message: fmt.Sprintf("The TLS certificate of %s (%s) expires on %s, in %d days.", m.Name, m.Target,
			notAfter.UTC().Format("2006-01-02 15:04 MST"), daysLeft)}
}

// TestNotification is what POST /notification-channels/:id/test sends.
func TestNotification(channelName string, at time.Time) Notification {
	return Notification{ID: uuid.New(), Type: NotifyTest, OccurredAt: at.UTC(),
		Title:   "V-Insight test notification",
		Message: fmt.Sprintf("This is a test of the notification channel %q. If you read this, it works.", channelName)}
}
