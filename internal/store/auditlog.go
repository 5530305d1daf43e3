package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// AuditRecord is one recorded write.
type AuditRecord struct {
	ID           int64           `json:"id"`
	Actor        AuditActor      `json:"actor"`
	Action       string          `json:"action"`
	ResourceType string          `json:"resource_type"`
	ResourceID   string          `json:"resource_id"`
	RequestID    string          `json:"request_id"`
	Details      json.RawMessage `json:"details"`
	CreatedAt    time.Time       `json:"created_at"`
}

// AuditActor is who made a recorded write.
type AuditActor struct {
	Type string     `json:"type"` // user, api_key or system
	ID   *uuid.UUID `json:"id"`
	Name string     `json:"name"`
}

// AuditFilter narrows a listing; empty fields match everything.
type AuditFilter struct {
	Action       string
	ResourceType string
}

// ListAuditLog returns one page of the tenant's audit log, newest first, and
// how many entries match in all.
func (s *Store) ListAuditLog(ctx context.Context, tenantID uuid.UUID, f AuditFilter, limit, offset int) ([]AuditRecord, int, error) {
	const match = ` WHERE tenant_id = $1 AND ($2 = '' OR action = $2) AND ($3 = '' OR resource_type = $3)`
	var list []AuditRecord
	var total int
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT count(*) FROM audit_log`+match, tenantID, f.Action, f.ResourceType).Scan(&total)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			SELECT id, actor_type, actor_id, actor_name, action, resource_type, resource_id, request_id, details, created_at
			FROM audit_log`+match+` ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5`,
			tenantID, f.Action, f.ResourceType, limit, offset)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditRecord, error) {
			var e AuditRecord
			err := r.Scan(&e.ID, &e.Actor.Type, &e.Actor.ID, &e.Actor.Name, &e.Action, &e.ResourceType,
				&e.ResourceID, &e.RequestID, &e.Details, &e.CreatedAt)
			return e, err
		})
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store.ListAuditLog: %w", err)
	}
	return list, total, nil
}
