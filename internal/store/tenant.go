package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
)

// NewOwner is what signup needs to create a tenant and its first user.
type NewOwner struct {
	TenantName   string
	Email        string
	Name         string
	PasswordHash string
	RequestID    string
}

// CreateTenantWithOwner creates a tenant, its user and the owner membership
// in one transaction. An email that is taken is ErrConflict.
func (s *Store) CreateTenantWithOwner(ctx context.Context, o NewOwner) (tenantID, userID uuid.UUID, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO tenants (name) VALUES ($1) RETURNING id`, o.TenantName).Scan(&tenantID); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id`,
			NormalizeEmail(o.Email), o.Name, o.PasswordHash).Scan(&userID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'owner')`, tenantID, userID)
		if err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, auth.Actor{Type: "user", ID: userID, Name: NormalizeEmail(o.Email), RequestID: o.RequestID},
			AuditEntry{Action: "tenant.create", ResourceType: "tenant", ResourceID: tenantID.String()})
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return uuid.Nil, uuid.Nil, fmt.Errorf("store.CreateTenantWithOwner: email taken: %w", errs.ErrConflict)
	}
	if err != nil {
		return uuid.Nil, uuid.Nil, fmt.Errorf("store.CreateTenantWithOwner: %w", err)
	}
	return tenantID, userID, nil
}

// TenantName returns a tenant's name.
func (s *Store) TenantName(ctx context.Context, tenantID uuid.UUID) (string, error) {
	var name string
	err := s.pool.QueryRow(ctx, `SELECT name FROM tenants WHERE id = $1`, tenantID).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("store.TenantName: %w", errs.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("store.TenantName: %w", err)
	}
	return name, nil
}

// UserExists reports whether a user has this email.
func (s *Store) UserExists(ctx context.Context, email string) (bool, error) {
	var exists bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)`, NormalizeEmail(email)).Scan(&exists)
	if err != nil {
		return false, fmt.Errorf("store.UserExists: %w", err)
	}
	return exists, nil
}

// NormalizeEmail is the one form of an address the users table holds.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}
