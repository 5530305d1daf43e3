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
// time). Raw rows are summed per span key, monitor and step bucket; rollup
// rows are passed on as they are, labelled with their step bucket, and the
// caller adds up the rows of a bucket: a dashboard's 90 daily bars are 90
// rollup rows per monitor, and grouping them in the database first would
// only cost a hash table the size of the answer. The level's whole range
// is repeated as constants so the planner prunes raw partitions. The text
// never changes, so it is prepared once per connection.
func buildAggregateSQL(relations [levelCount]relation, cols columns) string {
	var parts []string
	var exprs []string
	for l := levelRaw; l < levelCount; l++ {
		rel := relations[l]
		if l == levelRaw {
			exprs = []string{"count(*)", "count(*) FILTER (WHERE status = 'up')", "count(*) FILTER (WHERE status = 'degraded')",
				"count(latency_ms)", "coalesce(sum(latency_ms), 0)::float8", "min(latency_ms)::float8", "max(latency_ms)::float8"}
		} else {
			exprs = []string{"checks::bigint", "up_checks::bigint", "degraded_checks::bigint",
				"latency_count::bigint", "latency_sum_ms::float8", "latency_min_ms::float8", "latency_max_ms::float8"}
		}
		if cols == histogramColumns {
			for _, b := range model.LatencyBoundsMS {
				if l == levelRaw {
					exprs = append(exprs, fmt.Sprintf("count(*) FILTER (WHERE latency_ms <= %d)", b))
				} else {
					exprs = append(exprs, fmt.Sprintf("le_%dms::bigint", b))
				}
			}
		}
		for i := range exprs {
			exprs[i] += fmt.Sprintf(" AS c%d", i)
		}
		group := ""
		if l == levelRaw {
			group = "GROUP BY 1, 2"
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
			%[10]s
		) x`, p, p+1, p+2, p+3, p+4, p+5, rel.name, rel.time, strings.Join(exprs, ", "), group))
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

// aggregateRow sums some of one span key's rows for one monitor and step
// bucket (Bucket is zero without a step); several may share a bucket.
type aggregateRow struct {
	Key       int32
	MonitorID uuid.UUID
	Bucket    time.Time
	model.Rollup
}

// aggregate runs a readPlan for the tenant's monitors. Rows for the same
// key, monitor and bucket may come from several levels or rollup rows;
// callers add them.
func (s *Store) aggregate(ctx context.Context, tenantID uuid.UUID, monitors []uuid.UUID, plan *readPlan, cols columns) ([]aggregateRow, error) {
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
		return nil, err
	}
	defer rows.Close()
	var out []aggregateRow
	for rows.Next() {
		out, err = scanAggregateRows(rows, cols, out)
		if err != nil {
			return nil, err
		}
	}
	return out, rows.Err()
}

// scanAggregateRows unpacks one key and monitor's bucket arrays.
func scanAggregateRows(row pgx.Rows, cols columns, out []aggregateRow) ([]aggregateRow, error) {
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
		return out, err
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
		out = append(out, r)
	}
	return out, nil
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
// maintenance windows covered. Monitors that share the same maintenance
// times (usually all of them: none, or a tenant-wide window) are read with
// one statement.
func (s *Store) sums(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID, ranges []sumRange, now time.Time, cols columns) ([]aggregateRow, error) {
	rows, _, err := s.sumsAndIncidents(ctx, tenantID, ids, ranges, nil, now, cols)
	return rows, err
}

// sumsAndIncidents is sums that also counts each monitor's incidents per
// incidentRanges (when not nil), read together with the maintenance times.
func (s *Store) sumsAndIncidents(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID, ranges []sumRange, incidentRanges []model.Interval, now time.Time, cols columns) ([]aggregateRow, map[uuid.UUID][]int, error) {
	if len(ids) == 0 || len(ranges) == 0 {
		p, err := s.readPrelude(ctx, tenantID, ids, now, now, incidentRanges)
		return nil, p.incidents, err
	}
	from, to := ranges[0].from, ranges[0].to
	for _, r := range ranges[1:] {
		from, to = minTime(from, r.from), maxTime(to, r.to)
	}
	pre, err := s.readPrelude(ctx, tenantID, ids, from, to, incidentRanges)
	if err != nil {
		return nil, nil, err
	}
	maintenance := pre.maintenance
	complete, err := s.engine.completeBelow(ctx)
	if err != nil {
		return nil, nil, err
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
	var out []aggregateRow
	for _, k := range order {
		members := groups[k]
		plan := &readPlan{complete: complete}
		for _, r := range ranges {
			for _, piece := range without(r.from, r.to, maintenance[members[0]]) {
				plan.add(piece.From, piece.To, now, s.opts.Retention, r.top, r.key, r.step)
			}
		}
		rows, err := s.aggregate(ctx, tenantID, members, plan, cols)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, rows...)
	}
	return out, pre.incidents, nil
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
