package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
)

// notificationsChannel is the LISTEN channel that wakes dispatchers when
// notifications are queued.
const notificationsChannel = "notifications_queued"

// writeOutbox writes notifications and one delivery per channel they go to:
// the monitor's own channels and the tenant's default channels (enabled
// ones), or the one channel a row names. Dispatchers are woken at commit.
func writeOutbox(ctx context.Context, tx pgx.Tx, rows []outboxRow, maxAttempts int) error {
	if len(rows) == 0 {
		return nil
	}
	n := len(rows)
	ids, tenants := make([]uuid.UUID, n), make([]uuid.UUID, n)
	monitors, incidents, channels := make([]*uuid.UUID, n), make([]*uuid.UUID, n), make([]*uuid.UUID, n)
	kinds, payloads := make([]string, n), make([][]byte, n)
	for i, r := range rows {
		payload, err := json.Marshal(r.n)
		if err != nil {
			return err
		}
		ids[i], tenants[i], monitors[i], incidents[i], channels[i] = r.n.ID, r.tenantID, r.monitorID, r.incidentID, r.channelID
		kinds[i], payloads[i] = r.n.Type, payload
	}
	_, err := tx.Exec(ctx, `INSERT INTO notification_events (id, tenant_id, monitor_id, incident_id, kind, payload)
		SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::jsonb[])`,
		ids, tenants, monitors, incidents, kinds, payloads)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO notification_deliveries (tenant_id, event_id, channel_id, max_attempts)
		SELECT e.tenant_id, e.id, c.id, CASE WHEN v.channel_id IS NULL THEN $3 ELSE 1 END
		FROM unnest($1::uuid[], $2::uuid[]) AS v(event_id, channel_id)
		JOIN notification_events e ON e.id = v.event_id
		JOIN notification_channels c ON c.tenant_id = e.tenant_id AND c.enabled
		WHERE c.id = v.channel_id
		   OR (v.channel_id IS NULL AND (c.is_default OR EXISTS (
		       SELECT 1 FROM monitor_channels l WHERE l.monitor_id = e.monitor_id AND l.channel_id = c.id)))`,
		ids, channels, maxAttempts)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `SELECT pg_notify($1, '')`, notificationsChannel)
	return err
}

// closeIncidents resolves a monitor's open incident without notifying
// anyone, when the monitor is paused or deleted.
func closeIncidents(ctx context.Context, tx pgx.Tx, tenantID, monitorID uuid.UUID, reason string) error {
	rows, err := tx.Query(ctx, `UPDATE incidents SET resolved_at = greatest(now(), started_at), next_reminder_at = NULL
		WHERE tenant_id = $1 AND monitor_id = $2 AND resolved_at IS NULL RETURNING id`, tenantID, monitorID)
	if err != nil {
		return err
	}
	closed, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return err
	}
	var tl []timelineRow
	for _, id := range closed {
		tl = append(tl, timelineRow{tenantID: tenantID, incidentID: id, at: time.Now(), kind: model.EventResolved, message: "closed: " + reason})
	}
	return insertTimeline(ctx, tx, tl)
}

// Delivery is one notification claimed for sending over one channel.
type Delivery struct {
	ID, TenantID, EventID, ChannelID uuid.UUID
	IncidentID                       *uuid.UUID
	ChannelName                      string
	ChannelType                      model.ChannelType
	// Config is the channel's opened config; ConfigErr says why it could
	// not be opened (no key, another key).
	Config       model.ChannelConfig
	ConfigErr    error
	Notification model.Notification
	Attempt      int // this attempt, from 1
	MaxAttempts  int
}

// ClaimDeliveries takes up to limit due deliveries of every tenant for
// sending and records the attempt as started. A claim lasts lease: if the
// claimer dies, the delivery is due again after it.
func (s *Store) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]Delivery, error) {
	rows, err := s.pool.Query(ctx, `
		WITH due AS (
			SELECT id FROM notification_deliveries
			WHERE status = 'pending' AND next_attempt_at <= now()
			ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
		), claimed AS (
			UPDATE notification_deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + $2::interval
			FROM due WHERE d.id = due.id
			RETURNING d.id, d.tenant_id, d.event_id, d.channel_id, d.attempts, d.max_attempts
		), started AS (
			INSERT INTO notification_attempts (tenant_id, delivery_id, attempt)
			SELECT tenant_id, id, attempts FROM claimed
		)
		SELECT c.id, c.tenant_id, c.event_id, c.channel_id, e.incident_id, ch.name, ch.type, ch.config_sealed, e.payload,
		       c.attempts, c.max_attempts
		FROM claimed c JOIN notification_events e ON e.id = c.event_id JOIN notification_channels ch ON ch.id = c.channel_id`,
		limit, lease)
	if err != nil {
		return nil, fmt.Errorf("store.ClaimDeliveries: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Delivery, error) {
		var d Delivery
		var sealed, payload []byte
		if err := r.Scan(&d.ID, &d.TenantID, &d.EventID, &d.ChannelID, &d.IncidentID, &d.ChannelName, &d.ChannelType,
			&sealed, &payload, &d.Attempt, &d.MaxAttempts); err != nil {
			return d, err
		}
		if err := json.Unmarshal(payload, &d.Notification); err != nil {
			return d, err
		}
		d.Config, d.ConfigErr = s.openChannel(d.TenantID, d.ChannelID, sealed)
		return d, nil
	})
	if err != nil {
		return nil, fmt.Errorf("store.ClaimDeliveries: %w", err)
	}
	return list, nil
}

// FinishDelivery records the outcome of a claimed attempt: sent (sendErr
// nil), to be retried at retryAt, or failed for good (retryAt zero). The
// incident's timeline gets the final outcome.
func (s *Store) FinishDelivery(ctx context.Context, d Delivery, sendErr error, retryAt time.Time) error {
	errText := ""
	if sendErr != nil {
		errText = truncate(sendErr.Error(), 1000)
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE notification_attempts SET finished_at = now(), ok = $3, error = $4
			WHERE delivery_id = $1 AND attempt = $2`, d.ID, d.Attempt, sendErr == nil, errText); err != nil {
			return err
		}
		var status string
		switch {
		case sendErr == nil:
			status = "delivered"
		case !retryAt.IsZero():
			_, err := tx.Exec(ctx, `UPDATE notification_deliveries SET next_attempt_at = $2, last_error = $3
				WHERE id = $1 AND status = 'pending'`, d.ID, retryAt, errText)
			return err
		default:
			status = "failed"
		}
		tag, err := tx.Exec(ctx, `UPDATE notification_deliveries SET status = $2, last_error = $3,
				delivered_at = CASE WHEN $2 = 'delivered' THEN now() END
			WHERE id = $1 AND status = 'pending'`, d.ID, status, errText)
		if err != nil || tag.RowsAffected() == 0 || d.IncidentID == nil {
			return err
		}
		details := map[string]any{"channel_id": d.ChannelID, "channel_name": d.ChannelName, "channel_type": d.ChannelType,
			"notification": d.Notification.Type, "event_id": d.EventID, "attempts": d.Attempt}
		kind, msg := model.EventNotified, fmt.Sprintf("%s sent to %s", d.Notification.Type, d.ChannelName)
		if sendErr != nil {
			kind, msg = model.EventNotifyFailed, fmt.Sprintf("%s to %s failed after %d attempts: %s", d.Notification.Type, d.ChannelName, d.Attempt, errText)
			details["error"] = errText
		}
		return insertTimeline(ctx, tx, []timelineRow{{tenantID: d.TenantID, incidentID: *d.IncidentID, at: time.Now(), kind: kind, message: msg, details: details}})
	})
	if err != nil {
		return fmt.Errorf("store.FinishDelivery: %w", err)
	}
	return nil
}

// ListenNotifications calls fn whenever notifications are queued, until ctx
// ends or the connection fails.
func (s *Store) ListenNotifications(ctx context.Context, ready func(), fn func()) error {
	if err := s.listen(ctx, notificationsChannel, ready, func(string) { fn() }); err != nil {
		return fmt.Errorf("store.ListenNotifications: %w", err)
	}
	return nil
}

// QueueReminders writes a reminder for every open, unacknowledged incident
// whose reminder is due, and schedules its next one reminder_minutes later
// (a monitor that no longer asks for reminders gets none). Every worker may
// run it: rows another worker holds are skipped.
func (s *Store) QueueReminders(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT i.id, i.tenant_id, i.started_at, i.cause, i.first_error, `+judgedColumns+`
			FROM incidents i JOIN monitors m ON m.id = i.monitor_id
			WHERE i.resolved_at IS NULL AND i.acknowledged_at IS NULL AND NOT i.in_maintenance
			  AND i.next_reminder_at <= $1
			ORDER BY i.next_reminder_at LIMIT 1000
			FOR UPDATE OF i SKIP LOCKED`, now)
		if err != nil {
			return err
		}
		type due struct {
			id, tenantID      uuid.UUID
			started           time.Time
			cause, firstError string
			monitor           judgedMonitor
		}
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (due, error) {
			var d due
			j := &d.monitor
			err := r.Scan(&d.id, &d.tenantID, &d.started, &d.cause, &d.firstError,
				&j.id, &j.tenantID, &j.status, &j.name, &j.typ, &j.target, &j.tags, &j.recoveryChecks, &j.alertOnDegraded, &j.reminderMinutes)
			return d, err
		})
		if err != nil {
			return err
		}
		w := &alertWrites{}
		for _, d := range list {
			var next *time.Time
			if d.monitor.reminderMinutes > 0 {
				next = ptr(now.Add(time.Duration(d.monitor.reminderMinutes) * time.Minute))
				mid, iid := d.monitor.id, d.id
				w.notify(outboxRow{tenantID: d.tenantID, monitorID: &mid, incidentID: &iid,
					n: model.IncidentNotification(model.NotifyReminder, d.monitor.notice(), model.NotificationIncident{ID: d.id,
						StartedAt: d.started.UTC(), Cause: d.cause, Error: d.firstError, DurationSeconds: int64(now.Sub(d.started).Seconds())}, now)})
				w.event(d.tenantID, d.id, now, model.EventReminder, "still "+d.cause+" after "+model.HumanDuration(now.Sub(d.started)), nil)
				n++
			}
			w.batch.Queue(`UPDATE incidents SET next_reminder_at = $2 WHERE id = $1`, d.id, next)
		}
		return w.flush(ctx, tx, s.opts.NotifyMaxAttempts)
	})
	if err != nil {
		return 0, fmt.Errorf("store.QueueReminders: %w", err)
	}
	return n, nil
}

// EndMaintenance announces the incidents that opened in a maintenance
// window which has ended while the monitor is still failing: they were
// silent because of the window, not because all was well.
func (s *Store) EndMaintenance(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT i.id, i.started_at, i.cause, i.first_error, `+judgedColumns+`
			FROM incidents i JOIN monitors m ON m.id = i.monitor_id
			WHERE i.resolved_at IS NULL AND i.in_maintenance
			FOR UPDATE OF i SKIP LOCKED`)
		if err != nil {
			return err
		}
		type held struct {
			id                uuid.UUID
			started           time.Time
			cause, firstError string
			monitor           judgedMonitor
		}
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (held, error) {
			var h held
			j := &h.monitor
			err := r.Scan(&h.id, &h.started, &h.cause, &h.firstError,
				&j.id, &j.tenantID, &j.status, &j.name, &j.typ, &j.target, &j.tags, &j.recoveryChecks, &j.alertOnDegraded, &j.reminderMinutes)
			return h, err
		})
		if err != nil || len(list) == 0 {
			return err
		}
		tenants := make([]uuid.UUID, len(list))
		for i, h := range list {
			tenants[i] = h.monitor.tenantID
		}
		windows, err := maintenanceOf(ctx, tx, tenants)
		if err != nil {
			return err
		}
		w := &alertWrites{}
		for _, h := range list {
			j := h.monitor
			if inMaintenance(windows[j.tenantID], j.id, j.tags, now) {
				continue
			}
			var next *time.Time
			if j.reminderMinutes > 0 {
				next = ptr(now.Add(time.Duration(j.reminderMinutes) * time.Minute))
			}
			w.batch.Queue(`UPDATE incidents SET in_maintenance = false, notified = true, next_reminder_at = $2 WHERE id = $1`, h.id, next)
			w.event(j.tenantID, h.id, now, model.EventMaintenanceEnd, "the maintenance window ended while still "+h.cause, nil)
			mid, iid := j.id, h.id
			w.notify(outboxRow{tenantID: j.tenantID, monitorID: &mid, incidentID: &iid,
				n: model.IncidentNotification(model.NotifyOpened, j.notice(), model.NotificationIncident{ID: h.id,
					StartedAt: h.started.UTC(), Cause: h.cause, Error: h.firstError, DurationSeconds: int64(now.Sub(h.started).Seconds())}, now)})
			n++
		}
		return w.flush(ctx, tx, s.opts.NotifyMaxAttempts)
	})
	if err != nil {
		return 0, fmt.Errorf("store.EndMaintenance: %w", err)
	}
	return n, nil
}

// QueueTestNotification queues a test notification to one channel (one
// attempt) and returns its delivery id.
func (s *Store) QueueTestNotification(ctx context.Context, tenantID uuid.UUID, actor auth.Actor, channelID uuid.UUID) (uuid.UUID, error) {
	var deliveryID uuid.UUID
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		var name string
		if err := tx.QueryRow(ctx, `SELECT name FROM notification_channels WHERE tenant_id = $1 AND id = $2`,
			tenantID, channelID).Scan(&name); err != nil {
			return notFound(err)
		}
		n := model.TestNotification(name, time.Now())
		if err := writeOutbox(ctx, tx, []outboxRow{{tenantID: tenantID, channelID: &channelID, n: n}}, 1); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM notification_deliveries WHERE tenant_id = $1 AND event_id = $2`,
			tenantID, n.ID).Scan(&deliveryID); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return errs.Describe(errs.ErrConflict, "the channel is disabled; enable it to test it")
			}
			return err
		}
		return audit(ctx, tx, tenantID, actor, AuditEntry{Action: "notification_channel.test", ResourceType: "notification_channel",
			ResourceID: channelID.String()})
	})
	if err != nil {
		return uuid.Nil, fmt.Errorf("store.QueueTestNotification: %w", err)
	}
	return deliveryID, nil
}

// DeliveryOutcome is where one delivery stands.
type DeliveryOutcome struct {
	ID        uuid.UUID `json:"delivery_id"`
	EventID   uuid.UUID `json:"event_id"`
	Status    string    `json:"status"` // pending, delivered, failed
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error"`
}

// GetDeliveryOutcome returns where a delivery of the tenant stands.
func (s *Store) GetDeliveryOutcome(ctx context.Context, tenantID, id uuid.UUID) (DeliveryOutcome, error) {
	var o DeliveryOutcome
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id, event_id, status, attempts, last_error FROM notification_deliveries
			WHERE tenant_id = $1 AND id = $2`, tenantID, id).Scan(&o.ID, &o.EventID, &o.Status, &o.Attempts, &o.LastError)
	})
	if err != nil {
		return DeliveryOutcome{}, fmt.Errorf("store.GetDeliveryOutcome: %w", notFound(err))
	}
	return o, nil
}
