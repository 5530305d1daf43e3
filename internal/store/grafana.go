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

// GrafanaOrg is what the backend knows of a tenant's Grafana organization.
type GrafanaOrg struct {
	TenantID      uuid.UUID
	OrgID         int64      // 0 until the organization exists
	APIKeyID      *uuid.UUID // the key the organization's datasource holds
	KeyLive       bool       // that key exists and is not revoked
	ProvisionedAt *time.Time
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
}

// grafanaActor is the audit actor of the keys provisioning makes and revokes.
var grafanaActor = auth.Actor{Type: "system", Name: "grafana"}

// GrafanaOrg returns the tenant's Grafana state; ErrNotFound when
// provisioning never started for it.
func (s *Store) GrafanaOrg(ctx context.Context, tenantID uuid.UUID) (GrafanaOrg, error) {
	var g GrafanaOrg
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		var orgID *int64
		err := tx.QueryRow(ctx, `
			SELECT g.tenant_id, g.org_id, g.api_key_id, k.id IS NOT NULL AND k.revoked_at IS NULL,
			       g.provisioned_at, g.attempts, g.next_attempt_at, g.last_error
			FROM grafana_orgs g LEFT JOIN api_keys k ON k.id = g.api_key_id AND k.tenant_id = g.tenant_id
			WHERE g.tenant_id = $1`, tenantID).Scan(&g.TenantID, &orgID, &g.APIKeyID, &g.KeyLive,
			&g.ProvisionedAt, &g.Attempts, &g.NextAttemptAt, &g.LastError)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.ErrNotFound
		}
		if orgID != nil {
			g.OrgID = *orgID
		}
		return err
	})
	if err != nil {
		return GrafanaOrg{}, fmt.Errorf("store.GrafanaOrg: %w", err)
	}
	return g, nil
}

// GrafanaClaim is a tenant whose organization is due for work: to be
// provisioned, or, for a deleted tenant, removed.
type GrafanaClaim struct {
	TenantID uuid.UUID
	Remove   bool
}

// ClaimGrafanaTenants returns up to limit tenants whose organization is due
// at now and holds each for lease, so two backends never work on the same
// tenant at once: live tenants not yet provisioned, and deleted tenants
// whose organization is still to be removed (Remove set), each past the
// back-off of its last failure. Live tenants that never had an attempt are
// due at once.
func (s *Store) ClaimGrafanaTenants(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]GrafanaClaim, error) {
	var claims []GrafanaClaim
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO grafana_orgs (tenant_id, next_attempt_at)
			SELECT t.id, $1 FROM tenants t
			WHERE t.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM grafana_orgs g WHERE g.tenant_id = t.id)
			ON CONFLICT (tenant_id) DO NOTHING`, now)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			UPDATE grafana_orgs g SET next_attempt_at = $1::timestamptz + $2::bigint * interval '1 microsecond', updated_at = $1
			FROM tenants t
			WHERE t.id = g.tenant_id AND g.tenant_id IN (
				SELECT d.tenant_id FROM grafana_orgs d JOIN tenants dt ON dt.id = d.tenant_id
				WHERE (d.provisioned_at IS NULL OR dt.deleted_at IS NOT NULL) AND d.next_attempt_at <= $1
				ORDER BY d.next_attempt_at LIMIT $3 FOR UPDATE OF d SKIP LOCKED)
			RETURNING g.tenant_id, t.deleted_at IS NOT NULL`, now, lease.Microseconds(), limit)
		if err != nil {
			return err
		}
		claims, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (GrafanaClaim, error) {
			var c GrafanaClaim
			return c, r.Scan(&c.TenantID, &c.Remove)
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store.ClaimGrafanaTenants: %w", err)
	}
	return claims, nil
}

// SetGrafanaOrgID records the tenant's organization as soon as it exists,
// so that removal finds it even if the rest of provisioning fails.
func (s *Store) SetGrafanaOrgID(ctx context.Context, tenantID uuid.UUID, orgID int64) error {
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO grafana_orgs (tenant_id, org_id) VALUES ($1, $2)
			ON CONFLICT (tenant_id) DO UPDATE SET org_id = $2, updated_at = now()`, tenantID, orgID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store.SetGrafanaOrgID: %w", err)
	}
	return nil
}

// ReplaceGrafanaKey stores a new read key for the tenant's Grafana
// datasource and revokes the one it replaces, in one transaction, so the
// tenant never holds more than one Grafana key.
func (s *Store) ReplaceGrafanaKey(ctx context.Context, tenantID uuid.UUID, n NewAPIKey) (APIKey, error) {
	var k APIKey
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		if err := revokeGrafanaKey(ctx, tx, tenantID); err != nil {
			return err
		}
		var err error
		k, err = scanAPIKey(tx.QueryRow(ctx, `
			INSERT INTO api_keys (tenant_id, name, prefix, key_hash, scope)
			VALUES ($1, $2, $3, $4, $5)
			RETURNING id, name, prefix, scope, created_at, last_used_at, created_by`,
			tenantID, n.Name, n.Prefix, n.KeyHash, n.Scope))
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO grafana_orgs (tenant_id, api_key_id) VALUES ($1, $2)
			ON CONFLICT (tenant_id) DO UPDATE SET api_key_id = $2, updated_at = now()`, tenantID, k.ID)
		if err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, grafanaActor, AuditEntry{Action: "api_key.create", ResourceType: "api_key",
			ResourceID: k.ID.String(), Details: map[string]any{"name": k.Name, "scope": k.Scope, "prefix": k.Prefix}})
	})
	if err != nil {
		return APIKey{}, fmt.Errorf("store.ReplaceGrafanaKey: %w", err)
	}
	return k, nil
}

// revokeGrafanaKey revokes the key the tenant's Grafana state points at,
// if it is still live.
func revokeGrafanaKey(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID) error {
	var id uuid.UUID
	var name string
	err := tx.QueryRow(ctx, `
		UPDATE api_keys SET revoked_at = now()
		WHERE tenant_id = $1 AND revoked_at IS NULL
		  AND id = (SELECT api_key_id FROM grafana_orgs WHERE tenant_id = $1)
		RETURNING id, name`, tenantID).Scan(&id, &name)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return audit(ctx, tx, tenantID, grafanaActor, AuditEntry{Action: "api_key.revoke", ResourceType: "api_key",
		ResourceID: id.String(), Details: map[string]any{"name": name}})
}

// MarkGrafanaProvisioned records that the tenant's organization is complete.
func (s *Store) MarkGrafanaProvisioned(ctx context.Context, tenantID uuid.UUID, at time.Time) error {
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO grafana_orgs (tenant_id, provisioned_at) VALUES ($1, $2)
			ON CONFLICT (tenant_id) DO UPDATE SET provisioned_at = $2, attempts = 0, last_error = '', updated_at = $2`,
			tenantID, at)
		return err
	})
	if err != nil {
		return fmt.Errorf("store.MarkGrafanaProvisioned: %w", err)
	}
	return nil
}

// RecordGrafanaFailure counts a failed attempt and sets the next one after
// base doubled per earlier failure, at most limit.
func (s *Store) RecordGrafanaFailure(ctx context.Context, tenantID uuid.UUID, now time.Time, message string, base, limit time.Duration) error {
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO grafana_orgs (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING`, tenantID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			UPDATE grafana_orgs SET attempts = attempts + 1, last_error = $3, updated_at = $2::timestamptz,
			       next_attempt_at = $2::timestamptz + least($4::float8 * power(2, least(attempts, 30)), $5::float8) * interval '1 microsecond'
			WHERE tenant_id = $1`, tenantID, now, message, float64(base.Microseconds()), float64(limit.Microseconds()))
		return err
	})
	if err != nil {
		return fmt.Errorf("store.RecordGrafanaFailure: %w", err)
	}
	return nil
}

// DeleteGrafanaOrg forgets the tenant's Grafana organization and revokes
// its key, once the organization is gone from Grafana.
func (s *Store) DeleteGrafanaOrg(ctx context.Context, tenantID uuid.UUID) error {
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		if err := revokeGrafanaKey(ctx, tx, tenantID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM grafana_orgs WHERE tenant_id = $1`, tenantID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store.DeleteGrafanaOrg: %w", err)
	}
	return nil
}
