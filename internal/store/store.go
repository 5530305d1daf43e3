// Package store is the one place that talks to PostgreSQL. Every method on
// tenant data takes the tenant id and its SQL filters by it.
package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vinsight/vinsight/internal/config"
	"github.com/vinsight/vinsight/internal/seal"
)

// Options configures Open.
type Options struct {
	// Storage is the VINSIGHT_STORAGE setting: auto, timescale or postgres.
	Storage string
	// MaxConns caps the pool; 0 keeps pgxpool's default.
	MaxConns int32
	// PartitionDaysAhead is how many future days of partitions the plain
	// engine keeps ready.
	PartitionDaysAhead int
	// Retention is how long raw results and each rollup are kept.
	Retention Retention
	// Tracer sees every statement (benchmarks explain what the store runs).
	Tracer pgx.QueryTracer
	// SecretKey seals notification channel configs (VINSIGHT_SECRET_KEY);
	// without it channels can be neither stored nor read.
	SecretKey []byte
	// NotifyMaxAttempts is how often a notification is tried before it is
	// given up; 0 means 10.
	NotifyMaxAttempts int
}

// ConfigOptions maps the process configuration onto Options.
func ConfigOptions(c config.Config) Options {
	return Options{Storage: c.Storage, MaxConns: int32(c.DBMaxConns),
		PartitionDaysAhead: c.PartitionDaysAhead,
		Retention: Retention{RawDays: c.RawRetentionDays, MinuteDays: c.MinuteRetentionDays,
			HourDays: c.HourRetentionDays, DayDays: c.DayRetentionDays},
		SecretKey: c.SecretKeyBytes(), NotifyMaxAttempts: c.NotifyMaxAttempts}
}

// Store holds the connection pool and the storage engine in use.
type Store struct {
	pool   *pgxpool.Pool
	engine engine
	opts   Options
	box    *seal.Box
	// aggregateSQL is the analytics statement for the engine's relations,
	// per column set.
	aggregateSQL [3]string
	// onePlan serves the analytics statement for one monitor with a
	// generic plan (nil when every read is planned for its arguments).
	onePlan *pgxpool.Pool
	// pastDays keeps dashboards' bars of ended days.
	pastDays pastDays
}

// Open connects to the database and resolves the storage engine. It does not
// migrate: the backend runs Migrate first, the worker checks SchemaCurrent.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	box, err := seal.New(opts.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("store.Open: VINSIGHT_SECRET_KEY: %w", err)
	}
	if opts.NotifyMaxAttempts <= 0 {
		opts.NotifyMaxAttempts = 10
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store.Open: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	cfg.ConnConfig.Tracer = opts.Tracer
	// The analytics statements are planned with costs in the millions (the
	// planner cannot see how few rows each span holds); JIT compiling them
	// costs seconds and saves nothing at these row counts.
	cfg.ConnConfig.RuntimeParams["jit"] = "off"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store.Open: %w", err)
	}
	name, err := resolveEngine(ctx, pool, opts.Storage)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("store.Open: %w", err)
	}
	s := &Store{pool: pool, opts: opts, box: box}
	s.engine = newEngine(name, pool, opts)
	if name == EnginePostgres {
		// One monitor's reads run on connections that keep one generic plan
		// per statement: planning the analytics statement for its arguments
		// took 1.3 ms plus 0.5 ms of parsing, three times what running it
		// takes, and the generic plan is the same nested loop of range
		// scans, its raw partitions pruned when it starts. (TimescaleDB
		// keeps custom plans: it fixes a continuous aggregate's watermark
		// while planning.)
		one := cfg.Copy()
		one.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
		one.MaxConns = max(4, cfg.MaxConns/2)
		if s.onePlan, err = pgxpool.NewWithConfig(ctx, one); err != nil {
			pool.Close()
			return nil, fmt.Errorf("store.Open: %w", err)
		}
	}
	for cols := range s.aggregateSQL {
		s.aggregateSQL[cols] = buildAggregateSQL(s.engine.readRelations(), columns(cols))
	}
	return s, nil
}

// Close releases the pools.
func (s *Store) Close() {
	s.pool.Close()
	if s.onePlan != nil {
		s.onePlan.Close()
	}
}

// Engine names the storage engine in use.
func (s *Store) Engine() Engine { return s.engine.name() }

// Pool exposes the pool for the few callers that run their own SQL
// (tests and benchmarks).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("store.Ping: %w", err)
	}
	return nil
}

// inTx runs fn in a transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}
