package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Engine names a storage engine: both expose the same relations and columns.
type Engine string

// The two storage engines.
const (
	EnginePostgres  Engine = "postgres"
	EngineTimescale Engine = "timescale"
)

// engine is what differs between the two: how raw rows find their
// partition and how rollups are kept and refreshed.
type engine interface {
	name() Engine
	// prepareWrite makes sure rows for these UTC days have a place to go.
	prepareWrite(ctx context.Context, days []time.Time) error
	// forget drops what prepareWrite cached, after the database said a
	// partition is missing.
	forget()
	// maintain creates partitions ahead and applies retention.
	maintain(ctx context.Context, now time.Time) error
	// materialize is the scheduled rollup job: the plain engine moves
	// complete buckets into its tables; TimescaleDB's policies do this.
	materialize(ctx context.Context, now time.Time) error
	// refreshRollups materializes everything there is (tests, benchmarks).
	refreshRollups(ctx context.Context) error
	// readRelations names the relation each level is read from, with its
	// time column.
	readRelations() [levelCount]relation
	// storedRelations names the relation that holds each level's rows, which
	// deleting a tenant's rows deletes from: the tables themselves, never a
	// view over them.
	storedRelations(ctx context.Context) ([levelCount]relation, error)
	// queueWatermarks reads, with the statements of b, per level below
	// which time the relation holds every bucket (above it a read goes to
	// the next finer level), and how many late folds have changed buckets
	// below them.
	queueWatermarks(b *pgx.Batch, w *watermarks)
}

// watermarks is what a read learns about the rollups before it plans.
type watermarks struct {
	complete marks
	// lateFolds counts the writes so far that changed rollup buckets below
	// the minute watermark; -1 when the engine keeps no such count, and
	// then no read may be reused.
	lateFolds int64
}

// relation is a table or view and its time column.
type relation struct{ name, time string }

func newEngine(name Engine, pool *pgxpool.Pool, opts Options) engine {
	if name == EngineTimescale {
		return timescaleEngine{pool: pool, retention: opts.Retention}
	}
	return newPartitionEngine(pool, opts)
}

// resolveEngine picks the engine for VINSIGHT_STORAGE. A database that
// already has check_results keeps the engine it was created with: a plain
// partitioned table means postgres, a regular table (a hypertable) timescale.
func resolveEngine(ctx context.Context, pool *pgxpool.Pool, setting string) (Engine, error) {
	want := Engine(strings.ToLower(strings.TrimSpace(setting)))
	if want == "" {
		want = "auto"
	}
	if want != "auto" && want != EnginePostgres && want != EngineTimescale {
		return "", fmt.Errorf("VINSIGHT_STORAGE=%q: must be auto, timescale or postgres", setting)
	}
	var relkind string
	err := pool.QueryRow(ctx, `
		SELECT coalesce((SELECT c.relkind::text FROM pg_class c
		                 WHERE c.relname = 'check_results'
		                   AND c.relnamespace = current_schema()::regnamespace), '')`).Scan(&relkind)
	if err != nil {
		return "", fmt.Errorf("detect storage engine: %w", err)
	}
	var existing Engine
	switch relkind {
	case "p":
		existing = EnginePostgres
	case "r":
		existing = EngineTimescale
	}
	if existing != "" {
		if want != "auto" && want != existing {
			return "", fmt.Errorf("VINSIGHT_STORAGE=%s but this database was created with the %s engine; use %s or auto", want, existing, existing)
		}
		return existing, nil
	}
	available, err := timescaleAvailable(ctx, pool)
	if err != nil {
		return "", err
	}
	switch {
	case want == EngineTimescale && !available:
		return "", fmt.Errorf("VINSIGHT_STORAGE=timescale but the timescaledb extension is not available in this server (install it and add it to shared_preload_libraries, or use VINSIGHT_STORAGE=auto)")
	case want == "auto" && available:
		return EngineTimescale, nil
	case want == "auto":
		return EnginePostgres, nil
	}
	return want, nil
}

// timescaleAvailable reports whether CREATE EXTENSION timescaledb can work:
// the extension is installed and its library is preloaded (or it already is
// created in this database).
func timescaleAvailable(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	var ok bool
	err := pool.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')
		    OR (EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
		        AND current_setting('shared_preload_libraries') LIKE '%timescaledb%')`).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("detect timescaledb: %w", err)
	}
	return ok, nil
}
