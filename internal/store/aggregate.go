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

// levelRelations are the relations of each level and their time column:
// the same names and columns in both engines.
var levelRelations = [levelCount]struct{ name, time string }{
	levelRaw: {"check_results", "time"},
	level1m:  {"check_rollup_1m", "bucket"},
	level1h:  {"check_rollup_1h", "bucket"},
	level1d:  {"check_rollup_1d", "bucket"},
}

// aggregateSQL reads every level of a readPlan in one statement: each
// level's spans are unnested and joined laterally to the level's relation,
// so each span is an index range scan on (tenant_id, monitor_id, time) and
// the rows are summed per span key, monitor and step bucket. The statement
// text never changes, so it is prepared once per connection.
var aggregateSQL = buildAggregateSQL()

func buildAggregateSQL() string {
	les := make([]string, len(model.LatencyBoundsMS))
	var parts []string
	for l := levelRaw; l < levelCount; l++ {
		rel := levelRelations[l]
		var sums string
		if l == levelRaw {
			for i, b := range model.LatencyBoundsMS {
				les[i] = fmt.Sprintf("count(*) FILTER (WHERE latency_ms <= %d)", b)
			}
			sums = `count(*), count(*) FILTER (WHERE status = 'up'), count(*) FILTER (WHERE status = 'degraded'),
				count(latency_ms), coalesce(sum(latency_ms), 0), min(latency_ms), max(latency_ms), ` + strings.Join(les, ", ")
		} else {
			for i, b := range model.LatencyBoundsMS {
				les[i] = fmt.Sprintf("sum(le_%dms)::bigint", b)
			}
			sums = `sum(checks)::bigint, sum(up_checks)::bigint, sum(degraded_checks)::bigint,
				sum(latency_count)::bigint, coalesce(sum(latency_sum_ms), 0), min(latency_min_ms), max(latency_max_ms), ` + strings.Join(les, ", ")
		}
		p := 3 + 4*int(l) // $1 tenant, $2 monitors, then from/to/key/step arrays per level
		parts = append(parts, fmt.Sprintf(`
		SELECT r.k, x.* FROM unnest($%d::timestamptz[], $%d::timestamptz[], $%d::int[], $%d::bigint[]) AS r(f, t, k, step)
		CROSS JOIN LATERAL (
			SELECT monitor_id,
				CASE WHEN r.step > 0 THEN date_bin(r.step * interval '1 microsecond', %[6]s, '2000-01-03 00:00+00') END,
				%[7]s
			FROM %[5]s
			WHERE tenant_id = $1 AND monitor_id = ANY($2::uuid[]) AND %[6]s >= r.f AND %[6]s < r.t
			GROUP BY 1, 2
		) x`, p, p+1, p+2, p+3, rel.name, rel.time, sums))
	}
	return strings.Join(parts, "\n\t\tUNION ALL")
}

// aggregateRow is the sum of one span key's rows for one monitor and step
// bucket (Bucket is zero without a step).
type aggregateRow struct {
	Key       int32
	MonitorID uuid.UUID
	Bucket    time.Time
	model.Rollup
}

// aggregate runs a readPlan for the tenant's monitors. Rows for the same
// key, monitor and bucket may come from several levels; callers add them.
func (s *Store) aggregate(ctx context.Context, tenantID uuid.UUID, monitors []uuid.UUID, plan readPlan) ([]aggregateRow, error) {
	args := []any{tenantID, monitors}
	for l := levelRaw; l < levelCount; l++ {
		spans := plan[l]
		from, to := make([]time.Time, len(spans)), make([]time.Time, len(spans))
		keys, steps := make([]int32, len(spans)), make([]int64, len(spans))
		for i, sp := range spans {
			from[i], to[i], keys[i], steps[i] = sp.from, sp.to, sp.key, sp.step.Microseconds()
		}
		args = append(args, from, to, keys, steps)
	}
	rows, err := s.pool.Query(ctx, aggregateSQL, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanAggregateRow)
}

func scanAggregateRow(row pgx.CollectableRow) (aggregateRow, error) {
	var r aggregateRow
	var bucket *time.Time
	r.LatencyLE = make([]int64, len(model.LatencyBoundsMS))
	dest := []any{&r.Key, &r.MonitorID, &bucket, &r.Checks, &r.Up, &r.Degraded,
		&r.LatencyCount, &r.LatencySumMS, &r.LatencyMinMS, &r.LatencyMaxMS}
	for i := range r.LatencyLE {
		dest = append(dest, &r.LatencyLE[i])
	}
	if err := row.Scan(dest...); err != nil {
		return r, err
	}
	if bucket != nil {
		r.Bucket = bucket.UTC()
	}
	return r, nil
}
