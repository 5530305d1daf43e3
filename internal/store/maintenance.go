package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
)

const maintenanceColumns = `id, tenant_id, name, starts_at, duration_seconds, time_zone, rrule, all_monitors, monitor_ids, tags, created_at, updated_at`

// CreateMaintenanceWindow stores a validated window; the monitors it names
// must be the tenant's.
func (s *Store) CreateMaintenanceWindow(ctx context.Context, tenantID uuid.UUID, actor auth.Actor, w model.MaintenanceWindow) (model.MaintenanceWindow, error) {
	var out model.MaintenanceWindow
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		if err := checkMonitorIDs(ctx, tx, tenantID, w.MonitorIDs); err != nil {
			return err
		}
		var err error
		out, err = scanMaintenance(tx.QueryRow(ctx, `
			INSERT INTO maintenance_windows (tenant_id, name, starts_at, duration_seconds, time_zone, rrule, all_monitors, monitor_ids, tags)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING `+maintenanceColumns,
			tenantID, w.Name, w.StartsAt, int(w.EndsAt.Sub(w.StartsAt).Seconds()), w.TimeZone, w.RRule, w.AllMonitors, w.MonitorIDs, w.Tags))
		if err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, actor, maintenanceAudit("maintenance_window.create", out))
	})
	if err != nil {
		return model.MaintenanceWindow{}, fmt.Errorf("store.CreateMaintenanceWindow: %w", err)
	}
	return out, nil
}

// GetMaintenanceWindow returns one window of the tenant.
func (s *Store) GetMaintenanceWindow(ctx context.Context, tenantID, id uuid.UUID) (model.MaintenanceWindow, error) {
	var out model.MaintenanceWindow
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		var err error
		out, err = scanMaintenance(tx.QueryRow(ctx, `SELECT `+maintenanceColumns+` FROM maintenance_windows
			WHERE tenant_id = $1 AND id = $2`, tenantID, id))
		return err
	})
	if err != nil {
		return model.MaintenanceWindow{}, fmt.Errorf("store.GetMaintenanceWindow: %w", notFound(err))
	}
	return out, nil
}

// ListMaintenanceWindows returns one page of the tenant's windows, the
// latest first start first.
func (s *Store) ListMaintenanceWindows(ctx context.Context, tenantID uuid.UUID, limit, offset int) ([]model.MaintenanceWindow, int, error) {
	var list []model.MaintenanceWindow
	var total int
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM maintenance_windows WHERE tenant_id = $1`, tenantID).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+maintenanceColumns+` FROM maintenance_windows WHERE tenant_id = $1
			ORDER BY starts_at DESC, id LIMIT $2 OFFSET $3`, tenantID, limit, offset)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.MaintenanceWindow, error) { return scanMaintenance(r) })
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store.ListMaintenanceWindows: %w", err)
	}
	return list, total, nil
}

// UpdateMaintenanceWindow replaces every field of a window.
func (s *Store) UpdateMaintenanceWindow(ctx context.Context, tenantID uuid.UUID, actor auth.Actor, id uuid.UUID, w model.MaintenanceWindow) (model.MaintenanceWindow, error) {
	var out model.MaintenanceWindow
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		if err := checkMonitorIDs(ctx, tx, tenantID, w.MonitorIDs); err != nil {
			return err
		}
		var err error
		out, err = scanMaintenance(tx.QueryRow(ctx, `
			UPDATE maintenance_windows SET name = $3, starts_at = $4, duration_seconds = $5, time_zone = $6, rrule = $7,
				all_monitors = $8, monitor_ids = $9, tags = $10, updated_at = now()
			WHERE tenant_id = $1 AND id = $2 RETURNING `+maintenanceColumns,
			tenantID, id, w.Name, w.StartsAt, int(w.EndsAt.Sub(w.StartsAt).Seconds()), w.TimeZone, w.RRule, w.AllMonitors, w.MonitorIDs, w.Tags))
		if err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, actor, maintenanceAudit("maintenance_window.update", out))
	})
	if err != nil {
		return model.MaintenanceWindow{}, fmt.Errorf("store.UpdateMaintenanceWindow: %w", notFound(err))
	}
	return out, nil
}

// DeleteMaintenanceWindow removes a window.
func (s *Store) DeleteMaintenanceWindow(ctx context.Context, tenantID uuid.UUID, actor auth.Actor, id uuid.UUID) error {
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		w, err := scanMaintenance(tx.QueryRow(ctx, `DELETE FROM maintenance_windows WHERE tenant_id = $1 AND id = $2
			RETURNING `+maintenanceColumns, tenantID, id))
		if err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, actor, maintenanceAudit("maintenance_window.delete", w))
	})
	if err != nil {
		return fmt.Errorf("store.DeleteMaintenanceWindow: %w", notFound(err))
	}
	return nil
}

// MaintenanceIntervals returns, for each of monitorIDs of the tenant, the
// times in [from, to) that maintenance windows covered it: one-off windows
// and every occurrence of the recurring ones (expanded in their own time
// zone, so daylight-saving changes keep their wall-clock times), clipped to
// [from, to), sorted, with overlapping or touching intervals merged. Every
// requested monitor has an entry, empty when no window touched it; ids of
// other tenants or of no monitor get empty entries too. Uptime and SLA
// figures leave these intervals out.
func (s *Store) MaintenanceIntervals(ctx context.Context, tenantID uuid.UUID, monitorIDs []uuid.UUID, from, to time.Time) (map[uuid.UUID][]model.Interval, error) {
	p, err := s.readPrelude(ctx, tenantID, monitorIDs, from, to, nil)
	if err != nil {
		return nil, fmt.Errorf("store.MaintenanceIntervals: %w", err)
	}
	return p.maintenance, nil
}

// maintenanceOf loads the windows of the given tenants, by tenant.
func maintenanceOf(ctx context.Context, tx pgx.Tx, tenantIDs []uuid.UUID) (map[uuid.UUID][]model.MaintenanceWindow, error) {
	rows, err := tx.Query(ctx, `SELECT `+maintenanceColumns+` FROM maintenance_windows WHERE tenant_id = ANY($1)`, tenantIDs)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.MaintenanceWindow, error) { return scanMaintenance(r) })
	if err != nil {
		return nil, err
	}
	out := map[uuid.UUID][]model.MaintenanceWindow{}
	for _, w := range list {
		out[w.TenantID] = append(out[w.TenantID], w)
	}
	return out, nil
}

// inMaintenance reports whether one of windows covers the monitor at t.
func inMaintenance(windows []model.MaintenanceWindow, monitorID uuid.UUID, tags []string, t time.Time) bool {
	for _, w := range windows {
		if w.Covers(monitorID, tags) && len(w.Occurrences(t, t.Add(time.Nanosecond))) > 0 {
			return true
		}
	}
	return false
}

// checkMonitorIDs refuses ids that name no live monitor of the tenant.
func checkMonitorIDs(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT id FROM monitors WHERE tenant_id = $1 AND id = ANY($2) AND deleted_at IS NULL`, tenantID, ids)
	if err != nil {
		return err
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return err
	}
	have := map[uuid.UUID]bool{}
	for _, id := range found {
		have[id] = true
	}
	v := &errs.ValidationError{}
	for i, id := range ids {
		if !have[id] {
			v.Add(fmt.Sprintf("monitor_ids[%d]", i), "unknown monitor")
		}
	}
	return v.OrNil()
}

func maintenanceAudit(action string, w model.MaintenanceWindow) AuditEntry {
	return AuditEntry{Action: action, ResourceType: "maintenance_window", ResourceID: w.ID.String(), Details: map[string]any{"name": w.Name}}
}

func scanMaintenance(row pgx.Row) (model.MaintenanceWindow, error) {
	var w model.MaintenanceWindow
	var seconds int
	err := row.Scan(&w.ID, &w.TenantID, &w.Name, &w.StartsAt, &seconds, &w.TimeZone, &w.RRule, &w.AllMonitors, &w.MonitorIDs, &w.Tags,
		&w.CreatedAt, &w.UpdatedAt)
	if err != nil {
		return model.MaintenanceWindow{}, err
	}
	w.StartsAt = w.StartsAt.UTC()
	w.EndsAt = w.StartsAt.Add(time.Duration(seconds) * time.Second)
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
	if w.MonitorIDs == nil {
		w.MonitorIDs = []uuid.UUID{}
	}
	if w.Tags == nil {
		w.Tags = []string{}
	}
	return w, nil
}
