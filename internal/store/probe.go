package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
)

// The Prometheus export and the PromQL API read through these: raw results
// for the gauges, rollup sums for where the counters stand, and, for
// queries too coarse or too old for raw results, sums per rollup bucket.

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
	out, err := collectProbes(rows, err, tenantID, limit)
	if err != nil {
		return nil, fmt.Errorf("store.ProbeResults: %w", err)
	}
	return out, nil
}

// collectProbes scans the rows of a query that asked for one row more
// than limit; that row is errs.ErrLimitExceeded.
func collectProbes(rows pgx.Rows, err error, tenantID uuid.UUID, limit int) ([]model.CheckResult, error) {
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, scanProbe(tenantID))
	if err != nil {
		return nil, err
	}
	if len(out) > limit {
		return nil, errs.Describe(errs.ErrLimitExceeded,
			fmt.Sprintf("the query would read more than %d results; narrow the time range or the selector, or widen the step", limit))
	}
	return out, nil
}

// LastProbeResults returns the newest raw result of each of the tenant's
// monitors ids per region and per bucket of width stride over [from, to),
// ordered by monitor, region and time. More than limit rows is
// errs.ErrLimitExceeded.
func (s *Store) LastProbeResults(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID, from, to time.Time, stride time.Duration, limit int) ([]model.CheckResult, error) {
	if len(ids) == 0 || !from.Before(to) {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT ON (monitor_id, region, b) `+probeColumns+`
		FROM (SELECT *, date_bin($5 * interval '1 microsecond', time, '2000-01-03 00:00+00') AS b FROM check_results
		      WHERE tenant_id = $1 AND monitor_id = ANY($2) AND time >= $3 AND time < $4) r
		ORDER BY monitor_id, region, b, time DESC
		LIMIT $6`, tenantID, ids, from, to, stride.Microseconds(), limit+1)
	out, err := collectProbes(rows, err, tenantID, limit)
	if err != nil {
		return nil, fmt.Errorf("store.LastProbeResults: %w", err)
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

// RollupStrides are the bucket widths of the rollups, finest first.
var RollupStrides = []time.Duration{level1m.stride(), level1h.stride(), level1d.stride()}

// FinestKept is the bucket width of the finest level that retention still
// keeps at t: 0 for raw results, else a rollup's (the coarsest when no
// level keeps t).
func (s *Store) FinestKept(t, now time.Time) time.Duration {
	l, ok := s.opts.Retention.finestAt(t, now)
	if !ok {
		l = levelCount - 1
	}
	return l.stride()
}

// BucketRead says what ProbeBuckets sums.
type BucketRead struct {
	From, To time.Time
	// Stride is a rollup's bucket width (RollupStrides).
	Stride time.Duration
	// Totals asks for the sums before the first bucket as well.
	Totals bool
	// Histogram asks for the latency histogram.
	Histogram bool
}

// ProbeBuckets is one monitor's checks per bucket.
type ProbeBuckets struct {
	// Before sums everything before the first bucket: where the monitor's
	// counters stood (with BucketRead.Totals).
	Before model.Rollup
	// Buckets are the buckets that had checks, oldest first.
	Buckets []Bucket
}

// bucketsPerStatement bounds the buckets one statement of ProbeBuckets
// sums, so that its grouping stays in PostgreSQL's default work_mem
// instead of spilling to disk (a month of hours for a thousand monitors in
// one statement spilled 80 MB and took twice as long).
const bucketsPerStatement = 10_000

// Bucket keys of ProbeBuckets' reads.
const (
	keyBuckets int32 = iota
	keyBefore
)

// ProbeBuckets sums the checks of the tenant's monitors ids outside
// maintenance per bucket of width r.Stride over [r.From, r.To), the first
// bucket the one that holds r.From and the last one cut at r.To: whole
// buckets of the rollups, raw rows only at the ends, so every sum is exact
// to the last result. Every monitor has an entry.
func (s *Store) ProbeBuckets(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID, r BucketRead, now time.Time) (map[uuid.UUID]*ProbeBuckets, error) {
	top := topLevelFor(r.Stride)
	if top == levelRaw || top.stride() != r.Stride {
		return nil, fmt.Errorf("store.ProbeBuckets: %s is not a rollup's bucket width", r.Stride)
	}
	from := floorTo(r.From, r.Stride)
	ranges := []sumRange{{from: from, to: r.To, top: top, key: keyBuckets, step: r.Stride}}
	if r.Totals {
		ranges = append(ranges, sumRange{from: bucketOrigin, to: from, top: level1d, key: keyBefore})
	}
	cols := summaryColumns
	if r.Histogram {
		cols = histogramColumns
	}
	out := make(map[uuid.UUID]*ProbeBuckets, len(ids))
	for _, id := range ids {
		out[id] = &ProbeBuckets{}
	}
	emit := func(key int32, monitor uuid.UUID, bucket time.Time, r *model.Rollup) {
		pb := out[monitor]
		if key == keyBefore {
			pb.Before.Add(*r)
			return
		}
		b := Bucket{Start: bucket}
		b.Add(*r) // a copy: r is reused for the next piece
		pb.Buckets = append(pb.Buckets, b)
	}
	chunk := max(1, bucketsPerStatement/(int(r.To.Sub(from)/r.Stride)+1))
	if err := s.sumsEach(ctx, tenantID, ids, ranges, now, cols, chunk, emit); err != nil {
		return nil, fmt.Errorf("store.ProbeBuckets: %w", err)
	}
	// A bucket's sum can come in pieces from several levels.
	for _, pb := range out {
		slices.SortFunc(pb.Buckets, func(a, b Bucket) int { return a.Start.Compare(b.Start) })
		merged := pb.Buckets[:0]
		for _, b := range pb.Buckets {
			if n := len(merged); n > 0 && merged[n-1].Start.Equal(b.Start) {
				merged[n-1].Add(b.Rollup)
			} else {
				merged = append(merged, b)
			}
		}
		pb.Buckets = merged
	}
	return out, nil
}
