package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Deleting a tenant (DeleteTenant) cuts it off at once; its rows go here, in
// the worker's background job, a bounded batch per statement and each
// statement its own transaction, so that a tenant with millions of results
// never holds one transaction, its locks and its WAL for minutes.

// purgeLockKey lets one process at a time purge.
const purgeLockKey = 7_000_003

// purgeBatch is the most rows of a relational table one statement deletes.
const purgeBatch = 5000

// purgeWindows is the span of one monitor's rows one statement deletes, per
// level: a day of raw results or of minute buckets (2,880 rows a region for
// a monitor checked every 30 s), 30 days of hourly buckets, and every daily
// bucket at once (0).
var purgeWindows = [levelCount]time.Duration{
	levelRaw: 24 * time.Hour,
	level1m:  24 * time.Hour,
	level1h:  30 * 24 * time.Hour,
	level1d:  0,
}

// TenantRowGrace is how long the tenant row, the last of a deleted tenant,
// outlives the deletion at least. Until it goes every purge run sweeps the
// tenant again, which catches results that were already on their way (in a
// worker's ingest buffer) and rows a Grafana provisioning run that was under
// way may still write.
const TenantRowGrace = 10 * time.Minute

// tenantTables are the relational tables with a tenant_id column, each
// before the tables its rows refer to, so that no delete cascades into many
// rows. grafana_orgs is not here: the Grafana provisioner deletes that row
// once the organization is gone from Grafana, and the tenant row waits for
// it. monitor_region_states goes with the monitors it belongs to.
var tenantTables = []string{
	"notification_attempts", "notification_deliveries", "notification_events",
	"incident_events", "incidents", "cert_warnings", "monitor_channels",
	"badge_tokens", "status_pages", "maintenance_windows", "notification_channels",
	"monitors", "invites", "sessions", "api_keys", "memberships", "audit_log",
}

// PurgeReport is what one purge run did.
type PurgeReport struct {
	// Rows is how many rows it deleted, tenant rows included.
	Rows int64
	// Removed are the tenants it finished: their tenant row is gone.
	Removed []uuid.UUID
	// Pending counts the deleted tenants left for a later run: rows left
	// when the time was up, the grace not over, or the Grafana organization
	// not removed yet.
	Pending int
}

// PurgeDeletedTenants deletes the rows of every tenant marked deleted, for
// at most budget: results and rollups one monitor and one window of time
// per statement, the relational tables purgeBatch rows per statement,
// finally the tenant row itself once nothing else is left, TenantRowGrace
// has passed since the deletion (by now) and the Grafana organization is
// removed. A run that runs out of time leaves the rest to the next; one
// process at a time purges, others return at once.
func (s *Store) PurgeDeletedTenants(ctx context.Context, now time.Time, budget time.Duration) (PurgeReport, error) {
	var rep PurgeReport
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return rep, fmt.Errorf("store.PurgeDeletedTenants: %w", err)
	}
	defer conn.Release()
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, purgeLockKey).Scan(&locked); err != nil {
		return rep, fmt.Errorf("store.PurgeDeletedTenants: %w", err)
	}
	if !locked {
		return rep, nil
	}
	defer func() {
		// A session lock must not go back to the pool: a connection that
		// could not unlock is closed, which unlocks.
		if _, err := conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, purgeLockKey); err != nil {
			_ = conn.Conn().Close(context.Background())
		}
	}()

	rows, err := s.pool.Query(ctx, `SELECT id, deleted_at FROM tenants WHERE deleted_at IS NOT NULL ORDER BY deleted_at, id`)
	if err != nil {
		return rep, fmt.Errorf("store.PurgeDeletedTenants: %w", err)
	}
	type deleted struct {
		id uuid.UUID
		at time.Time
	}
	tenants, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (deleted, error) {
		var d deleted
		return d, r.Scan(&d.id, &d.at)
	})
	if err != nil {
		return rep, fmt.Errorf("store.PurgeDeletedTenants: %w", err)
	}
	if len(tenants) == 0 {
		return rep, nil
	}
	series, err := s.engine.storedRelations(ctx)
	if err != nil {
		return rep, fmt.Errorf("store.PurgeDeletedTenants: %w", err)
	}
	deadline := time.Now().Add(budget)
	for i, t := range tenants {
		n, done, err := s.purgeTenant(ctx, series, t.id, deadline)
		rep.Rows += n
		if err != nil {
			rep.Pending += len(tenants) - i
			return rep, fmt.Errorf("store.PurgeDeletedTenants: tenant %s: %w", t.id, err)
		}
		if !done {
			rep.Pending += len(tenants) - i
			return rep, nil
		}
		if now.Sub(t.at) < TenantRowGrace {
			rep.Pending++
			continue
		}
		tag, err := s.pool.Exec(ctx, `DELETE FROM tenants WHERE id = $1 AND deleted_at IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM grafana_orgs WHERE tenant_id = $1)`, t.id)
		if err != nil {
			rep.Pending += len(tenants) - i
			return rep, fmt.Errorf("store.PurgeDeletedTenants: tenant %s: %w", t.id, err)
		}
		if tag.RowsAffected() == 0 {
			rep.Pending++ // its Grafana organization is still to be removed
			continue
		}
		rep.Rows++
		rep.Removed = append(rep.Removed, t.id)
	}
	return rep, nil
}

// purgeTenant deletes every row of the tenant but the tenant row and its
// Grafana state, the time series first, until deadline; done reports that
// nothing was left.
func (s *Store) purgeTenant(ctx context.Context, series [levelCount]relation, tenantID uuid.UUID, deadline time.Time) (n int64, done bool, err error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM monitors WHERE tenant_id = $1`, tenantID)
	if err != nil {
		return 0, false, err
	}
	monitors, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return 0, false, err
	}
	for l, rel := range series {
		m, done, err := s.purgeSeries(ctx, rel, purgeWindows[l], tenantID, monitors, deadline)
		n += m
		if err != nil || !done {
			return n, false, err
		}
	}
	for _, table := range tenantTables {
		for {
			if time.Now().After(deadline) {
				return n, false, nil
			}
			tag, err := s.pool.Exec(ctx, `DELETE FROM `+table+` WHERE ctid = ANY(ARRAY(
				SELECT ctid FROM `+table+` WHERE tenant_id = $1 LIMIT $2))`, tenantID, purgeBatch)
			if err != nil {
				return n, false, fmt.Errorf("purge %s: %w", table, err)
			}
			n += tag.RowsAffected()
			if tag.RowsAffected() < purgeBatch {
				break
			}
		}
	}
	return n, true, nil
}

// purgeSeries deletes the tenant's rows of one time-series relation, one
// monitor and one window of its time per statement (window 0: all of a
// monitor's rows at once), walking each monitor's rows from its first to its
// last time so that no statement scans what an earlier one deleted. The
// monitors are the tenant's, then any other the relation still holds rows
// of for the tenant.
func (s *Store) purgeSeries(ctx context.Context, rel relation, window time.Duration, tenantID uuid.UUID,
	monitors []uuid.UUID, deadline time.Time) (n int64, done bool, err error) {
	pending := append([]uuid.UUID(nil), monitors...)
	for {
		if time.Now().After(deadline) {
			return n, false, nil
		}
		if len(pending) == 0 {
			var straggler uuid.UUID
			err := s.pool.QueryRow(ctx, `SELECT monitor_id FROM `+rel.name+` WHERE tenant_id = $1 LIMIT 1`, tenantID).Scan(&straggler)
			if errors.Is(err, pgx.ErrNoRows) {
				return n, true, nil
			}
			if err != nil {
				return n, false, fmt.Errorf("purge %s: %w", rel.name, err)
			}
			pending = append(pending, straggler)
		}
		monitor := pending[0]
		pending = pending[1:]
		var first, last *time.Time
		err := s.pool.QueryRow(ctx, `SELECT min(`+rel.time+`), max(`+rel.time+`) FROM `+rel.name+`
			WHERE tenant_id = $1 AND monitor_id = $2`, tenantID, monitor).Scan(&first, &last)
		if err != nil {
			return n, false, fmt.Errorf("purge %s: %w", rel.name, err)
		}
		if first == nil {
			continue
		}
		from, to := *first, last.Add(time.Microsecond)
		if window > 0 {
			from = first.UTC().Truncate(window)
		}
		for from.Before(to) {
			if time.Now().After(deadline) {
				return n, false, nil
			}
			end := to
			if window > 0 {
				end = from.Add(window)
			}
			tag, err := s.pool.Exec(ctx, `DELETE FROM `+rel.name+`
				WHERE tenant_id = $1 AND monitor_id = $2 AND `+rel.time+` >= $3 AND `+rel.time+` < $4`,
				tenantID, monitor, from, end)
			if err != nil {
				return n, false, fmt.Errorf("purge %s: %w", rel.name, err)
			}
			n += tag.RowsAffected()
			from = end
		}
	}
}
