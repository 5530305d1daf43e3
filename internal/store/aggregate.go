package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
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
	countColumns     columns = iota // checks by status, latency count and sum
	summaryColumns                  // and the latency minimum and maximum
	histogramColumns                // and the latency histogram
)

// count is the number of summed columns.
func (c columns) count() int {
	return [...]int{5, 7, 7 + len(model.LatencyBoundsMS)}[c]
}

// buildAggregateSQL is the statement that reads every level of a readPlan:
// each level's spans are unnested and joined laterally to the level's
// relation, so each span is an index range scan on (tenant_id, monitor_id,
// time). Raw rows and minutes are summed per span key, monitor and step
// bucket, since many of them fall in one bucket; hourly and daily rows are
// passed on as they are, labelled with their step bucket, since their steps
// are mostly their own width (a dashboard's 90 daily bars are 90 rows per
// monitor, and grouping them first would only cost a hash table the size
// of the answer). The caller adds up the pieces of a bucket. The level's
// whole range is repeated as constants so the planner prunes raw
// partitions. The text never changes.
func buildAggregateSQL(relations [levelCount]relation, cols columns) string {
	var parts []string
	var exprs []string
	for l := levelRaw; l < levelCount; l++ {
		rel := relations[l]
		grouped := l == levelRaw || l == level1m
		switch {
		case l == levelRaw:
			exprs = []string{"count(*)", "count(*) FILTER (WHERE status = 'up')", "count(*) FILTER (WHERE status = 'degraded')",
				"count(latency_ms)", "coalesce(sum(latency_ms), 0)::float8", "min(latency_ms)::float8", "max(latency_ms)::float8"}
		case grouped:
			exprs = []string{"sum(checks)::bigint", "sum(up_checks)::bigint", "sum(degraded_checks)::bigint",
				"sum(latency_count)::bigint", "coalesce(sum(latency_sum_ms), 0)::float8", "min(latency_min_ms)::float8", "max(latency_max_ms)::float8"}
		default:
			exprs = []string{"checks::bigint", "up_checks::bigint", "degraded_checks::bigint",
				"latency_count::bigint", "latency_sum_ms::float8", "latency_min_ms::float8", "latency_max_ms::float8"}
		}
		exprs = exprs[:min(len(exprs), cols.count())]
		if cols == histogramColumns {
			for _, b := range model.LatencyBoundsMS {
				switch {
				case l == levelRaw:
					exprs = append(exprs, fmt.Sprintf("count(*) FILTER (WHERE latency_ms <= %d)", b))
				case grouped:
					exprs = append(exprs, fmt.Sprintf("sum(le_%dms)::bigint", b))
				default:
					exprs = append(exprs, fmt.Sprintf("le_%dms::bigint", b))
				}
			}
		}
		for i := range exprs {
			exprs[i] += fmt.Sprintf(" AS c%d", i)
		}
		group := ""
		if grouped {
			group = "GROUP BY 1"
		}
		arrays := []string{"array_agg(b) AS b"}
		for i := range exprs {
			arrays = append(arrays, fmt.Sprintf("array_agg(c%d) AS c%d", i, i))
		}
		p := 3 + 6*int(l) // $1 tenant, $2 monitors, then per level from/to/key/step arrays and the whole range
		parts = append(parts, fmt.Sprintf(`
		SELECT r.k, m.id, x.* FROM unnest($%d::timestamptz[], $%d::timestamptz[], $%d::int[], $%d::bigint[]) AS r(f, t, k, step)
		CROSS JOIN unnest($2::uuid[]) AS m(id)
		CROSS JOIN LATERAL (
			SELECT %[11]s FROM (
				SELECT CASE WHEN r.step = %[12]d THEN %[8]s WHEN r.step > 0 THEN date_bin(r.step * interval '1 microsecond', %[8]s, '2000-01-03 00:00+00') END AS b,
					%[9]s
				FROM %[7]s
				WHERE tenant_id = $1 AND monitor_id = m.id AND %[8]s >= r.f AND %[8]s < r.t
				  AND %[8]s >= $%[5]d::timestamptz AND %[8]s < $%[6]d::timestamptz
				%[10]s
			) piece
		) x
		WHERE x.c0 IS NOT NULL`, p, p+1, p+2, p+3, p+4, p+5, rel.name, rel.time, strings.Join(exprs, ", "), group, strings.Join(arrays, ", "), ownStep(l)))
	}
	// One row per span and monitor with the buckets as arrays, each read
	// by its own range scan of the (tenant_id, monitor_id, time) index: no
	// sort or hash of the pieces, and a dashboard's 200,000 pieces travel
	// as a few thousand rows.
	return strings.Join(parts, "\n\t\tUNION ALL")
}

// ownStep is the step, in microseconds, at which a level's rows are their
// own buckets (-1 for raw rows): a rollup read at its own width skips
// date_bin, most of the dashboard's rows.
func ownStep(l level) int64 {
	if l == levelRaw {
		return -1
	}
	return l.stride().Microseconds()
}

// visitFunc receives the sums of a read piece by piece: the span key, the
// monitor, the step bucket (zero without a step) and the sums of some of
// its rows. Pieces for the same key, monitor and bucket come from several
// levels or rollup rows; the visitor adds them up. r is only valid during
// the call (Rollup.Add copies it).
type visitFunc func(key int32, monitor uuid.UUID, bucket time.Time, r *model.Rollup)

// aggregate runs a readPlan for the tenant's monitors, handing each piece
// to visit.
func (s *Store) aggregate(ctx context.Context, tenantID uuid.UUID, monitors []uuid.UUID, plan *readPlan, cols columns, visit visitFunc) error {
	// Many monitors: planned for their own arguments every time, since a
	// generic plan guesses the number of monitors and spans (3 s instead
	// of 0.4 s for a dashboard). One monitor: a generic plan kept per
	// connection (see onePlan), planned once instead of on every read.
	pool, mode := s.pool, pgx.QueryExecModeDescribeExec
	if len(monitors) == 1 && s.onePlan != nil {
		pool, mode = s.onePlan, pgx.QueryExecModeCacheStatement
	}
	args := []any{mode, tenantID, monitors}
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
	rows, err := pool.Query(ctx, s.aggregateSQL[cols], args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var a aggregateArrays
	for rows.Next() {
		if err := a.scan(rows, cols, visit); err != nil {
			return err
		}
	}
	return rows.Err()
}

// aggregateArrays holds one result row, a key and monitor's buckets as
// arrays; reused from row to row, so that a dashboard's 200,000 pieces cost
// no allocation each.
type aggregateArrays struct {
	buckets                            []time.Time
	checks, up, degraded, latencyCount []int64
	latencySum, latencyMin, latencyMax []float64 // NaN for a NULL minimum or maximum
	les                                [][]int64
}

// scan reads one row, decoding its arrays from their binary form, and
// hands its pieces to visit.
func (a *aggregateArrays) scan(row pgx.Rows, cols columns, visit visitFunc) error {
	raw := row.RawValues()
	for _, f := range row.FieldDescriptions() {
		if f.Format != pgx.BinaryFormatCode {
			return fmt.Errorf("aggregate: column %s arrived as text", f.Name)
		}
	}
	if len(raw) != 3+cols.count() || len(raw[0]) != 4 || len(raw[1]) != 16 {
		return fmt.Errorf("aggregate: unexpected row shape")
	}
	key := int32(binary.BigEndian.Uint32(raw[0]))
	monitor := uuid.UUID(raw[1])
	var err error
	if a.buckets, err = decodeTimestamptzs(raw[2], a.buckets); err != nil {
		return err
	}
	// Each column's array holds one element per bucket; the first error
	// stops the rest.
	n := len(a.buckets)
	ints := func(src []byte, dst []int64) []int64 {
		if err == nil {
			if dst, err = decodeInt8s(src, dst); err == nil && len(dst) != n {
				err = fmt.Errorf("aggregate: arrays of different lengths")
			}
		}
		return dst
	}
	floats := func(src []byte, dst []float64) []float64 {
		if err == nil {
			if dst, err = decodeFloat8s(src, dst); err == nil && len(dst) != n {
				err = fmt.Errorf("aggregate: arrays of different lengths")
			}
		}
		return dst
	}
	c := raw[3:]
	a.checks, a.up, a.degraded, a.latencyCount = ints(c[0], a.checks), ints(c[1], a.up), ints(c[2], a.degraded), ints(c[3], a.latencyCount)
	a.latencySum = floats(c[4], a.latencySum)
	if cols >= summaryColumns {
		a.latencyMin, a.latencyMax = floats(c[5], a.latencyMin), floats(c[6], a.latencyMax)
	}
	if cols == histogramColumns {
		if a.les == nil {
			a.les = make([][]int64, len(model.LatencyBoundsMS))
		}
		for i := range a.les {
			a.les[i] = ints(c[7+i], a.les[i])
		}
	}
	if err != nil {
		return err
	}
	var r model.Rollup
	var minMS, maxMS float64
	if a.les != nil {
		r.LatencyLE = make([]int64, len(a.les))
	}
	for i, bucket := range a.buckets {
		r.Checks, r.Up, r.Degraded = a.checks[i], a.up[i], a.degraded[i]
		r.LatencyCount, r.LatencySumMS = a.latencyCount[i], a.latencySum[i]
		r.LatencyMinMS, r.LatencyMaxMS = nil, nil
		if cols >= summaryColumns {
			if minMS = a.latencyMin[i]; !math.IsNaN(minMS) {
				r.LatencyMinMS = &minMS
			}
			if maxMS = a.latencyMax[i]; !math.IsNaN(maxMS) {
				r.LatencyMaxMS = &maxMS
			}
		}
		for j := range a.les {
			r.LatencyLE[j] = a.les[j][i]
		}
		visit(key, monitor, bucket, &r)
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
// maintenance windows covered. Monitors that share the same maintenance
// times (usually all of them: none, or a tenant-wide window) are read with
// one statement.
func (s *Store) sums(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID, ranges []sumRange, now time.Time, cols columns, visit visitFunc) error {
	_, err := s.sumsAndIncidents(ctx, tenantID, ids, ranges, nil, now, cols, 0, visit)
	return err
}

// sumsEach is sums reading the monitors chunk at a time (all at once when
// chunk is 0), for reads whose pieces would make one statement too large.
func (s *Store) sumsEach(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID, ranges []sumRange, now time.Time, cols columns, chunk int, visit visitFunc) error {
	_, err := s.sumsAndIncidents(ctx, tenantID, ids, ranges, nil, now, cols, chunk, visit)
	return err
}

// sumsAndIncidents is sumsEach that also counts each monitor's incidents
// per incidentRanges (when not nil), read together with the maintenance
// times.
func (s *Store) sumsAndIncidents(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID, ranges []sumRange, incidentRanges []model.Interval,
	now time.Time, cols columns, chunk int, visit visitFunc) (map[uuid.UUID][]int, error) {
	if len(ids) == 0 || len(ranges) == 0 {
		p, err := s.readPrelude(ctx, tenantID, ids, now, now, incidentRanges)
		return p.incidents, err
	}
	from, to := spanOf(ranges)
	pre, err := s.readPrelude(ctx, tenantID, ids, from, to, incidentRanges)
	if err != nil {
		return nil, err
	}
	return pre.incidents, s.sumsWith(ctx, tenantID, ids, ranges, now, cols, chunk, pre.maintenance, pre.watermarks.complete, visit)
}

// spanOf is the smallest range that holds all of ranges.
func spanOf(ranges []sumRange) (from, to time.Time) {
	from, to = ranges[0].from, ranges[0].to
	for _, r := range ranges[1:] {
		from, to = minTime(from, r.from), maxTime(to, r.to)
	}
	return from, to
}

// sumsWith is sumsEach once the maintenance times and watermarks are known.
func (s *Store) sumsWith(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID, ranges []sumRange, now time.Time, cols columns, chunk int,
	maintenance map[uuid.UUID][]model.Interval, complete marks, visit visitFunc) error {
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
		step := len(members)
		if chunk > 0 {
			step = chunk
		}
		for lo := 0; lo < len(members); lo += step {
			if err := s.aggregateInHalves(ctx, tenantID, members[lo:min(lo+step, len(members))], plan, cols, visit); err != nil {
				return err
			}
		}
	}
	return nil
}

// halvesFrom is the number of monitors from which a read runs as two
// statements at once, one per half of them: PostgreSQL runs each statement
// on one core, and a dashboard's thousand monitors are worth two.
const halvesFrom = 200

// aggregateInHalves is aggregate, on two connections at once for many
// monitors; visit is called by one goroutine at a time.
func (s *Store) aggregateInHalves(ctx context.Context, tenantID uuid.UUID, monitors []uuid.UUID, plan *readPlan, cols columns, visit visitFunc) error {
	if len(monitors) < halvesFrom {
		return s.aggregate(ctx, tenantID, monitors, plan, cols, visit)
	}
	var mu sync.Mutex
	serial := func(key int32, monitor uuid.UUID, bucket time.Time, r *model.Rollup) {
		mu.Lock()
		defer mu.Unlock()
		visit(key, monitor, bucket, r)
	}
	half := len(monitors) / 2
	other := make(chan error, 1)
	go func() { other <- s.aggregate(ctx, tenantID, monitors[half:], plan, cols, serial) }()
	return errors.Join(s.aggregate(ctx, tenantID, monitors[:half], plan, cols, serial), <-other)
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
