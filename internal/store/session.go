package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
)

// Session is one login of a user into one tenant.
type Session struct {
	ID         uuid.UUID `json:"id"`
	TenantID   uuid.UUID `json:"tenant_id"`
	UserAgent  string    `json:"user_agent"`
	ClientIP   string    `json:"client_ip"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Current    bool      `json:"current"`
}

// NewSession describes a session to create.
type NewSession struct {
	UserID, TenantID uuid.UUID
	TokenHash        []byte
	UserAgent        string
	ClientIP         string
	ExpiresAt        time.Time
}

// CreateSession stores a session for a member of the tenant; a user who is
// not a member is ErrForbidden.
func (s *Store) CreateSession(ctx context.Context, n NewSession) (uuid.UUID, error) {
	var id uuid.UUID
	err := s.pool.QueryRow(ctx, `
		INSERT INTO sessions (user_id, tenant_id, token_hash, user_agent, client_ip, expires_at)
		SELECT $1, $2, $3, $4, $5, $6
		WHERE EXISTS (SELECT 1 FROM memberships WHERE user_id = $1 AND tenant_id = $2)
		RETURNING id`,
		n.UserID, n.TenantID, n.TokenHash, truncate(n.UserAgent, 300), n.ClientIP, n.ExpiresAt).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, fmt.Errorf("store.CreateSession: not a member: %w", errs.ErrForbidden)
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("store.CreateSession: %w", err)
	}
	return id, nil
}

// touchEvery bounds the writes that keep last_seen_at and last_used_at
// current: at most one a minute per session or key.
const touchEvery = time.Minute

// Authenticate resolves a bearer token (session or API key) to its
// principal. Unknown, revoked, expired and idle tokens are ErrUnauthorized;
// a session whose membership is gone is too.
func (s *Store) Authenticate(ctx context.Context, token string, idle time.Duration) (auth.Principal, error) {
	hash := auth.HashToken(token)
	var p auth.Principal
	var seen *time.Time // last_seen_at or last_used_at
	var err error
	if strings.HasPrefix(token, auth.APIKeyPrefix) {
		var scope string
		// A deleted tenant's keys are deleted with it; the join also refuses
		// one that a provisioning run still under way might add afterwards.
		err = s.pool.QueryRow(ctx, `SELECT k.id, k.tenant_id, k.scope, k.name, k.last_used_at
			FROM api_keys k JOIN tenants t ON t.id = k.tenant_id AND t.deleted_at IS NULL
			WHERE k.key_hash = $1 AND k.revoked_at IS NULL`, hash).Scan(&p.APIKeyID, &p.TenantID, &scope, &p.Name, &seen)
		p.Role = auth.KeyRole(scope)
	} else {
		err = s.pool.QueryRow(ctx, `
			SELECT s.id, s.user_id, s.tenant_id, m.role, u.email, s.last_seen_at
			FROM sessions s
			JOIN memberships m ON m.tenant_id = s.tenant_id AND m.user_id = s.user_id
			JOIN users u ON u.id = s.user_id
			WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
			  AND s.last_seen_at > now() - $2::interval`, hash, idle).
			Scan(&p.SessionID, &p.UserID, &p.TenantID, &p.Role, &p.Name, &seen)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.Principal{}, fmt.Errorf("store.Authenticate: %w", errs.ErrUnauthorized)
	}
	if err != nil {
		return auth.Principal{}, fmt.Errorf("store.Authenticate: %w", err)
	}
	// Most requests only read: the row is written at most once a minute.
	if seen == nil || time.Since(*seen) > touchEvery {
		if err := s.touch(ctx, p); err != nil {
			return auth.Principal{}, fmt.Errorf("store.Authenticate: %w", err)
		}
	}
	return p, nil
}

// touch records that a session or key was just used.
func (s *Store) touch(ctx context.Context, p auth.Principal) error {
	if p.IsKey() {
		_, err := s.pool.Exec(ctx, `UPDATE api_keys SET last_used_at = now() WHERE id = $1`, p.APIKeyID)
		return err
	}
	_, err := s.pool.Exec(ctx, `UPDATE sessions SET last_seen_at = now() WHERE id = $1`, p.SessionID)
	return err
}

// RevokeSession ends one of the user's own sessions.
func (s *Store) RevokeSession(ctx context.Context, userID, sessionID uuid.UUID) error {
	tag, err := s.pool.Exec(ctx, `
		UPDATE sessions SET revoked_at = now()
		WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`, sessionID, userID)
	if err != nil {
		return fmt.Errorf("store.RevokeSession: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store.RevokeSession: %w", errs.ErrNotFound)
	}
	return nil
}

// ListSessions returns the user's live sessions, newest first; current marks
// the one making the request.
func (s *Store) ListSessions(ctx context.Context, userID, current uuid.UUID, idle time.Duration) ([]Session, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, tenant_id, user_agent, client_ip, created_at, last_seen_at, expires_at
		FROM sessions
		WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() AND last_seen_at > now() - $2::interval
		ORDER BY created_at DESC`, userID, idle)
	if err != nil {
		return nil, fmt.Errorf("store.ListSessions: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Session, error) {
		var x Session
		err := r.Scan(&x.ID, &x.TenantID, &x.UserAgent, &x.ClientIP, &x.CreatedAt, &x.LastSeenAt, &x.ExpiresAt)
		x.Current = x.ID == current
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("store.ListSessions: %w", err)
	}
	return list, nil
}

// truncate cuts s to at most n characters.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
