package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/auth"
)

// Badge is a monitor's badge token as lists show it: never the secret.
type Badge struct {
	ID        uuid.UUID `json:"id"`
	MonitorID uuid.UUID `json:"monitor_id"`
	Prefix    string    `json:"prefix"`
	CreatedAt time.Time `json:"created_at"`
}

// BadgeTarget is the monitor a badge token shows.
type BadgeTarget struct {
	TenantID, MonitorID uuid.UUID
}

const badgeColumns = `id, monitor_id, prefix, created_at`

// CreateBadge stores a badge token (its hash) for a live monitor of the
// tenant.
func (s *Store) CreateBadge(ctx context.Context, tenantID uuid.UUID, actor auth.Actor, monitorID uuid.UUID, prefix string, tokenHash []byte) (Badge, error) {
	var b Badge
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		var name string
		if err := tx.QueryRow(ctx, `SELECT name FROM monitors WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`,
			tenantID, monitorID).Scan(&name); err != nil {
			return notFound(err)
		}
		var err error
		b, err = scanBadge(tx.QueryRow(ctx, `INSERT INTO badge_tokens (tenant_id, monitor_id, prefix, token_hash)
			VALUES ($1, $2, $3, $4) RETURNING `+badgeColumns, tenantID, monitorID, prefix, tokenHash))
		if err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, actor, AuditEntry{Action: "badge.create", ResourceType: "badge",
			ResourceID: b.ID.String(), Details: map[string]any{"monitor_id": monitorID, "monitor": name, "prefix": prefix}})
	})
	if err != nil {
		return Badge{}, fmt.Errorf("store.CreateBadge: %w", err)
	}
	return b, nil
}

// ListBadges returns the tenant's badge tokens of live monitors, newest
// first; with monitorID set, only that monitor's.
func (s *Store) ListBadges(ctx context.Context, tenantID uuid.UUID, monitorID *uuid.UUID, limit, offset int) ([]Badge, int, error) {
	const where = ` FROM badge_tokens b JOIN monitors m ON m.id = b.monitor_id
		WHERE b.tenant_id = $1 AND m.deleted_at IS NULL AND ($2::uuid IS NULL OR b.monitor_id = $2)`
	var list []Badge
	var total int
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*)`+where, tenantID, monitorID).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT b.id, b.monitor_id, b.prefix, b.created_at`+where+`
			ORDER BY b.created_at DESC, b.id LIMIT $3 OFFSET $4`, tenantID, monitorID, limit, offset)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Badge, error) { return scanBadge(r) })
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store.ListBadges: %w", err)
	}
	return list, total, nil
}

// DeleteBadge revokes a badge token: its URLs answer 404 from now on.
func (s *Store) DeleteBadge(ctx context.Context, tenantID uuid.UUID, actor auth.Actor, id uuid.UUID) error {
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		b, err := scanBadge(tx.QueryRow(ctx, `DELETE FROM badge_tokens WHERE tenant_id = $1 AND id = $2
			RETURNING `+badgeColumns, tenantID, id))
		if err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, actor, AuditEntry{Action: "badge.delete", ResourceType: "badge",
			ResourceID: b.ID.String(), Details: map[string]any{"monitor_id": b.MonitorID, "prefix": b.Prefix}})
	})
	if err != nil {
		return fmt.Errorf("store.DeleteBadge: %w", notFound(err))
	}
	return nil
}

// BadgeByToken finds the monitor of a badge token. The token is the
// credential, so this lookup spans tenants; an unknown or revoked token, or
// one of a deleted monitor, is ErrNotFound.
func (s *Store) BadgeByToken(ctx context.Context, token string) (BadgeTarget, error) {
	var t BadgeTarget
	err := s.pool.QueryRow(ctx, `SELECT b.tenant_id, b.monitor_id FROM badge_tokens b JOIN monitors m ON m.id = b.monitor_id
		WHERE b.token_hash = $1 AND m.deleted_at IS NULL`, auth.HashToken(token)).Scan(&t.TenantID, &t.MonitorID)
	if err != nil {
		return BadgeTarget{}, fmt.Errorf("store.BadgeByToken: %w", notFound(err))
	}
	return t, nil
}

func scanBadge(row pgx.Row) (Badge, error) {
	var b Badge
	if err := row.Scan(&b.ID, &b.MonitorID, &b.Prefix, &b.CreatedAt); err != nil {
		return Badge{}, err
	}
	b.CreatedAt = b.CreatedAt.UTC()
	return b, nil
}
