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

// ofLiveTenant leaves out the monitors of deleted tenants: deleting a tenant
// deletes its monitors, and this also drops one created in the same moment.
const ofLiveTenant = `tenant_id IN (SELECT id FROM tenants WHERE deleted_at IS NULL)`

// ScheduledMonitors returns every enabled, live monitor of every tenant that
// is probed from region.
func (s *Store) ScheduledMonitors(ctx context.Context, region string) ([]model.Monitor, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+monitorColumns+` FROM monitors
		WHERE enabled AND deleted_at IS NULL AND `+inRegion+` AND `+ofLiveTenant+` ORDER BY id`, region)
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
		WHERE tenant_id = $2 AND id = $3 AND enabled AND deleted_at IS NULL AND `+inRegion+` AND `+ofLiveTenant,
		region, tenantID, id))
	if err != nil {
		return model.Monitor{}, fmt.Errorf("store.ScheduledMonitor: %w", notFound(err))
	}
	return m, nil
}

// MonitorState is a monitor's latest judged status in one region, with the
// error of a failed check and the certificate expiry a check saw.
type MonitorState struct {
	TenantID, MonitorID uuid.UUID
	Region              string
	Status              model.MonitorStatus
	CheckedAt           time.Time
	ErrorKind, Message  string
	CertExpiresAt       *time.Time
}

// RecordMonitorStates stores the latest status of many monitors in their
// regions and derives each monitor's status from its regions, in one
// transaction: down when at least down_quorum (default 1) regions see it
// down, degraded when some but fewer do or any sees it degraded, up
// otherwise. A region's state counts while it is fresh (three intervals).
// A monitor paused or deleted meanwhile keeps its state, and an older check
// never overwrites a newer one. In the same transaction the incidents of
// these monitors open and resolve, and the notifications that announce it
// are written to the outbox (see alerting.go).
func (s *Store) RecordMonitorStates(ctx context.Context, states []MonitorState) error {
	if len(states) == 0 {
		return nil
	}
	// Plain byte arrays: pgx encodes uuid.UUID elements of an array through
	// their driver.Valuer text, several allocations each, every second.
	ids := make([][16]byte, len(states))
	regions := make([]string, len(states))
	statuses := make([]string, len(states))
	times := make([]time.Time, len(states))
	for i, st := range states {
		ids[i], regions[i], statuses[i], times[i] = st.MonitorID, st.Region, string(st.Status), st.CheckedAt
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// Monitors are locked first, in id order: concurrent recorders of one
		// monitor (other regions) take turns, and each sees the states the
		// previous one committed.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM monitors WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO monitor_region_states AS r (monitor_id, region, status, checked_at)
			SELECT v.id, v.region, v.status, v.checked_at
			FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) AS v(id, region, status, checked_at)
			JOIN monitors m ON m.id = v.id AND m.enabled AND m.deleted_at IS NULL
			ORDER BY 1, 2
			ON CONFLICT (monitor_id, region) DO UPDATE SET status = excluded.status, checked_at = excluded.checked_at
				WHERE r.checked_at <= excluded.checked_at`, ids, regions, statuses, times)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			WITH agg AS (
				SELECT r.monitor_id,
				       count(*) FILTER (WHERE r.status = 'down') AS downs,
				       count(*) FILTER (WHERE r.status = 'degraded') AS degraded,
				       max(r.checked_at) AS checked_at
				FROM monitor_region_states r JOIN monitors m ON m.id = r.monitor_id
				WHERE r.monitor_id = ANY($1)
				  AND r.checked_at > now() - make_interval(secs => 3 * m.interval_seconds + 60)
				GROUP BY r.monitor_id
			)
			, judged AS (
				UPDATE monitors m SET
					status = CASE WHEN agg.downs >= coalesce((m.config->>'down_quorum')::int, 1) THEN 'down'
					              WHEN agg.downs > 0 OR agg.degraded > 0 THEN 'degraded'
					              ELSE 'up' END,
					last_checked_at = greatest(m.last_checked_at, agg.checked_at)
				FROM agg
				WHERE m.id = agg.monitor_id AND m.enabled AND m.deleted_at IS NULL
				RETURNING m.*
			)
			-- The state machine needs the monitors that fail, have an open
			-- incident, or show a certificate near expiry; a healthy fleet
			-- hands it none.
			SELECT `+judgedColumns+` FROM judged m
			WHERE m.status <> 'up' OR m.id = ANY($2)
			   OR EXISTS (SELECT 1 FROM incidents i WHERE i.monitor_id = m.id AND i.resolved_at IS NULL)`, ids, certSoon(states))
		if err != nil {
			return err
		}
		judged, err := pgx.CollectRows(rows, scanJudged)
		if err != nil {
			return err
		}
		return s.judge(ctx, tx, judged, states)
	})
	if err != nil {
		return fmt.Errorf("store.RecordMonitorStates: %w", err)
	}
	return nil
}

// certSoon lists the monitors whose check saw a certificate that expires
// within the first warning threshold.
func certSoon(states []MonitorState) []uuid.UUID {
	ids := []uuid.UUID{}
	for _, st := range states {
		if st.CertExpiresAt != nil && st.CertExpiresAt.Sub(st.CheckedAt) <= time.Duration(certThresholds[0]+1)*24*time.Hour {
			ids = append(ids, st.MonitorID)
		}
	}
	return ids
}

// ListenMonitorChanges calls fn for every monitor created, changed or
// deleted, as the monitors_notify trigger announces them, until ctx ends or
// the connection fails (the caller reconnects, then resyncs).
func (s *Store) ListenMonitorChanges(ctx context.Context, ready func(), fn func(tenantID, monitorID uuid.UUID)) error {
	err := s.listen(ctx, "monitor_changed", ready, func(payload string) {
		tenant, id, ok := strings.Cut(payload, ":")
		tid, err1 := uuid.Parse(tenant)
		mid, err2 := uuid.Parse(id)
		if ok && err1 == nil && err2 == nil {
			fn(tid, mid)
		}
	})
	if err != nil {
		return fmt.Errorf("store.ListenMonitorChanges: %w", err)
	}
	return nil
}

// listen calls fn with the payload of every notification on channel until
// ctx ends or the connection fails; ready runs once it listens.
func (s *Store) listen(ctx context.Context, channel string, ready func(), fn func(payload string)) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The listening connection leaves the pool for good and is closed here.
	pc := conn.Hijack()
	defer pc.Close(context.Background())
	if _, err := pc.Exec(ctx, `LISTEN `+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	if ready != nil {
		ready()
	}
	for {
		n, err := pc.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		fn(n.Payload)
	}
}
