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

// Member is a user as a member of one tenant.
type Member struct {
	UserID   uuid.UUID `json:"user_id"`
	Email    string    `json:"email"`
	Name     string    `json:"name"`
	Role     auth.Role `json:"role"`
	JoinedAt time.Time `json:"joined_at"`
}

const selectMember = `SELECT m.user_id, u.email, u.name, m.role, m.created_at
	FROM memberships m JOIN users u ON u.id = m.user_id`

func scanMember(r pgx.Row) (Member, error) {
	var m Member
	return m, r.Scan(&m.UserID, &m.Email, &m.Name, &m.Role, &m.JoinedAt)
}

// ListMembers returns one page of the tenant's members, earliest first, and
// how many there are in all.
func (s *Store) ListMembers(ctx context.Context, tenantID uuid.UUID, limit, offset int) ([]Member, int, error) {
	var list []Member
	var total int
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM memberships WHERE tenant_id = $1`, tenantID).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, selectMember+`
			WHERE m.tenant_id = $1 ORDER BY m.created_at, m.user_id LIMIT $2 OFFSET $3`, tenantID, limit, offset)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Member, error) { return scanMember(r) })
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store.ListMembers: %w", err)
	}
	return list, total, nil
}

// UpdateMemberRole gives a member a new role on behalf of by, under the
// rules of checkRoleChange.
func (s *Store) UpdateMemberRole(ctx context.Context, tenantID uuid.UUID, by auth.Actor, userID uuid.UUID, role auth.Role) (Member, error) {
	var target Member
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		ch, err := lockMembershipChange(ctx, tx, tenantID, by, userID)
		if err != nil {
			return err
		}
		target = ch.target
		if err := checkRoleChange(ch, role); err != nil {
			return err
		}
		if role == ch.target.Role {
			return nil // nothing changes, so nothing to record
		}
		if _, err := tx.Exec(ctx, `UPDATE memberships SET role = $3 WHERE tenant_id = $1 AND user_id = $2`,
			tenantID, userID, role); err != nil {
			return err
		}
		target.Role = role
		return audit(ctx, tx, tenantID, by, AuditEntry{Action: "member.update", ResourceType: "member",
			ResourceID: userID.String(), Details: map[string]any{"email": target.Email, "from": ch.target.Role, "to": role}})
	})
	if err != nil {
		return Member{}, fmt.Errorf("store.UpdateMemberRole: %w", err)
	}
	return target, nil
}

// RemoveMember takes a user out of the tenant on behalf of by (who may be
// the user, leaving) under the rules of checkRemoval. The user's sessions in
// the tenant are revoked too, so that a later invitation back does not
// revive them.
func (s *Store) RemoveMember(ctx context.Context, tenantID uuid.UUID, by auth.Actor, userID uuid.UUID) error {
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		ch, err := lockMembershipChange(ctx, tx, tenantID, by, userID)
		if err != nil {
			return err
		}
		if err := checkRemoval(ch); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = now()
			WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL`, tenantID, userID); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, AuditEntry{Action: "member.remove", ResourceType: "member",
			ResourceID: userID.String(), Details: map[string]any{"email": ch.target.Email, "role": ch.target.Role, "left": ch.self}})
	})
	if err != nil {
		return fmt.Errorf("store.RemoveMember: %w", err)
	}
	return nil
}

// membershipChange is what the permission rules look at.
type membershipChange struct {
	byRole auth.Role // "" when the actor is not a member (an API key)
	self   bool      // the actor changes their own membership
	target Member
	owners int
}

// lockMembershipChange reads the state a change of userID's membership
// depends on. It first locks the tenant's owner rows, in one order, so that
// membership changes within a tenant run one at a time and two owners
// demoting each other cannot leave the tenant without one.
func lockMembershipChange(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, by auth.Actor, userID uuid.UUID) (membershipChange, error) {
	var ch membershipChange
	rows, err := tx.Query(ctx, `SELECT user_id FROM memberships WHERE tenant_id = $1 AND role = 'owner'
		ORDER BY user_id FOR UPDATE`, tenantID)
	if err != nil {
		return ch, err
	}
	owners, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return ch, err
	}
	ch.owners = len(owners)
	ch.target, err = scanMember(tx.QueryRow(ctx, selectMember+` WHERE m.tenant_id = $1 AND m.user_id = $2 FOR UPDATE OF m`,
		tenantID, userID))
	if errors.Is(err, pgx.ErrNoRows) {
		return ch, errs.ErrNotFound
	}
	if err != nil {
		return ch, err
	}
	if by.Type == "user" {
		ch.self = by.ID == userID
		err = tx.QueryRow(ctx, `SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2`, tenantID, by.ID).Scan(&ch.byRole)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return ch, err
		}
	}
	return ch, nil
}

var (
	errNotManager = errs.Describe(errs.ErrForbidden, "only owners and admins manage members")
	errOwnersOnly = errs.Describe(errs.ErrForbidden, "only an owner can grant, revoke or remove the owner role")
	errLastOwner  = errs.Describe(errs.ErrConflict, "the last owner cannot be demoted, removed or leave; make another member owner first")
)

// checkRoleChange: admins and owners change roles; only an owner touches
// the owner role (granting it, or changing an owner); the last owner keeps it.
func checkRoleChange(ch membershipChange, to auth.Role) error {
	switch {
	case !to.Valid():
		return errs.Invalid("role", "must be owner, admin, member or viewer")
	case !ch.byRole.AtLeast(auth.Admin):
		return errNotManager
	case (to == auth.Owner || ch.target.Role == auth.Owner) && ch.byRole != auth.Owner:
		return errOwnersOnly
	case ch.target.Role == auth.Owner && to != auth.Owner && ch.owners <= 1:
		return errLastOwner
	}
	return nil
}

// checkRemoval: anyone may leave; admins and owners remove others; only an
// owner removes an owner; the last owner stays.
func checkRemoval(ch membershipChange) error {
	switch {
	case !ch.self && !ch.byRole.AtLeast(auth.Admin):
		return errNotManager
	case !ch.self && ch.target.Role == auth.Owner && ch.byRole != auth.Owner:
		return errOwnersOnly
	case ch.target.Role == auth.Owner && ch.owners <= 1:
		return errLastOwner
	}
	return nil
}
