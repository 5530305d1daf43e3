package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/golang-migrate/migrate/v4"
	migratepgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/vinsight/vinsight/migrations"
)

// Migrate brings the schema up to date for the engine the store resolved.
// golang-migrate holds a PostgreSQL advisory lock while it works, so two
// backends starting at once apply each migration exactly once.
func (s *Store) Migrate(ctx context.Context) error {
	m, err := s.migrator()
	if err != nil {
		return fmt.Errorf("store.Migrate: %w", err)
	}
	defer m.Close()
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("store.Migrate: %w", err)
	}
	return nil
}

// MigrateDown reverts every migration. Only tests use it.
func (s *Store) MigrateDown(ctx context.Context) error {
	m, err := s.migrator()
	if err != nil {
		return fmt.Errorf("store.MigrateDown: %w", err)
	}
	defer m.Close()
	if err := m.Down(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("store.MigrateDown: %w", err)
	}
	return nil
}

// SchemaStatus reports the applied migration version and the one this
// binary expects.
type SchemaStatus struct {
	Version  uint
	Expected uint
	Dirty    bool
}

// Current is true when the applied schema is exactly what this binary needs.
func (st SchemaStatus) Current() bool { return st.Version == st.Expected && !st.Dirty }

// ErrSchemaNotCurrent marks the errors of SchemaStatus.Err.
var ErrSchemaNotCurrent = errors.New("schema not current")

// Err explains why the schema is not current, or is nil.
func (st SchemaStatus) Err() error {
	switch {
	case st.Dirty:
		return fmt.Errorf("%w: migration %d failed and left the schema dirty; fix it and force the version with golang-migrate", ErrSchemaNotCurrent, st.Version)
	case st.Version < st.Expected:
		return fmt.Errorf("%w: schema is behind: version %d, this binary needs %d; start the backend (it migrates) first", ErrSchemaNotCurrent, st.Version, st.Expected)
	case st.Version > st.Expected:
		return fmt.Errorf("%w: schema is ahead: version %d, this binary knows up to %d; deploy the newer binary", ErrSchemaNotCurrent, st.Version, st.Expected)
	}
	return nil
}

// Schema reads the applied migration version without taking any lock.
func (s *Store) Schema(ctx context.Context) (SchemaStatus, error) {
	expected, err := migrations.Latest(string(s.Engine()))
	if err != nil {
		return SchemaStatus{}, fmt.Errorf("store.Schema: %w", err)
	}
	st := SchemaStatus{Expected: expected}
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return st, fmt.Errorf("store.Schema: %w", err)
	}
	if !exists {
		return st, nil
	}
	var version int64
	err = s.pool.QueryRow(ctx, `SELECT version, dirty FROM schema_migrations LIMIT 1`).Scan(&version, &st.Dirty)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return st, fmt.Errorf("store.Schema: %w", err)
	}
	st.Version = uint(version)
	return st, nil
}

func (s *Store) migrator() (*migrate.Migrate, error) {
	fsys, err := migrations.Source(string(s.Engine()))
	if err != nil {
		return nil, err
	}
	src, err := iofs.New(fsys, ".")
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDB(*s.pool.Config().ConnConfig)
	driver, err := migratepgx.WithInstance(db, &migratepgx.Config{})
	if err != nil {
		db.Close()
		return nil, err
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", driver)
	if err != nil {
		db.Close()
		return nil, err
	}
	return m, nil
}

// Readiness is what /ready reports when the store can serve.
type Readiness struct {
	Storage       Engine `json:"storage"`
	SchemaVersion uint   `json:"schema_version"`
}

// Ready checks that the database answers and the schema is current.
func (s *Store) Ready(ctx context.Context) (Readiness, error) {
	r := Readiness{Storage: s.Engine()}
	if err := s.Ping(ctx); err != nil {
		return r, err
	}
	st, err := s.Schema(ctx)
	if err != nil {
		return r, err
	}
	r.SchemaVersion = st.Version
	return r, st.Err()
}
