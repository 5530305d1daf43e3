package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
)

const incidentColumns = `i.id, i.monitor_id, m.name, i.started_at, i.resolved_at, i.cause, i.error_kind, i.first_error, i.flapping,
	i.in_maintenance, i.acknowledged_at, i.acknowledged_by`

// IncidentFilter selects a page of incidents. Zero values match all.
type IncidentFilter struct {
	MonitorID *uuid.UUID
	State     string // open, resolved or empty
	From, To  *time.Time
	Limit     int
	Offset    int
}

// ListIncidents returns one page of the tenant's incidents, newest first:
// with From/To, those that overlap [From, To).
func (s *Store) ListIncidents(ctx context.Context, tenantID uuid.UUID, f IncidentFilter) ([]model.Incident, int, error) {
	const where = `
		FROM incidents i JOIN monitors m ON m.id = i.monitor_id
		WHERE i.tenant_id = $1 AND m.deleted_at IS NULL
		  AND ($2::uuid IS NULL OR i.monitor_id = $2)
		  AND ($3::text = '' OR ($3 = 'open') = (i.resolved_at IS NULL))
		  AND ($4::timestamptz IS NULL OR coalesce(i.resolved_at, 'infinity') > $4)
		  AND ($5::timestamptz IS NULL OR i.started_at < $5)`
	args := []any{tenantID, f.MonitorID, f.State, f.From, f.To}
	var list []model.Incident
	var total int
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*)`+where, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+incidentColumns+where+` ORDER BY i.started_at DESC, i.id DESC LIMIT $6 OFFSET $7`,
			append(args, f.Limit, f.Offset)...)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Incident, error) { return scanIncident(r) })
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store.ListIncidents: %w", err)
	}
	return list, total, nil
}

// GetIncident returns one incident with its timeline.
func (s *Store) GetIncident(ctx context.Context, tenantID, id uuid.UUID) (model.IncidentDetail, error) {
	var d model.IncidentDetail
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		var err error
		if d.Incident, err = getIncident(ctx, tx, tenantID, id); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT at, kind, message, actor_name, details FROM incident_events
			WHERE tenant_id = $1 AND incident_id = $2 ORDER BY at, id`, tenantID, id)
		if err != nil {
			return err
		}
		d.Timeline, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.IncidentEvent, error) {
			var e model.IncidentEvent
			var details []byte
			if err := r.Scan(&e.At, &e.Kind, &e.Message, &e.Actor, &details); err != nil {
				return e, err
			}
			e.At = e.At.UTC()
			return e, json.Unmarshal(details, &e.Details)
		})
		return err
	})
	if err != nil {
		return model.IncidentDetail{}, fmt.Errorf("store.GetIncident: %w", notFound(err))
	}
	return d, nil
}

// AcknowledgeIncident marks an open incident as being handled, which stops
// its reminders. Acknowledging again changes nothing; a resolved incident
// is a conflict.
func (s *Store) AcknowledgeIncident(ctx context.Context, tenantID uuid.UUID, actor auth.Actor, id uuid.UUID) (model.Incident, error) {
	var inc model.Incident
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		var err error
		if inc, err = getIncident(ctx, tx, tenantID, id); err != nil {
			return err
		}
		if inc.AcknowledgedAt != nil {
			return nil
		}
		if inc.ResolvedAt != nil {
			return errs.Describe(errs.ErrConflict, "the incident is resolved already")
		}
		var by *uuid.UUID
		if actor.Type == "user" {
			by = &actor.ID
		}
		if _, err := tx.Exec(ctx, `UPDATE incidents SET acknowledged_at = now(), acknowledged_by = $3, next_reminder_at = NULL
			WHERE tenant_id = $1 AND id = $2`, tenantID, id, by); err != nil {
			return err
		}
		if err := addTimeline(ctx, tx, tenantID, id, actor, model.EventAcknowledged, "acknowledged by "+actor.Name); err != nil {
			return err
		}
		if inc, err = getIncident(ctx, tx, tenantID, id); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, actor, AuditEntry{Action: "incident.acknowledge", ResourceType: "incident", ResourceID: id.String()})
	})
	if err != nil {
		return model.Incident{}, fmt.Errorf("store.AcknowledgeIncident: %w", notFound(err))
	}
	return inc, nil
}

// CommentIncident adds a comment to an incident's timeline.
func (s *Store) CommentIncident(ctx context.Context, tenantID uuid.UUID, actor auth.Actor, id uuid.UUID, body string) (model.IncidentEvent, error) {
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		if _, err := getIncident(ctx, tx, tenantID, id); err != nil {
			return err
		}
		if err := addTimeline(ctx, tx, tenantID, id, actor, model.EventComment, body); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, actor, AuditEntry{Action: "incident.comment", ResourceType: "incident", ResourceID: id.String()})
	})
	if err != nil {
		return model.IncidentEvent{}, fmt.Errorf("store.CommentIncident: %w", notFound(err))
	}
	return model.IncidentEvent{At: time.Now().UTC(), Kind: model.EventComment, Message: body, Actor: actor.Name, Details: map[string]any{}}, nil
}

func addTimeline(ctx context.Context, tx pgx.Tx, tenantID, incidentID uuid.UUID, actor auth.Actor, kind, message string) error {
	var actorID *uuid.UUID
	if actor.Type == "user" {
		actorID = &actor.ID
	}
	_, err := tx.Exec(ctx, `INSERT INTO incident_events (tenant_id, incident_id, kind, message, actor_id, actor_name)
		VALUES ($1, $2, $3, $4, $5, $6)`, tenantID, incidentID, kind, message, actorID, actor.Name)
	return err
}

func getIncident(ctx context.Context, tx pgx.Tx, tenantID, id uuid.UUID) (model.Incident, error) {
	return scanIncident(tx.QueryRow(ctx, `SELECT `+incidentColumns+`
		FROM incidents i JOIN monitors m ON m.id = i.monitor_id
		WHERE i.tenant_id = $1 AND i.id = $2 AND m.deleted_at IS NULL`, tenantID, id))
}

func scanIncident(row pgx.Row) (model.Incident, error) {
	var inc model.Incident
	err := row.Scan(&inc.ID, &inc.MonitorID, &inc.MonitorName, &inc.StartedAt, &inc.ResolvedAt, &inc.Cause, &inc.ErrorKind,
		&inc.FirstError, &inc.Flapping, &inc.InMaintenance, &inc.AcknowledgedAt, &inc.AcknowledgedBy)
	if err != nil {
		return model.Incident{}, err
	}
	inc.StartedAt = inc.StartedAt.UTC()
	end := time.Now()
	inc.Status = "open"
	if inc.ResolvedAt != nil {
		t := inc.ResolvedAt.UTC()
		inc.ResolvedAt, end, inc.Status = &t, t, "resolved"
	}
	if inc.AcknowledgedAt != nil {
		t := inc.AcknowledgedAt.UTC()
		inc.AcknowledgedAt = &t
	}
	inc.DurationSeconds = max(0, int64(end.Sub(inc.StartedAt).Seconds()))
	return inc, nil
}
