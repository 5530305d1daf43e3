package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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
		err := tx.QueryRow(ctx, `INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id`,
			NormalizeEmail(o.Email), o.Name, o.PasswordHash).Scan(&userID)
		if err != nil {
			return err
		}
		tenantID, err = createOwnedTenant(ctx, tx, o.TenantName, userID, NormalizeEmail(o.Email), o.RequestID)
		return err
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

// CreateTenantForUser creates a tenant owned by an existing user who belongs
// to no tenant (their last one was deleted, or they were removed from it):
// signing up again with their email and password. A user who belongs to a
// tenant is ErrConflict, as the email is taken.
func (s *Store) CreateTenantForUser(ctx context.Context, userID uuid.UUID, tenantName, requestID string) (uuid.UUID, error) {
	var tenantID uuid.UUID
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// The user's row lock keeps two signups from making two tenants.
		var email string
		if err := tx.QueryRow(ctx, `SELECT email FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&email); err != nil {
			return notFound(err)
		}
		var member bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM memberships WHERE user_id = $1)`, userID).Scan(&member); err != nil {
			return err
		}
		if member {
			return errs.ErrConflict
		}
		var err error
		tenantID, err = createOwnedTenant(ctx, tx, tenantName, userID, email, requestID)
		return err
	})
	if err != nil {
		return uuid.Nil, fmt.Errorf("store.CreateTenantForUser: %w", err)
	}
	return tenantID, nil
}

// createOwnedTenant creates a tenant with userID as its owner and records it.
func createOwnedTenant(ctx context.Context, tx pgx.Tx, name string, userID uuid.UUID, email, requestID string) (uuid.UUID, error) {
	var tenantID uuid.UUID
	if err := tx.QueryRow(ctx, `INSERT INTO tenants (name) VALUES ($1) RETURNING id`, name).Scan(&tenantID); err != nil {
		return uuid.Nil, err
	}
	_, err := tx.Exec(ctx, `INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'owner')`, tenantID, userID)
	if err != nil {
		return uuid.Nil, err
	}
	return tenantID, audit(ctx, tx, tenantID, auth.Actor{Type: "user", ID: userID, Name: email, RequestID: requestID},
		AuditEntry{Action: "tenant.create", ResourceType: "tenant", ResourceID: tenantID.String()})
}

// TenantName returns a tenant's name.
func (s *Store) TenantName(ctx context.Context, tenantID uuid.UUID) (string, error) {
	var name string
	err := s.pool.QueryRow(ctx, `SELECT name FROM tenants WHERE id = $1 AND deleted_at IS NULL`, tenantID).Scan(&name)
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

// DeletedTenant is what deleting a tenant did at once; its data goes later
// (PurgeDeletedTenants).
type DeletedTenant struct {
	TenantID  uuid.UUID
	DeletedAt time.Time
	// Members is how many memberships ended with it.
	Members int
	// StatusPageSlugs are the public pages taken down, for caches to forget.
	StatusPageSlugs []string
}

var errOwnerDeletes = errs.Describe(errs.ErrForbidden, "only an owner can delete the tenant")

// DeleteTenant deletes the tenant on behalf of by, one of its owners, who
// confirmed with the tenant's name. The tenant is marked deleted, and in the
// same transaction everything that reaches it from outside ends: sessions,
// API keys, invitations and memberships are deleted (so every token of the
// tenant is refused from this commit on and its members' tenant lists no
// longer name it), its status pages and badges are deleted (their slugs and
// URLs answer 404), its monitors are soft-deleted (the workers hear it and
// stop probing them), open incidents close quietly and pending
// notifications are dropped. The rest, results and rollups included, is
// removed in batches by PurgeDeletedTenants; the Grafana organization by the
// provisioner, whose removal is due at once.
func (s *Store) DeleteTenant(ctx context.Context, tenantID uuid.UUID, by auth.Actor, confirm string) (DeletedTenant, error) {
	d := DeletedTenant{TenantID: tenantID}
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		var name string
		err := tx.QueryRow(ctx, `SELECT name FROM tenants WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, tenantID).Scan(&name)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.ErrNotFound
		}
		if err != nil {
			return err
		}
		var role auth.Role
		if by.Type == "user" {
			err = tx.QueryRow(ctx, `SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2`, tenantID, by.ID).Scan(&role)
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		if role != auth.Owner {
			return errOwnerDeletes
		}
		if strings.TrimSpace(confirm) != name {
			return errs.Invalid("confirm", "must be the tenant's name, exactly as it is shown, to confirm the deletion")
		}
		if err := tx.QueryRow(ctx, `UPDATE tenants SET deleted_at = now() WHERE id = $1 RETURNING deleted_at`,
			tenantID).Scan(&d.DeletedAt); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM memberships WHERE tenant_id = $1`, tenantID)
		if err != nil {
			return err
		}
		d.Members = int(tag.RowsAffected())
		rows, err := tx.Query(ctx, `DELETE FROM status_pages WHERE tenant_id = $1 RETURNING slug`, tenantID)
		if err != nil {
			return err
		}
		if d.StatusPageSlugs, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		for _, sql := range []string{
			`DELETE FROM sessions WHERE tenant_id = $1`,
			`DELETE FROM api_keys WHERE tenant_id = $1`,
			`DELETE FROM invites WHERE tenant_id = $1`,
			`DELETE FROM badge_tokens WHERE tenant_id = $1`,
			`UPDATE monitors SET deleted_at = now(), updated_at = now() WHERE tenant_id = $1 AND deleted_at IS NULL`,
			`UPDATE incidents SET resolved_at = greatest(now(), started_at), next_reminder_at = NULL
			 WHERE tenant_id = $1 AND resolved_at IS NULL`,
			`DELETE FROM notification_deliveries WHERE tenant_id = $1 AND status = 'pending'`,
			// The organization's removal is due now, even under a provisioning claim.
			`UPDATE grafana_orgs SET next_attempt_at = now(), attempts = 0, updated_at = now() WHERE tenant_id = $1`,
		} {
			if _, err := tx.Exec(ctx, sql, tenantID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return DeletedTenant{}, fmt.Errorf("store.DeleteTenant: %w", err)
	}
	return d, nil
}
