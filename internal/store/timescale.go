package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// timescaleEngine: check_results is a hypertable whose chunks TimescaleDB
// creates on insert; rollups are continuous aggregates kept by refresh
// policies, and retention and compression are policies too.
type timescaleEngine struct {
	pool      *pgxpool.Pool
	retention Retention
}

func (timescaleEngine) name() Engine                                    { return EngineTimescale }
func (timescaleEngine) prepareWrite(context.Context, []time.Time) error { return nil }
func (timescaleEngine) forget()                                         {}
func (timescaleEngine) materialize(context.Context, time.Time) error    { return nil }

// rollupsInOrder lists the continuous aggregates finest first: each is
// refreshed from the one before it.
var rollupsInOrder = []string{"check_rollup_1m", "check_rollup_1h", "check_rollup_1d"}

// refreshRollups materializes every bucket of every rollup. CALL
// refresh_continuous_aggregate cannot run inside a transaction, so each is a
// single simple-protocol statement on its own.
func (e timescaleEngine) refreshRollups(ctx context.Context) error {
	for _, view := range rollupsInOrder {
		if _, err := e.pool.Exec(ctx, fmt.Sprintf(`CALL refresh_continuous_aggregate('%s', NULL, NULL)`, view)); err != nil {
			return fmt.Errorf("refresh %s: %w", view, err)
		}
	}
	return nil
}

// retentionRelations are the relations with a retention policy, raw rows
// first, in the order of Retention's levels.
var retentionRelations = [levelCount]string{"check_results", "check_rollup_1m", "check_rollup_1h", "check_rollup_1d"}

// maintain brings the retention policies in line with the configuration;
// TimescaleDB's own jobs create chunks, compress and drop them. A policy
// that already says the configured interval is left alone.
func (e timescaleEngine) maintain(ctx context.Context, _ time.Time) error {
	for l, rel := range retentionRelations {
		days := e.retention.days(level(l))
		var current *string
		err := e.pool.QueryRow(ctx, `
			SELECT j.config->>'drop_after' FROM timescaledb_information.jobs j
			WHERE j.proc_name = 'policy_retention' AND j.hypertable_name = coalesce(
				(SELECT materialization_hypertable_name FROM timescaledb_information.continuous_aggregates
				 WHERE view_name = $1), $1)`, rel).Scan(&current)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("retention of %s: %w", rel, err)
		}
		want := fmt.Sprintf("%d days", days)
		if (current == nil && days == 0) || (current != nil && *current == want) {
			continue
		}
		if _, err := e.pool.Exec(ctx, `SELECT remove_retention_policy($1::regclass, if_exists => true)`, rel); err != nil {
			return fmt.Errorf("retention of %s: %w", rel, err)
		}
		if days == 0 {
			continue
		}
		if _, err := e.pool.Exec(ctx, `SELECT add_retention_policy($1::regclass, drop_after => $2::interval)`, rel, want); err != nil {
			return fmt.Errorf("retention of %s: %w", rel, err)
		}
	}
	return nil
}

// readRelations are the continuous aggregates themselves: real-time
// aggregation makes each complete up to the last result.
func (timescaleEngine) readRelations() [levelCount]relation {
	return [levelCount]relation{
		levelRaw: {"check_results", "time"},
		level1m:  {"check_rollup_1m", "bucket"},
		level1h:  {"check_rollup_1h", "bucket"},
		level1d:  {"check_rollup_1d", "bucket"},
	}
}

// storedRelations are the raw hypertable and the hypertables that hold each
// continuous aggregate's materialized buckets (a continuous aggregate is a
// view, which cannot be deleted from; its real-time part reads raw rows).
func (e timescaleEngine) storedRelations(ctx context.Context) ([levelCount]relation, error) {
	rels := [levelCount]relation{levelRaw: {"check_results", "time"}}
	rows, err := e.pool.Query(ctx, `
		SELECT view_name, format('%I.%I', materialization_hypertable_schema, materialization_hypertable_name)
		FROM timescaledb_information.continuous_aggregates
		WHERE view_schema = current_schema() AND view_name = ANY($1)`, rollupsInOrder)
	if err != nil {
		return rels, fmt.Errorf("materialization hypertables: %w", err)
	}
	tables := map[string]string{}
	var view, table string
	_, err = pgx.ForEachRow(rows, []any{&view, &table}, func() error {
		tables[view] = table
		return nil
	})
	if err != nil {
		return rels, fmt.Errorf("materialization hypertables: %w", err)
	}
	for i, view := range rollupsInOrder {
		if tables[view] == "" {
			return rels, fmt.Errorf("materialization hypertables: %s is not a continuous aggregate", view)
		}
		// The materialization hypertable has the view's columns.
		rels[level1m+level(i)] = relation{tables[view], "bucket"}
	}
	return rels, nil
}

func (timescaleEngine) queueWatermarks(_ *pgx.Batch, w *watermarks) {
	*w = watermarks{complete: everything, lateFolds: -1}
}
