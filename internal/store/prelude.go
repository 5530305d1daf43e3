package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/model"
)

// prelude is what an analytics read learns before its aggregate statement:
// the times maintenance covered each monitor, the rollups' watermarks and,
// when asked, how many incidents each one had per range.
type prelude struct {
	maintenance map[uuid.UUID][]model.Interval
	incidents   map[uuid.UUID][]int
	watermarks  watermarks
}

// readPrelude fetches the prelude of ids over [from, to) in one tenant
// transaction whose statements travel together: three round trips
// (begin, the batch, commit) whatever it asks. incidentRanges nil leaves
// the incident counts out.
func (s *Store) readPrelude(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID, from, to time.Time, incidentRanges []model.Interval) (prelude, error) {
	p := prelude{maintenance: make(map[uuid.UUID][]model.Interval, len(ids))}
	for _, id := range ids {
		p.maintenance[id] = []model.Interval{}
	}
	if incidentRanges != nil {
		p.incidents = make(map[uuid.UUID][]int, len(ids))
		for _, id := range ids {
			p.incidents[id] = make([]int, len(incidentRanges))
		}
	}
	if len(ids) == 0 {
		return p, nil
	}
	err := s.inTenantBatch(ctx, tenantID, func(b *pgx.Batch) {
		s.engine.queueWatermarks(b, &p.watermarks)
		if to.After(from) {
			queueMaintenance(b, tenantID, ids, from, to, p.maintenance)
		}
		if incidentRanges != nil {
			queueIncidentCounts(b, tenantID, ids, incidentRanges, p.incidents)
		}
	})
	return p, err
}

// queueMaintenance reads the tenant's windows and the tags of the monitors
// (only when there are windows) and fills out with the intervals of
// [from, to) each monitor spent in maintenance.
func queueMaintenance(b *pgx.Batch, tenantID uuid.UUID, ids []uuid.UUID, from, to time.Time, out map[uuid.UUID][]model.Interval) {
	var windows []model.MaintenanceWindow
	b.Queue(`SELECT `+maintenanceColumns+` FROM maintenance_windows WHERE tenant_id = $1`, tenantID).Query(func(rows pgx.Rows) error {
		var err error
		windows, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.MaintenanceWindow, error) { return scanMaintenance(r) })
		return err
	})
	b.Queue(`SELECT id, tags FROM monitors WHERE tenant_id = $1 AND id = ANY($2)
		AND EXISTS (SELECT FROM maintenance_windows WHERE tenant_id = $1)`, tenantID, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id uuid.UUID
			var tags []string
			if err := rows.Scan(&id, &tags); err != nil {
				return err
			}
			var all []model.Interval
			for _, w := range windows {
				if w.Covers(id, tags) {
					all = append(all, w.Occurrences(from, to)...)
				}
			}
			out[id] = model.MergeIntervals(all)
		}
		return rows.Err()
	})
}

// queueIncidentCounts counts, per monitor and range, the incidents that
// overlap the range (an open one lasts until now); incidents during
// maintenance do not count, like the checks then.
func queueIncidentCounts(b *pgx.Batch, tenantID uuid.UUID, ids []uuid.UUID, ranges []model.Interval, out map[uuid.UUID][]int) {
	from, to := make([]time.Time, len(ranges)), make([]time.Time, len(ranges))
	for i, r := range ranges {
		from[i], to[i] = r.From, r.To
	}
	b.Queue(`
		SELECT i.monitor_id, r.n - 1, count(*)
		FROM incidents i
		JOIN unnest($3::timestamptz[], $4::timestamptz[]) WITH ORDINALITY AS r(f, t, n)
		  ON i.started_at < r.t AND (i.resolved_at IS NULL OR i.resolved_at > r.f)
		WHERE i.tenant_id = $1 AND i.monitor_id = ANY($2) AND NOT i.in_maintenance
		GROUP BY 1, 2`, tenantID, ids, from, to).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id uuid.UUID
			var n int64
			var count int
			if err := rows.Scan(&id, &n, &count); err != nil {
				return err
			}
			out[id][n] = count
		}
		return rows.Err()
	})
}
