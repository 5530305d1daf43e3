package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
)

// APIKey is a tenant's API key as lists show it: never the secret, never
// its hash.
type APIKey struct {
	ID         uuid.UUID  `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Scope      string     `json:"scope"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	CreatedBy  *uuid.UUID `json:"created_by"`
}

// NewAPIKey is a key to store. The secret itself never reaches the store.
type NewAPIKey struct {
	Name    string
	Scope   string // auth.ScopeRead or auth.ScopeWrite
	Prefix  string // auth.KeyDisplayPrefix of the secret
	KeyHash []byte
}

const selectAPIKey = `SELECT id, name, prefix, scope, created_at, last_used_at, created_by FROM api_keys`

func scanAPIKey(r pgx.Row) (APIKey, error) {
	var k APIKey
	return k, r.Scan(&k.ID, &k.Name, &k.Prefix, &k.Scope, &k.CreatedAt, &k.LastUsedAt, &k.CreatedBy)
}

// CreateAPIKey stores a key of the tenant created by by.
func (s *Store) CreateAPIKey(ctx context.Context, tenantID uuid.UUID, by auth.Actor, n NewAPIKey) (APIKey, error) {
	var k APIKey
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		var err error
		k, err = scanAPIKey(tx.QueryRow(ctx, `
			INSERT INTO api_keys (tenant_id, created_by, name, prefix, key_hash, scope)
			VALUES ($1, $2, $3, $4, $5, $6)
			RETURNING id, name, prefix, scope, created_at, last_used_at, created_by`,
			tenantID, actorUserID(by), n.Name, n.Prefix, n.KeyHash, n.Scope))
		if err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, AuditEntry{Action: "api_key.create", ResourceType: "api_key",
			ResourceID: k.ID.String(), Details: map[string]any{"name": k.Name, "scope": k.Scope, "prefix": k.Prefix}})
	})
	if err != nil {
		return APIKey{}, fmt.Errorf("store.CreateAPIKey: %w", err)
	}
	return k, nil
}

// ListAPIKeys returns one page of the tenant's live keys, newest first, and
// how many there are in all. Revoked keys are gone for good.
func (s *Store) ListAPIKeys(ctx context.Context, tenantID uuid.UUID, limit, offset int) ([]APIKey, int, error) {
	var list []APIKey
	var total int
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT count(*) FROM api_keys WHERE tenant_id = $1 AND revoked_at IS NULL`, tenantID).Scan(&total)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, selectAPIKey+` WHERE tenant_id = $1 AND revoked_at IS NULL
			ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`, tenantID, limit, offset)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (APIKey, error) { return scanAPIKey(r) })
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store.ListAPIKeys: %w", err)
	}
	return list, total, nil
}

// RevokeAPIKey ends a key at once: store.Authenticate stops accepting it
// with this commit. A key that is unknown, revoked already or of another
// tenant is ErrNotFound.
func (s *Store) RevokeAPIKey(ctx context.Context, tenantID uuid.UUID, by auth.Actor, id uuid.UUID) error {
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		var name string
		err := tx.QueryRow(ctx, `UPDATE api_keys SET revoked_at = now()
			WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING name`, tenantID, id).Scan(&name)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.ErrNotFound
		}
		if err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, AuditEntry{Action: "api_key.revoke", ResourceType: "api_key",
			ResourceID: id.String(), Details: map[string]any{"name": name}})
	})
	if err != nil {
		return fmt.Errorf("store.RevokeAPIKey: %w", err)
	}
	return nil
}

// actorUserID is the user behind an actor, for created_by and invited_by
// columns; nil for an API key or the system.
func actorUserID(a auth.Actor) *uuid.UUID {
	if a.Type != "user" || a.ID == uuid.Nil {
		return nil
	}
	return &a.ID
}
