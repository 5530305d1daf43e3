package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
)

// The Prometheus export and the PromQL API read through these: raw results
// for the gauges, and rollup sums for where the counters stand.

const probeColumns = `monitor_id, time, region, status, latency_ms, coalesce(status_code, 0),
	dns_ms, connect_ms, tls_ms, ttfb_ms, cert_expires_at`

func scanProbe(tenantID uuid.UUID) pgx.RowToFunc[model.CheckResult] {
	return func(row pgx.CollectableRow) (model.CheckResult, error) {
		r := model.CheckResult{TenantID: tenantID}
		err := row.Scan(&r.MonitorID, &r.Time, &r.Region, &r.Status, &r.LatencyMS, &r.StatusCode,
			&r.DNSMS, &r.ConnectMS, &r.TLSMS, &r.TTFBMS, &r.CertExpiresAt)
		r.Time = r.Time.UTC()
		return r, err
	}
}

// ProbeResults returns the raw results of the tenant's monitors ids over
// [from, to], ordered by monitor and time. More than limit rows is
// errs.ErrLimitExceeded, so one query cannot load a tenant's whole history.
func (s *Store) ProbeResults(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID, from, to time.Time, limit int) ([]model.CheckResult, error) {
	if len(ids) == 0 || to.Before(from) {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT `+probeColumns+`
		FROM check_results
		WHERE tenant_id = $1 AND monitor_id = ANY($2) AND time >= $3 AND time <= $4
		ORDER BY monitor_id, time, region
		LIMIT $5`, tenantID, ids, from, to, limit+1)
	if err != nil {
		return nil, fmt.Errorf("store.ProbeResults: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanProbe(tenantID))
	if err != nil {
		return nil, fmt.Errorf("store.ProbeResults: %w", err)
	}
	if len(out) > limit {
		return nil, fmt.Errorf("store.ProbeResults: %w", errs.Describe(errs.ErrLimitExceeded,
			fmt.Sprintf("the query would read more than %d results; narrow the time range or the selector", limit)))
	}
	return out, nil
}

// LatestProbeResults returns the newest result of each monitor in each
// region that probed it within three intervals (at least five minutes) of
// the monitor's last check.
func (s *Store) LatestProbeResults(ctx context.Context, tenantID uuid.UUID, list []model.Monitor) ([]model.CheckResult, error) {
	var ids []uuid.UUID
	var last []time.Time
	var window []float64
	for _, m := range list {
		if m.LastCheckedAt != nil {
			ids, last = append(ids, m.ID), append(last, *m.LastCheckedAt)
			window = append(window, max(3*float64(m.IntervalSeconds), 300))
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `
		SELECT r.* FROM unnest($2::uuid[], $3::timestamptz[], $4::float8[]) AS m(id, last, secs)
		CROSS JOIN LATERAL (
			SELECT DISTINCT ON (region) `+probeColumns+` FROM check_results
			WHERE tenant_id = $1 AND monitor_id = m.id AND time > m.last - make_interval(secs => m.secs)
			ORDER BY region, time DESC) r`, tenantID, ids, last, window)
	if err != nil {
		return nil, fmt.Errorf("store.LatestProbeResults: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanProbe(tenantID))
	if err != nil {
		return nil, fmt.Errorf("store.LatestProbeResults: %w", err)
	}
	return out, nil
}

// ProbeTotals sums each monitor's checks, with the latency histogram, from
// the oldest rollup kept up to before, outside maintenance windows: where
// the export's counters stand at that moment.
func (s *Store) ProbeTotals(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID, before, now time.Time) (map[uuid.UUID]model.Rollup, error) {
	out := make(map[uuid.UUID]model.Rollup, len(ids))
	err := s.sums(ctx, tenantID, ids, []sumRange{{from: bucketOrigin, to: before, top: level1d}}, now, histogramColumns,
		func(_ int32, monitor uuid.UUID, _ time.Time, r *model.Rollup) {
			total := out[monitor]
			total.Add(*r)
			out[monitor] = total
		})
	if err != nil {
		return nil, fmt.Errorf("store.ProbeTotals: %w", err)
	}
	return out, nil
}
