package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

// seedTenant makes a tenant with one row in every tenant-owned table.
func seedTenant(t *testing.T, s *store.Store, name string) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	tenant, user, err := s.CreateTenantWithOwner(ctx, store.NewOwner{
		TenantName: name, Email: name + "@example.com", Name: name, PasswordHash: "x"})
	require.NoError(t, err)
	_, hash := auth.NewToken(auth.SessionPrefix)
	_, err = s.CreateSession(ctx, store.NewSession{UserID: user, TenantID: tenant, TokenHash: hash, ExpiresAt: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	_, keyHash := auth.NewToken(auth.APIKeyPrefix)
	_, inviteHash := auth.NewToken(auth.InvitePrefix)
	_, err = s.Pool().Exec(ctx, `
		INSERT INTO monitors (tenant_id, name, type, target, interval_seconds, timeout_seconds) VALUES ($1, 'm', 'http', 'https://example.com', 60, 10);
		`, tenant)
	require.NoError(t, err)
	_, err = s.Pool().Exec(ctx, `INSERT INTO api_keys (tenant_id, name, prefix, key_hash, scope) VALUES ($1, 'k', 'vik_x', $2, 'read')`, tenant, keyHash)
	require.NoError(t, err)
	_, err = s.Pool().Exec(ctx, `INSERT INTO invites (tenant_id, email, role, token_hash, expires_at) VALUES ($1, 'i@example.com', 'viewer', $2, now() + interval '1 day')`, tenant, inviteHash)
	require.NoError(t, err)
	_, err = s.Pool().Exec(ctx, `
		WITH m AS (SELECT id FROM monitors WHERE tenant_id = $1),
		ch AS (INSERT INTO notification_channels (id, tenant_id, name, type, config_sealed) VALUES (gen_random_uuid(), $1, 'c', 'webhook', '\x00') RETURNING id),
		link AS (INSERT INTO monitor_channels (tenant_id, monitor_id, channel_id) SELECT $1, m.id, ch.id FROM m, ch),
		inc AS (INSERT INTO incidents (id, tenant_id, monitor_id, started_at, cause) SELECT gen_random_uuid(), $1, m.id, now(), 'down' FROM m RETURNING id),
		ev AS (INSERT INTO incident_events (tenant_id, incident_id, kind) SELECT $1, inc.id, 'opened' FROM inc),
		ne AS (INSERT INTO notification_events (id, tenant_id, incident_id, kind, payload) SELECT gen_random_uuid(), $1, inc.id, 'incident.opened', '{}' FROM inc RETURNING id),
		d AS (INSERT INTO notification_deliveries (tenant_id, event_id, channel_id, max_attempts) SELECT $1, ne.id, ch.id, 3 FROM ne, ch RETURNING id),
		a AS (INSERT INTO notification_attempts (tenant_id, delivery_id, attempt) SELECT $1, d.id, 1 FROM d),
		cw AS (INSERT INTO cert_warnings (tenant_id, monitor_id, not_after, threshold_days) SELECT $1, m.id, now(), 30 FROM m)
		INSERT INTO maintenance_windows (tenant_id, name, starts_at, duration_seconds, all_monitors) VALUES ($1, 'w', now(), 60, true)`, tenant)
	require.NoError(t, err)
	_, err = s.Pool().Exec(ctx, `INSERT INTO grafana_orgs (tenant_id, org_id) VALUES ($1, 1)`, tenant)
	require.NoError(t, err)
	_, badgeHash := auth.NewToken(auth.BadgePrefix)
	_, err = s.Pool().Exec(ctx, `
		WITH m AS (SELECT id FROM monitors WHERE tenant_id = $1),
		sp AS (INSERT INTO status_pages (tenant_id, slug, title, monitor_ids) SELECT $1, lower($3) || '-status', 's', ARRAY[m.id] FROM m)
		INSERT INTO badge_tokens (tenant_id, monitor_id, prefix, token_hash) SELECT $1, m.id, 'vib_x', $2 FROM m`, tenant, badgeHash, name)
	require.NoError(t, err)
	return tenant
}

// TestRowLevelSecurityIsTheSecondWall: as the application role, queries with
// no tenant filter at all see only the tenant in vinsight.tenant_id, and
// nothing when it is unset.
func TestRowLevelSecurityIsTheSecondWall(t *testing.T) {
	s := pgtest.NewStore(t, store.EnginePostgres)
	a := seedTenant(t, s, "alpha")
	b := seedTenant(t, s, "beta")
	ctx := context.Background()
	tables := []string{"tenants", "users", "memberships", "monitors", "api_keys", "invites", "audit_log", "sessions",
		"notification_channels", "monitor_channels", "incidents", "incident_events", "notification_events",
		"notification_deliveries", "notification_attempts", "cert_warnings", "maintenance_windows", "grafana_orgs",
		"status_pages", "badge_tokens"}

	countAs := func(tenant *uuid.UUID, table string) int {
		var n int
		err := pgx.BeginFunc(ctx, s.Pool(), func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL ROLE vinsight_app`); err != nil {
				return err
			}
			if tenant != nil {
				if _, err := tx.Exec(ctx, `SELECT set_config('vinsight.tenant_id', $1, true)`, tenant.String()); err != nil {
					return err
				}
			}
			return tx.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM %s`, table)).Scan(&n)
		})
		require.NoError(t, err, table)
		return n
	}
	for _, table := range tables {
		t.Run(table, func(t *testing.T) {
			assert.Equal(t, 1, countAs(&a, table), "tenant alpha sees its own row only")
			assert.Equal(t, 1, countAs(&b, table), "tenant beta sees its own row only")
			assert.Equal(t, 0, countAs(nil, table), "no tenant set: nothing")
		})
	}

	t.Run("writes into another tenant are refused", func(t *testing.T) {
		err := pgx.BeginFunc(ctx, s.Pool(), func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL ROLE vinsight_app; SELECT set_config('vinsight.tenant_id', '`+a.String()+`', true)`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO monitors (tenant_id, name, type, target, interval_seconds, timeout_seconds) VALUES ($1, 'x', 'http', 'https://x.example', 60, 5)`, b)
			return err
		})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "row-level security")
		var updated int64
		err = pgx.BeginFunc(ctx, s.Pool(), func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL ROLE vinsight_app; SELECT set_config('vinsight.tenant_id', '`+a.String()+`', true)`); err != nil {
				return err
			}
			tag, err := tx.Exec(ctx, `UPDATE monitors SET name = 'taken' WHERE tenant_id = $1`, b)
			updated = tag.RowsAffected()
			return err
		})
		require.NoError(t, err)
		assert.Zero(t, updated)
	})

	t.Run("the application role cannot bypass", func(t *testing.T) {
		var bypass, super bool
		require.NoError(t, s.Pool().QueryRow(ctx, `SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = 'vinsight_app'`).Scan(&bypass, &super))
		assert.False(t, bypass)
		assert.False(t, super)
	})
}

// TestTenantTransactionsRunAsTheApplicationRole: the store's tenant
// transactions are confined by row-level security (the role without
// BYPASSRLS and the tenant setting), and the confinement ends with them.
func TestTenantTransactionsRunAsTheApplicationRole(t *testing.T) {
	s := pgtest.NewStore(t, store.EnginePostgres)
	a := seedTenant(t, s, "alpha")
	seedTenant(t, s, "beta")
	ctx := context.Background()
	var role, tenant string
	var monitors int
	require.NoError(t, s.InTenant(ctx, a, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT current_user, current_setting('vinsight.tenant_id'), (SELECT count(*) FROM monitors)`).Scan(&role, &tenant, &monitors)
	}))
	assert.Equal(t, "vinsight_app", role)
	assert.Equal(t, a.String(), tenant)
	assert.Equal(t, 1, monitors, "only the tenant's own monitor")

	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT current_user, coalesce(current_setting('vinsight.tenant_id', true), '')`).Scan(&role, &tenant))
	assert.NotEqual(t, "vinsight_app", role, "the next use of the connection is not confined")
	assert.Empty(t, tenant)
}
