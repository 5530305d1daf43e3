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

// columns is what an aggregate sums: availability and latency mean, min
// and max always; the latency histogram (for percentiles) only when asked,
// since it is most of the work.
type columns int

const (
	summaryColumns columns = iota
	histogramColumns
)

// buildAggregateSQL is the statement that reads every level of a readPlan:
// each level's spans are unnested and joined laterally to the level's
// relation, so each span is an index range scan on (tenant_id, monitor_id,
// time), and the rows are summed per span key, monitor and step bucket. The
// level's whole range is repeated as constants so the planner prunes raw
// partitions. The text never changes, so it is prepared once per connection.
func buildAggregateSQL(relations [levelCount]relation, cols columns) string {
	var parts []string
	var exprs []string
	for l := levelRaw; l < levelCount; l++ {
		rel := relations[l]
		if l == levelRaw {
			exprs = []string{"count(*)", "count(*) FILTER (WHERE status = 'up')", "count(*) FILTER (WHERE status = 'degraded')",
				"count(latency_ms)", "coalesce(sum(latency_ms), 0)", "min(latency_ms)", "max(latency_ms)"}
		} else {
			exprs = []string{"sum(checks)::bigint", "sum(up_checks)::bigint", "sum(degraded_checks)::bigint",
				"sum(latency_count)::bigint", "coalesce(sum(latency_sum_ms), 0)", "min(latency_min_ms)", "max(latency_max_ms)"}
		}
		if cols == histogramColumns {
			for _, b := range model.LatencyBoundsMS {
				if l == levelRaw {
					exprs = append(exprs, fmt.Sprintf("count(*) FILTER (WHERE latency_ms <= %d)", b))
				} else {
					exprs = append(exprs, fmt.Sprintf("sum(le_%dms)::bigint", b))
				}
			}
		}
		for i := range exprs {
			exprs[i] += fmt.Sprintf(" AS c%d", i)
		}
		p := 3 + 6*int(l) // $1 tenant, $2 monitors, then per level from/to/key/step arrays and the whole range
		parts = append(parts, fmt.Sprintf(`
		SELECT r.k, x.* FROM unnest($%d::timestamptz[], $%d::timestamptz[], $%d::int[], $%d::bigint[]) AS r(f, t, k, step)
		CROSS JOIN LATERAL (
			SELECT monitor_id,
				CASE WHEN r.step > 0 THEN date_bin(r.step * interval '1 microsecond', %[8]s, '2000-01-03 00:00+00') END AS b,
				%[9]s
			FROM %[7]s
			WHERE tenant_id = $1 AND monitor_id = ANY($2::uuid[]) AND %[8]s >= r.f AND %[8]s < r.t
			  AND %[8]s >= $%[5]d::timestamptz AND %[8]s < $%[6]d::timestamptz
			GROUP BY 1, 2
		) x`, p, p+1, p+2, p+3, p+4, p+5, rel.name, rel.time, strings.Join(exprs, ", ")))
	}
	// One row per key and monitor with the buckets as arrays: a dashboard's
	// 100,000 buckets travel as a few thousand rows.
	arrays := []string{"array_agg(b)"}
	for i := range exprs {
		arrays = append(arrays, fmt.Sprintf("array_agg(c%d)", i))
	}
	return `SELECT k, monitor_id, ` + strings.Join(arrays, ", ") + ` FROM (` +
		strings.Join(parts, "\n\t\tUNION ALL") + `) u GROUP BY 1, 2`
}

// aggregateRow is the sum of one span key's rows for one monitor and step
// bucket (Bucket is zero without a step).
type aggregateRow struct {
	Key       int32
	MonitorID uuid.UUID
	Bucket    time.Time
	model.Rollup
}

// aggregate runs a readPlan for the tenant's monitors and hands each row to
// emit. Rows for the same key, monitor and bucket may come from several
// levels; callers add them.
func (s *Store) aggregate(ctx context.Context, tenantID uuid.UUID, monitors []uuid.UUID, plan *readPlan, cols columns, emit func(aggregateRow)) error {
	args := []any{tenantID, monitors}
	for l := levelRaw; l < levelCount; l++ {
		spans := plan.spans[l]
		from, to := make([]time.Time, len(spans)), make([]time.Time, len(spans))
		keys, steps := make([]int32, len(spans)), make([]int64, len(spans))
		lo, hi := farFuture, time.Time{}
		for i, sp := range spans {
			from[i], to[i], keys[i], steps[i] = sp.from, sp.to, sp.key, sp.step.Microseconds()
			lo, hi = minTime(lo, sp.from), maxTime(hi, sp.to)
		}
		if len(spans) == 0 {
			lo, hi = farFuture, farFuture
		}
		args = append(args, from, to, keys, steps, lo, hi)
	}
	rows, err := s.pool.Query(ctx, s.aggregateSQL[cols], args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scanAggregateRows(rows, cols, emit); err != nil {
			return err
		}
	}
	return rows.Err()
}

// scanAggregateRows unpacks one key and monitor's bucket arrays.
func scanAggregateRows(row pgx.Rows, cols columns, emit func(aggregateRow)) error {
	var key int32
	var monitor uuid.UUID
	var buckets []*time.Time
	var checks, up, degraded, latencyCount []int64
	var latencySum []float64
	var latencyMin, latencyMax []*float64
	dest := []any{&key, &monitor, &buckets, &checks, &up, &degraded, &latencyCount, &latencySum, &latencyMin, &latencyMax}
	var les [][]int64
	if cols == histogramColumns {
		les = make([][]int64, len(model.LatencyBoundsMS))
		for i := range les {
			dest = append(dest, &les[i])
		}
	}
	if err := row.Scan(dest...); err != nil {
		return err
	}
	for i, b := range buckets {
		r := aggregateRow{Key: key, MonitorID: monitor, Rollup: model.Rollup{Checks: checks[i], Up: up[i], Degraded: degraded[i],
			LatencyCount: latencyCount[i], LatencySumMS: latencySum[i], LatencyMinMS: latencyMin[i], LatencyMaxMS: latencyMax[i]}}
		if b != nil {
			r.Bucket = b.UTC()
		}
		if les != nil {
			r.LatencyLE = make([]int64, len(les))
			for j := range les {
				r.LatencyLE[j] = les[j][i]
			}
		}
		emit(r)
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// sumRange asks for [from, to) summed under key, per step bucket when step
// is set, read from levels up to top.
type sumRange struct {
	from, to time.Time
	top      level
	key      int32
	step     time.Duration
}

// sums reads ranges for the tenant's monitors, leaving out the times their
// maintenance windows covered.
func (s *Store) sums(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID, ranges []sumRange, now time.Time, cols columns) ([]aggregateRow, error) {
	var out []aggregateRow
	err := s.sumsEach(ctx, tenantID, ids, ranges, now, cols, 0, func(r aggregateRow) { out = append(out, r) })
	return out, err
}

// sumsEach is sums handing each row to emit, for reads too large to
// collect first. Monitors that share the same maintenance times (usually
// all of them: none, or a tenant-wide window) are read with one statement,
// or with one per chunk of them when chunk is set.
func (s *Store) sumsEach(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID, ranges []sumRange, now time.Time, cols columns,
	chunk int, emit func(aggregateRow)) error {
	if len(ids) == 0 || len(ranges) == 0 {
		return nil
	}
	from, to := ranges[0].from, ranges[0].to
	for _, r := range ranges[1:] {
		from, to = minTime(from, r.from), maxTime(to, r.to)
	}
	maintenance, err := s.MaintenanceIntervals(ctx, tenantID, ids, from, to)
	if err != nil {
		return err
	}
	complete, err := s.engine.completeBelow(ctx)
	if err != nil {
		return err
	}
	groups := map[string][]uuid.UUID{}
	var order []string
	for _, id := range ids {
		k := fmt.Sprint(maintenance[id])
		if _, seen := groups[k]; !seen {
			order = append(order, k)
		}
		groups[k] = append(groups[k], id)
	}
	for _, k := range order {
		members := groups[k]
		plan := &readPlan{complete: complete}
		for _, r := range ranges {
			for _, piece := range without(r.from, r.to, maintenance[members[0]]) {
				plan.add(piece.From, piece.To, now, s.opts.Retention, r.top, r.key, r.step)
			}
		}
		if chunk <= 0 {
			chunk = len(members)
		}
		for lo := 0; lo < len(members); lo += chunk {
			if err := s.aggregate(ctx, tenantID, members[lo:min(lo+chunk, len(members))], plan, cols, emit); err != nil {
				return err
			}
		}
	}
	return nil
}

// without is [from, to) minus the sorted, disjoint intervals.
func without(from, to time.Time, cut []model.Interval) []model.Interval {
	var out []model.Interval
	for _, c := range cut {
		if !c.To.After(from) || !c.From.Before(to) {
			continue
		}
		if c.From.After(from) {
			out = append(out, model.Interval{From: from, To: c.From})
		}
		from = maxTime(from, c.To)
	}
	if from.Before(to) {
		out = append(out, model.Interval{From: from, To: to})
	}
	return out
}
