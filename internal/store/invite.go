package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
)

// Invite is an invitation to join a tenant with a role.
type Invite struct {
	ID         uuid.UUID  `json:"id"`
	TenantID   uuid.UUID  `json:"-"`
	Email      string     `json:"email"`
	Role       auth.Role  `json:"role"`
	InvitedBy  *uuid.UUID `json:"invited_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	AcceptedAt *time.Time `json:"-"`
	RevokedAt  *time.Time `json:"-"`
}

// Why an invitation can no longer be accepted; each is a 409 whose message
// the API shows as is.
var (
	ErrInviteAccepted = errs.Describe(errs.ErrConflict, "this invitation has already been accepted")
	ErrInviteRevoked  = errs.Describe(errs.ErrConflict, "this invitation was revoked; ask for a new one")
	ErrInviteExpired  = errs.Describe(errs.ErrConflict, "this invitation has expired; ask for a new one")
)

// Usable returns nil while the invitation can be accepted, else the error
// that says why not.
func (i Invite) Usable(now time.Time) error {
	switch {
	case i.AcceptedAt != nil:
		return ErrInviteAccepted
	case i.RevokedAt != nil:
		return ErrInviteRevoked
	case !now.Before(i.ExpiresAt):
		return ErrInviteExpired
	}
	return nil
}

const selectInvite = `SELECT id, tenant_id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at FROM invites`

func scanInvite(r pgx.Row) (Invite, error) {
	var i Invite
	return i, r.Scan(&i.ID, &i.TenantID, &i.Email, &i.Role, &i.InvitedBy, &i.CreatedAt, &i.ExpiresAt, &i.AcceptedAt, &i.RevokedAt)
}

// NewInvite is an invitation to store; only the token's hash is kept.
type NewInvite struct {
	Email     string
	Role      auth.Role
	TokenHash []byte
	ExpiresAt time.Time
}

// CreateInvite stores an invitation by by, replacing any pending one to the
// same address (inviting again is how a lost mail is resent). An address
// that is already a member is ErrConflict. deliver, when not nil, runs last
// inside the transaction: an invitation whose mail could not be sent is not
// left pending.
func (s *Store) CreateInvite(ctx context.Context, tenantID uuid.UUID, by auth.Actor, n NewInvite, deliver func() error) (Invite, error) {
	var inv Invite
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		var member bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.tenant_id = $1 AND u.email = $2)`, tenantID, n.Email).Scan(&member)
		if err != nil {
			return err
		}
		if member {
			return errs.Describe(errs.ErrConflict, n.Email+" is already a member of this tenant")
		}
		rows, err := tx.Query(ctx, `UPDATE invites SET revoked_at = now()
			WHERE tenant_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL RETURNING id`, tenantID, n.Email)
		if err != nil {
			return err
		}
		replaced, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return err
		}
		inv, err = scanInvite(tx.QueryRow(ctx, `
			INSERT INTO invites (tenant_id, email, role, token_hash, invited_by, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			RETURNING id, tenant_id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at`,
			tenantID, n.Email, n.Role, n.TokenHash, actorUserID(by), n.ExpiresAt))
		if err != nil {
			return err
		}
		details := map[string]any{"email": inv.Email, "role": inv.Role, "mailed": deliver != nil}
		if len(replaced) > 0 {
			details["replaces"] = replaced
		}
		err = audit(ctx, tx, tenantID, by, AuditEntry{Action: "invite.create", ResourceType: "invite",
			ResourceID: inv.ID.String(), Details: details})
		if err != nil {
			return err
		}
		if deliver == nil {
			return nil
		}
		return deliver()
	})
	if err != nil {
		return Invite{}, fmt.Errorf("store.CreateInvite: %w", err)
	}
	return inv, nil
}

// ListInvites returns one page of the tenant's pending invitations (not
// accepted, revoked or expired), newest first, and how many there are.
func (s *Store) ListInvites(ctx context.Context, tenantID uuid.UUID, limit, offset int) ([]Invite, int, error) {
	const pending = ` WHERE tenant_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()`
	var list []Invite
	var total int
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM invites`+pending, tenantID).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, selectInvite+pending+` ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`, tenantID, limit, offset)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Invite, error) { return scanInvite(r) })
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store.ListInvites: %w", err)
	}
	return list, total, nil
}

// RevokeInvite withdraws an invitation that has not been accepted; one that
// is unknown, accepted, revoked already or of another tenant is ErrNotFound.
func (s *Store) RevokeInvite(ctx context.Context, tenantID uuid.UUID, by auth.Actor, id uuid.UUID) error {
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		var email string
		err := tx.QueryRow(ctx, `UPDATE invites SET revoked_at = now()
			WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL RETURNING email`,
			tenantID, id).Scan(&email)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.ErrNotFound
		}
		if err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, AuditEntry{Action: "invite.revoke", ResourceType: "invite",
			ResourceID: id.String(), Details: map[string]any{"email": email}})
	})
	if err != nil {
		return fmt.Errorf("store.RevokeInvite: %w", err)
	}
	return nil
}

// InviteByToken finds an invitation, in whatever state, by its token's
// hash. Like a session token, the invite token is the credential and names
// its tenant, so this lookup runs before any tenant is known.
func (s *Store) InviteByToken(ctx context.Context, tokenHash []byte) (Invite, error) {
	inv, err := scanInvite(s.pool.QueryRow(ctx, selectInvite+` WHERE token_hash = $1`, tokenHash))
	if errors.Is(err, pgx.ErrNoRows) {
		return Invite{}, fmt.Errorf("store.InviteByToken: %w", errs.ErrNotFound)
	}
	if err != nil {
		return Invite{}, fmt.Errorf("store.InviteByToken: %w", err)
	}
	return inv, nil
}

// InviteAcceptance says who accepts an invitation: an existing account
// whose password the caller has checked, or a new account to create with
// the invitation's address.
type InviteAcceptance struct {
	UserID       uuid.UUID // the existing account; uuid.Nil creates one from Name and PasswordHash
	Name         string
	PasswordHash string
	RequestID    string
}

// AcceptInvite makes the invited address a member with the invited role, in
// one transaction that also creates the account when needed and uses the
// invitation up. It returns the tenant and the user.
func (s *Store) AcceptInvite(ctx context.Context, tokenHash []byte, a InviteAcceptance) (tenantID, userID uuid.UUID, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		inv, err := scanInvite(tx.QueryRow(ctx, selectInvite+` WHERE token_hash = $1 FOR UPDATE`, tokenHash))
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := inv.Usable(time.Now()); err != nil {
			return err
		}
		if userID, err = invitedUser(ctx, tx, inv.Email, a); err != nil {
			return err
		}
		// The rest writes tenant data: confine the transaction as inTenant does.
		if err := enterTenant(ctx, tx, inv.TenantID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)
			ON CONFLICT (tenant_id, user_id) DO NOTHING`, inv.TenantID, userID, inv.Role)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errs.Describe(errs.ErrConflict, "you are already a member of this tenant")
		}
		if _, err := tx.Exec(ctx, `UPDATE invites SET accepted_at = now() WHERE tenant_id = $1 AND id = $2`,
			inv.TenantID, inv.ID); err != nil {
			return err
		}
		tenantID = inv.TenantID
		return audit(ctx, tx, tenantID, auth.Actor{Type: "user", ID: userID, Name: inv.Email, RequestID: a.RequestID},
			AuditEntry{Action: "invite.accept", ResourceType: "invite", ResourceID: inv.ID.String(),
				Details: map[string]any{"email": inv.Email, "role": inv.Role, "new_user": a.UserID == uuid.Nil}})
	})
	if err != nil {
		return uuid.Nil, uuid.Nil, fmt.Errorf("store.AcceptInvite: %w", err)
	}
	return tenantID, userID, nil
}

// invitedUser returns the accepting account: the existing one, which must be
// the invited address, or a new one. Users are not tenant data (one account
// may join many tenants), so this runs before the transaction enters the
// tenant.
func invitedUser(ctx context.Context, tx pgx.Tx, email string, a InviteAcceptance) (uuid.UUID, error) {
	if a.UserID != uuid.Nil {
		var same bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND email = $2)`, a.UserID, email).Scan(&same)
		if err == nil && !same {
			err = errs.Describe(errs.ErrForbidden, "this invitation is for another address")
		}
		return a.UserID, err
	}
	var id uuid.UUID
	err := tx.QueryRow(ctx, `INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id`,
		email, a.Name, a.PasswordHash).Scan(&id)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return uuid.Nil, errs.Describe(errs.ErrConflict, "an account with this address exists now; accept with its password")
	}
	return id, err
}
