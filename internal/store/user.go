package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
)

// User is an account; it may belong to several tenants.
type User struct {
	ID           uuid.UUID `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	PasswordHash string    `json:"-"`
}

// Membership is one tenant a user belongs to, with the role held there.
type Membership struct {
	TenantID   uuid.UUID `json:"tenant_id"`
	TenantName string    `json:"tenant_name"`
	Role       auth.Role `json:"role"`
}

// UserByEmail finds a user for login; ErrNotFound when there is none.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	err := s.pool.QueryRow(ctx, `SELECT id, email, name, password_hash FROM users WHERE email = $1`,
		NormalizeEmail(email)).Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash)
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, fmt.Errorf("store.UserByEmail: %w", errs.ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("store.UserByEmail: %w", err)
	}
	return u, nil
}

// UserByID returns a user.
func (s *Store) UserByID(ctx context.Context, id uuid.UUID) (User, error) {
	var u User
	err := s.pool.QueryRow(ctx, `SELECT id, email, name, password_hash FROM users WHERE id = $1`, id).
		Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash)
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, fmt.Errorf("store.UserByID: %w", errs.ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("store.UserByID: %w", err)
	}
	return u, nil
}

// UserTenants lists the tenants a user belongs to, by tenant name.
func (s *Store) UserTenants(ctx context.Context, userID uuid.UUID) ([]Membership, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT t.id, t.name, m.role FROM memberships m JOIN tenants t ON t.id = m.tenant_id
		WHERE m.user_id = $1 ORDER BY t.name, t.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("store.UserTenants: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Membership, error) {
		var m Membership
		return m, r.Scan(&m.TenantID, &m.TenantName, &m.Role)
	})
	if err != nil {
		return nil, fmt.Errorf("store.UserTenants: %w", err)
	}
	return list, nil
}
