package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/model"
)

// The worker schedules every tenant's monitors, so these reads span tenants.
// They are the system's own, never reachable from a request, and they only
// feed the scheduler; results are written back per tenant and monitor id.

// inRegion selects the monitors probed from region $1 (an empty list means
// every region).
const inRegion = `(cardinality(regions) = 0 OR $1 = ANY(regions))`

// ScheduledMonitors returns every enabled, live monitor of every tenant that
// is probed from region.
func (s *Store) ScheduledMonitors(ctx context.Context, region string) ([]model.Monitor, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+monitorColumns+` FROM monitors
		WHERE enabled AND deleted_at IS NULL AND `+inRegion+` ORDER BY id`, region)
	if err != nil {
		return nil, fmt.Errorf("store.ScheduledMonitors: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Monitor, error) { return scanMonitor(r) })
	if err != nil {
		return nil, fmt.Errorf("store.ScheduledMonitors: %w", err)
	}
	return list, nil
}

// ScheduledMonitor returns one monitor for the scheduler of region, or
// ErrNotFound when it is deleted, paused or not probed from there.
func (s *Store) ScheduledMonitor(ctx context.Context, region string, tenantID, id uuid.UUID) (model.Monitor, error) {
	m, err := scanMonitor(s.pool.QueryRow(ctx, `SELECT `+monitorColumns+` FROM monitors
		WHERE tenant_id = $2 AND id = $3 AND enabled AND deleted_at IS NULL AND `+inRegion, region, tenantID, id))
	if err != nil {
		return model.Monitor{}, fmt.Errorf("store.ScheduledMonitor: %w", notFound(err))
	}
	return m, nil
}

// MonitorState is a monitor's latest judged status.
type MonitorState struct {
	TenantID, MonitorID uuid.UUID
	Status              model.MonitorStatus
	CheckedAt           time.Time
}

// RecordMonitorStates stores the latest status and check time of many
// monitors in one statement. A monitor paused or deleted meanwhile keeps
// its state, and an older check never overwrites a newer one.
func (s *Store) RecordMonitorStates(ctx context.Context, states []MonitorState) error {
	if len(states) == 0 {
		return nil
	}
	tenants := make([]uuid.UUID, len(states))
	ids := make([]uuid.UUID, len(states))
	statuses := make([]string, len(states))
	times := make([]time.Time, len(states))
	for i, st := range states {
		tenants[i], ids[i], statuses[i], times[i] = st.TenantID, st.MonitorID, string(st.Status), st.CheckedAt
	}
	_, err := s.pool.Exec(ctx, `
		UPDATE monitors m SET status = v.status, last_checked_at = v.checked_at
		FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[]) AS v(tenant_id, id, status, checked_at)
		WHERE m.tenant_id = v.tenant_id AND m.id = v.id AND m.enabled AND m.deleted_at IS NULL
		  AND (m.last_checked_at IS NULL OR m.last_checked_at <= v.checked_at)`, tenants, ids, statuses, times)
	if err != nil {
		return fmt.Errorf("store.RecordMonitorStates: %w", err)
	}
	return nil
}

// ListenMonitorChanges calls fn for every monitor created, changed or
// deleted, as the monitors_notify trigger announces them, until ctx ends or
// the connection fails (the caller reconnects, then resyncs).
func (s *Store) ListenMonitorChanges(ctx context.Context, ready func(), fn func(tenantID, monitorID uuid.UUID)) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("store.ListenMonitorChanges: %w", err)
	}
	// The listening connection leaves the pool for good and is closed here.
	pc := conn.Hijack()
	defer pc.Close(context.Background())
	if _, err := pc.Exec(ctx, `LISTEN monitor_changed`); err != nil {
		return fmt.Errorf("store.ListenMonitorChanges: %w", err)
	}
	if ready != nil {
		ready()
	}
	for {
		n, err := pc.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("store.ListenMonitorChanges: %w", err)
		}
		tenant, id, ok := strings.Cut(n.Payload, ":")
		tid, err1 := uuid.Parse(tenant)
		mid, err2 := uuid.Parse(id)
		if ok && err1 == nil && err2 == nil {
			fn(tid, mid)
		}
	}
}
