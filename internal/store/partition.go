package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// partitionEngine is the plain PostgreSQL engine: check_results is
// range-partitioned by UTC day and rollups are kept by a trigger.
type partitionEngine struct {
	pool      *pgxpool.Pool
	daysAhead int
	retention Retention

	mu    sync.Mutex
	known map[time.Time]bool // days whose partition is known to exist
}

func newPartitionEngine(pool *pgxpool.Pool, opts Options) *partitionEngine {
	ahead := opts.PartitionDaysAhead
	if ahead <= 0 {
		ahead = 7
	}
	return &partitionEngine{pool: pool, daysAhead: ahead, retention: opts.Retention, known: map[time.Time]bool{}}
}

func (e *partitionEngine) name() Engine { return EnginePostgres }

// partitionLockKey serialises partition DDL across every process.
const partitionLockKey = 7_000_001

func partitionName(day time.Time) string {
	return "check_results_p" + day.Format("20060102")
}

func (e *partitionEngine) prepareWrite(ctx context.Context, days []time.Time) error {
	e.mu.Lock()
	var missing []time.Time
	for _, d := range days {
		if !e.known[d] {
			missing = append(missing, d)
		}
	}
	e.mu.Unlock()
	if len(missing) == 0 {
		return nil
	}
	return e.ensure(ctx, missing)
}

// ensure creates the partitions of these days unless they exist. The advisory
// lock makes concurrent creators (several workers) wait instead of failing.
func (e *partitionEngine) ensure(ctx context.Context, days []time.Time) error {
	err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, partitionLockKey); err != nil {
			return err
		}
		for _, d := range days {
			sql := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s PARTITION OF check_results FOR VALUES FROM ('%s') TO ('%s')`,
				pgx.Identifier{partitionName(d)}.Sanitize(), d.Format(time.RFC3339), d.AddDate(0, 0, 1).Format(time.RFC3339))
			if _, err := tx.Exec(ctx, sql); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create partitions: %w", err)
	}
	e.mu.Lock()
	for _, d := range days {
		e.known[d] = true
	}
	e.mu.Unlock()
	return nil
}

func (e *partitionEngine) forget() {
	e.mu.Lock()
	e.known = map[time.Time]bool{}
	e.mu.Unlock()
}

// maintain keeps yesterday to daysAhead partitioned, drops the raw
// partitions that lie wholly before the raw retention cut-off and prunes
// each rollup below its own cut-off.
func (e *partitionEngine) maintain(ctx context.Context, now time.Time) error {
	today := utcDay(now)
	var days []time.Time
	for i := -1; i <= e.daysAhead; i++ {
		days = append(days, today.AddDate(0, 0, i))
	}
	if err := e.ensure(ctx, days); err != nil {
		return err
	}
	if e.retention == (Retention{}) {
		return nil
	}
	// Rollups outlive raw rows, and coarser rollups finer ones: materialize
	// everything complete before anything goes.
	if err := e.materialize(ctx, now); err != nil {
		return err
	}
	if d := e.retention.RawDays; d > 0 {
		if err := e.dropBefore(ctx, today.AddDate(0, 0, -d)); err != nil {
			return err
		}
	}
	for _, l := range rollupLevels {
		d := e.retention.days(l.level)
		if d <= 0 {
			continue
		}
		// Only buckets below the level's watermark are in its table; the
		// cut-off is far below it, so nothing of the real-time side goes.
		if _, err := e.pool.Exec(ctx, `DELETE FROM `+l.table+` WHERE bucket < $1`, now.AddDate(0, 0, -d)); err != nil {
			return fmt.Errorf("prune %s: %w", l.table, err)
		}
	}
	return nil
}

// dropBefore detaches and drops every partition whose upper bound is at or
// before cutoff.
func (e *partitionEngine) dropBefore(ctx context.Context, cutoff time.Time) error {
	parts, err := e.partitions(ctx)
	if err != nil {
		return err
	}
	for name, upper := range parts {
		if upper.After(cutoff) {
			continue
		}
		err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, partitionLockKey); err != nil {
				return err
			}
			ident := pgx.Identifier{name}.Sanitize()
			if _, err := tx.Exec(ctx, `ALTER TABLE check_results DETACH PARTITION `+ident); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `DROP TABLE `+ident)
			return err
		})
		if err != nil {
			return fmt.Errorf("drop partition %s: %w", name, err)
		}
	}
	e.forget()
	return nil
}

// partitions lists the attached day partitions (by the name this engine
// gives them) with their upper bounds.
func (e *partitionEngine) partitions(ctx context.Context) (map[string]time.Time, error) {
	rows, err := e.pool.Query(ctx, `
		SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'check_results'::regclass`)
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	out := map[string]time.Time{}
	for _, name := range names {
		day, err := time.Parse("20060102", strings.TrimPrefix(name, "check_results_p"))
		if err != nil || !strings.HasPrefix(name, "check_results_p") {
			continue
		}
		out[name] = day.AddDate(0, 0, 1)
	}
	return out, nil
}

func (e *partitionEngine) refreshRollups(ctx context.Context) error {
	return e.materialize(ctx, time.Now())
}

func utcDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
