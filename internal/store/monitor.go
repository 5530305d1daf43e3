package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
)

// Every change to a monitor row (insert, update, soft delete) fires the
// monitors_notify trigger, so workers hear of it on channel monitor_changed
// when the transaction commits.

const monitorColumns = `id, tenant_id, name, type, target, interval_seconds, timeout_seconds, enabled, config,
	ARRAY(SELECT l.channel_id FROM monitor_channels l WHERE l.monitor_id = monitors.id ORDER BY l.channel_id),
	status, last_checked_at, created_at, updated_at, heartbeat_token, regions, tags`

// CreateMonitor stores a validated monitor. A tenant that already has
// maxMonitors live monitors gets errs.ErrLimitExceeded (maxMonitors <= 0
// means no limit).
func (s *Store) CreateMonitor(ctx context.Context, tenantID uuid.UUID, actor auth.Actor, spec model.MonitorSpec, maxMonitors int) (model.Monitor, error) {
	cfg, err := json.Marshal(spec.Config)
	if err != nil {
		return model.Monitor{}, fmt.Errorf("store.CreateMonitor: %w", err)
	}
	var m model.Monitor
	err = s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		if err := checkMonitorLimit(ctx, tx, tenantID, maxMonitors); err != nil {
			return err
		}
		status := model.StatusPending
		if !spec.Enabled {
			status = model.StatusPaused
		}
		m, err = scanMonitor(tx.QueryRow(ctx, `
			INSERT INTO monitors (tenant_id, name, type, target, interval_seconds, timeout_seconds, enabled, config,
			                      status, regions, tags)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			RETURNING `+monitorColumns,
			tenantID, spec.Name, spec.Type, spec.Target, spec.IntervalSeconds, spec.TimeoutSeconds, spec.Enabled, cfg,
			status, regions(spec), tags(spec)))
		if err != nil {
			return err
		}
		if err := setMonitorChannels(ctx, tx, tenantID, m.ID, channelIDs(spec)); err != nil {
			return err
		}
		m.NotificationChannelIDs = sortedIDs(channelIDs(spec))
		return audit(ctx, tx, tenantID, actor, monitorAudit("monitor.create", m))
	})
	if err != nil {
		return model.Monitor{}, fmt.Errorf("store.CreateMonitor: %w", err)
	}
	return m, nil
}

// checkMonitorLimit counts the tenant's live monitors under a per-tenant
// advisory lock, so two concurrent creates cannot both take the last slot.
func checkMonitorLimit(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, maxMonitors int) error {
	if maxMonitors <= 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('monitors:' || $1::text, 0))`, tenantID); err != nil {
		return err
	}
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM monitors WHERE tenant_id = $1 AND deleted_at IS NULL`, tenantID).Scan(&n)
	if err != nil {
		return err
	}
	if n >= maxMonitors {
		return errs.Describe(errs.ErrLimitExceeded,
			fmt.Sprintf("monitor limit reached: a tenant may have at most %d monitors; delete one first", maxMonitors))
	}
	return nil
}

// GetMonitor returns one live monitor of the tenant; a deleted monitor, or
// one of another tenant, is errs.ErrNotFound.
func (s *Store) GetMonitor(ctx context.Context, tenantID, id uuid.UUID) (model.Monitor, error) {
	var m model.Monitor
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		var err error
		m, err = scanMonitor(tx.QueryRow(ctx, `
			SELECT `+monitorColumns+` FROM monitors
			WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`, tenantID, id))
		return err
	})
	if err != nil {
		return model.Monitor{}, fmt.Errorf("store.GetMonitor: %w", notFound(err))
	}
	return m, nil
}

// UpdateMonitor replaces every writable field of a live monitor. Disabling
// it pauses it; re-enabling it, or pointing it at another target or type,
// makes its status pending until the next check.
func (s *Store) UpdateMonitor(ctx context.Context, tenantID uuid.UUID, actor auth.Actor, id uuid.UUID, spec model.MonitorSpec) (model.Monitor, error) {
	cfg, err := json.Marshal(spec.Config)
	if err != nil {
		return model.Monitor{}, fmt.Errorf("store.UpdateMonitor: %w", err)
	}
	var m model.Monitor
	err = s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		m, err = scanMonitor(tx.QueryRow(ctx, `
			UPDATE monitors SET
				name = $3, type = $4, target = $5, interval_seconds = $6, timeout_seconds = $7, enabled = $8,
				config = $9, regions = $10, tags = $11,
				status = CASE WHEN NOT $8::boolean THEN 'paused'
				              WHEN NOT enabled OR type <> $4 OR target <> $5 THEN 'pending'
				              ELSE status END,
				updated_at = now()
			WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL
			RETURNING `+monitorColumns,
			tenantID, id, spec.Name, spec.Type, spec.Target, spec.IntervalSeconds, spec.TimeoutSeconds, spec.Enabled, cfg,
			regions(spec), tags(spec)))
		if err != nil {
			return err
		}
		if err := setMonitorChannels(ctx, tx, tenantID, m.ID, channelIDs(spec)); err != nil {
			return err
		}
		m.NotificationChannelIDs = sortedIDs(channelIDs(spec))
		if !m.Enabled {
			if err := closeIncidents(ctx, tx, tenantID, m.ID, "the monitor was paused"); err != nil {
				return err
			}
		}
		return audit(ctx, tx, tenantID, actor, monitorAudit("monitor.update", m))
	})
	if err != nil {
		return model.Monitor{}, fmt.Errorf("store.UpdateMonitor: %w", notFound(err))
	}
	return m, nil
}

// DeleteMonitor soft-deletes a monitor: it disappears from every read and
// stops being probed, while its results stay until retention removes them.
func (s *Store) DeleteMonitor(ctx context.Context, tenantID uuid.UUID, actor auth.Actor, id uuid.UUID) error {
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		m, err := scanMonitor(tx.QueryRow(ctx, `
			UPDATE monitors SET deleted_at = now(), updated_at = now()
			WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL
			RETURNING `+monitorColumns, tenantID, id))
		if err != nil {
			return err
		}
		if err := closeIncidents(ctx, tx, tenantID, m.ID, "the monitor was deleted"); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, actor, monitorAudit("monitor.delete", m))
	})
	if err != nil {
		return fmt.Errorf("store.DeleteMonitor: %w", notFound(err))
	}
	return nil
}

// SetMonitorEnabled pauses (enabled false: status paused) or resumes
// (enabled true: status pending until the next check) a monitor. Resuming
// a monitor that runs keeps its status.
func (s *Store) SetMonitorEnabled(ctx context.Context, tenantID uuid.UUID, actor auth.Actor, id uuid.UUID, enabled bool) (model.Monitor, error) {
	action := "monitor.resume"
	if !enabled {
		action = "monitor.pause"
	}
	var m model.Monitor
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		var err error
		m, err = scanMonitor(tx.QueryRow(ctx, `
			UPDATE monitors SET
				enabled = $3,
				status = CASE WHEN NOT $3::boolean THEN 'paused' WHEN NOT enabled THEN 'pending' ELSE status END,
				updated_at = now()
			WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL
			RETURNING `+monitorColumns, tenantID, id, enabled))
		if err != nil {
			return err
		}
		if !enabled {
			if err := closeIncidents(ctx, tx, tenantID, m.ID, "the monitor was paused"); err != nil {
				return err
			}
		}
		return audit(ctx, tx, tenantID, actor, AuditEntry{Action: action, ResourceType: "monitor", ResourceID: id.String()})
	})
	if err != nil {
		return model.Monitor{}, fmt.Errorf("store.SetMonitorEnabled: %w", notFound(err))
	}
	return m, nil
}

func monitorAudit(action string, m model.Monitor) AuditEntry {
	return AuditEntry{Action: action, ResourceType: "monitor", ResourceID: m.ID.String(),
		Details: map[string]any{"name": m.Name, "type": m.Type}}
}

// channelIDs never hands NULL to the NOT NULL array column.
func channelIDs(spec model.MonitorSpec) []uuid.UUID {
	if spec.NotificationChannelIDs == nil {
		return []uuid.UUID{}
	}
	return spec.NotificationChannelIDs
}

func scanMonitor(row pgx.Row) (model.Monitor, error) {
	var m model.Monitor
	var cfg []byte
	err := row.Scan(&m.ID, &m.TenantID, &m.Name, &m.Type, &m.Target, &m.IntervalSeconds, &m.TimeoutSeconds, &m.Enabled,
		&cfg, &m.NotificationChannelIDs, &m.Status, &m.LastCheckedAt, &m.CreatedAt, &m.UpdatedAt, &m.HeartbeatToken, &m.Regions, &m.Tags)
	if err != nil {
		return model.Monitor{}, err
	}
	if m.Config, err = model.ParseMonitorConfig(m.Type, cfg, false); err != nil {
		return model.Monitor{}, fmt.Errorf("monitor %s: stored config: %w", m.ID, err)
	}
	if m.NotificationChannelIDs == nil {
		m.NotificationChannelIDs = []uuid.UUID{}
	}
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	if m.LastCheckedAt != nil {
		t := m.LastCheckedAt.UTC()
		m.LastCheckedAt = &t
	}
	return m, nil
}

// notFound turns "no row" into errs.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return errs.ErrNotFound
	}
	return err
}

// MonitorSorts are the orders ListMonitors accepts.
var MonitorSorts = []string{"name", "created_at", "status", "type"}

// monitorOrder maps each sort to SQL; every order ends in unique columns so
// pages never overlap. Status sorts worst first: down, degraded, pending,
// up, paused.
var monitorOrder = map[string]string{
	"name":       "lower(name) %[1]s, id %[1]s",
	"created_at": "created_at %[1]s, id %[1]s",
	"status":     "array_position(ARRAY['down','degraded','pending','up','paused'], status) %[1]s, lower(name) %[1]s, id %[1]s",
	"type":       "type %[1]s, lower(name) %[1]s, id %[1]s",
}

// MonitorFilter selects and orders a page of monitors. Zero values match
// everything; Sort defaults to name.
type MonitorFilter struct {
	Type    model.MonitorType
	Status  model.MonitorStatus
	Enabled *bool
	Search  string      // case-insensitive part of the name
	IDs     []uuid.UUID // only these monitors, when not nil
	Tag     string      // only monitors with this tag
	Sort    string
	Desc    bool
	Limit   int
	Offset  int
}

// ListMonitors returns one page of the tenant's live monitors and how many
// match in all.
func (s *Store) ListMonitors(ctx context.Context, tenantID uuid.UUID, f MonitorFilter) ([]model.Monitor, int, error) {
	var list []model.Monitor
	total, err := s.listMonitors(ctx, tenantID, f, monitorColumns, func(rows pgx.Rows) (err error) {
		list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Monitor, error) { return scanMonitor(r) })
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store.ListMonitors: %w", err)
	}
	return list, total, nil
}

// MonitorSummary is what lists of monitors with their figures show of each:
// no settings.
type MonitorSummary struct {
	ID              uuid.UUID
	Name            string
	Type            model.MonitorType
	Target          string
	Status          model.MonitorStatus
	Enabled         bool
	IntervalSeconds int
	LastCheckedAt   *time.Time
}

// listMonitorSummaries is ListMonitors for summaries: a dashboard's
// thousand monitors without parsing a thousand configs.
func (s *Store) listMonitorSummaries(ctx context.Context, tenantID uuid.UUID, f MonitorFilter) ([]MonitorSummary, int, error) {
	var list []MonitorSummary
	total, err := s.listMonitors(ctx, tenantID, f, `id, name, type, target, status, enabled, interval_seconds, last_checked_at`,
		func(rows pgx.Rows) error {
			for rows.Next() {
				var m MonitorSummary
				if err := rows.Scan(&m.ID, &m.Name, &m.Type, &m.Target, &m.Status, &m.Enabled, &m.IntervalSeconds, &m.LastCheckedAt); err != nil {
					return err
				}
				if m.LastCheckedAt != nil {
					t := m.LastCheckedAt.UTC()
					m.LastCheckedAt = &t
				}
				list = append(list, m)
			}
			return rows.Err()
		})
	return list, total, err
}

// listMonitors selects columns of one page of the filter's monitors,
// handing the rows to scan, and counts the matches in all.
func (s *Store) listMonitors(ctx context.Context, tenantID uuid.UUID, f MonitorFilter, columns string, scan func(pgx.Rows) error) (int, error) {
	if f.Sort == "" {
		f.Sort = "name"
	}
	if !slices.Contains(MonitorSorts, f.Sort) {
		return 0, errs.Invalid("sort", "unknown sort")
	}
	dir := "ASC"
	if f.Desc {
		dir = "DESC"
	}
	const where = `
		WHERE tenant_id = $1 AND deleted_at IS NULL
		  AND ($2::text = '' OR type = $2)
		  AND ($3::text = '' OR status = $3)
		  AND ($4::boolean IS NULL OR enabled = $4)
		  AND ($5::text = '' OR strpos(lower(name), lower($5)) > 0)
		  AND ($6::uuid[] IS NULL OR id = ANY($6))
		  AND ($7::text = '' OR $7 = ANY(tags))`
	args := []any{tenantID, string(f.Type), string(f.Status), f.Enabled, f.Search, f.IDs, f.Tag}
	var limit any // NULL: no limit
	if f.Limit > 0 {
		limit = f.Limit
	}
	var total int
	err := s.inTenant(ctx, tenantID, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM monitors`+where, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+columns+` FROM monitors`+where+
			` ORDER BY `+fmt.Sprintf(monitorOrder[f.Sort], dir)+` LIMIT $8 OFFSET $9`,
			append(args, limit, f.Offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		return scan(rows)
	})
	return total, err
}

// tags is the spec's tag list, never NULL.
func tags(spec model.MonitorSpec) []string {
	if spec.Tags == nil {
		return []string{}
	}
	return spec.Tags
}

// sortedIDs orders ids as PostgreSQL orders uuids, the order reads return.
func sortedIDs(ids []uuid.UUID) []uuid.UUID {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	return out
}

// regions is the spec's region list, never NULL.
func regions(spec model.MonitorSpec) []string {
	if spec.Regions == nil {
		return []string{}
	}
	return spec.Regions
}
