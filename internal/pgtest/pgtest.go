// Package pgtest gives tests a real PostgreSQL: each test binary (package)
// starts its own private cluster on a free port from TestMain, and each test
// gets a fresh database cloned from a migrated template.
package pgtest

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/pgcluster"
	"github.com/vinsight/vinsight/internal/store"
)

var (
	cluster   *pgcluster.Cluster
	templates sync.Map // store.Engine -> *template
	createMu  sync.Mutex
	dbSeq     atomic.Int64
)

type template struct {
	once sync.Once
	name string
	err  error
}

// Main starts the package's cluster, runs the tests and stops it. Call it
// from TestMain: func TestMain(m *testing.M) { pgtest.Main(m) }.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "vinsight-pgtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	cluster, err = pgcluster.Start(context.Background(), pgcluster.Options{Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 1
	}
	defer cluster.Stop()
	return m.Run()
}

// TimescaleAvailable reports whether the cluster preloads TimescaleDB.
func TimescaleAvailable() bool { return mustCluster().Timescale }

// Engines runs fn once per storage engine as a subtest. The TimescaleDB
// subtest is skipped, saying why, when the extension is not installed.
func Engines(t *testing.T, fn func(t *testing.T, engine store.Engine)) {
	for _, e := range []store.Engine{store.EnginePostgres, store.EngineTimescale} {
		t.Run(string(e), func(t *testing.T) {
			if e == store.EngineTimescale && !TimescaleAvailable() {
				t.Skip("TimescaleDB extension not installed on this machine (no timescaledb.so for these PostgreSQL binaries); the plain PostgreSQL engine was tested")
			}
			fn(t, e)
		})
	}
}

// AdminURL is the superuser URL of database db in the package's cluster.
func AdminURL(db string) string { return mustCluster().URL(db) }

// NewEmptyDB creates an empty database and returns its URL.
func NewEmptyDB(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("test_%d", dbSeq.Add(1))
	require.NoError(t, exec(context.Background(), "CREATE DATABASE "+name))
	return AdminURL(name)
}

// NewDB returns the URL of a fresh database migrated for engine.
func NewDB(t testing.TB, engine store.Engine) string {
	t.Helper()
	tmpl, err := templateFor(engine)
	require.NoError(t, err, "build %s template database", engine)
	name := fmt.Sprintf("test_%d", dbSeq.Add(1))
	require.NoError(t, exec(context.Background(), fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s STRATEGY FILE_COPY", name, tmpl)))
	return AdminURL(name)
}

// SecretKey is the VINSIGHT_SECRET_KEY of test stores (32 bytes, hex).
const SecretKey = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// NewStore opens a store on a fresh migrated database, closed when the test
// ends; it seals channel secrets with SecretKey.
func NewStore(t testing.TB, engine store.Engine) *store.Store {
	t.Helper()
	s, _ := NewStoreURL(t, engine)
	return s
}

// NewStoreURL is NewStore that also returns the database URL, for tests
// that start a worker process on the same database.
func NewStoreURL(t testing.TB, engine store.Engine) (*store.Store, string) {
	t.Helper()
	return NewStoreOptions(t, engine, store.Options{})
}

// NewStoreOptions is NewStoreURL with options, for tests that need a
// retention; the engine and SecretKey are set here.
func NewStoreOptions(t testing.TB, engine store.Engine, opts store.Options) (*store.Store, string) {
	t.Helper()
	opts.Storage = string(engine)
	opts.SecretKey, _ = hex.DecodeString(SecretKey)
	url := NewDB(t, engine)
	s, err := store.Open(context.Background(), url, opts)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s, url
}

func templateFor(engine store.Engine) (string, error) {
	v, _ := templates.LoadOrStore(engine, &template{name: "template_" + string(engine)})
	tmpl := v.(*template)
	tmpl.once.Do(func() { tmpl.err = buildTemplate(tmpl.name, engine) })
	return tmpl.name, tmpl.err
}

func buildTemplate(name string, engine store.Engine) error {
	ctx := context.Background()
	if err := exec(ctx, "CREATE DATABASE "+name); err != nil {
		return err
	}
	s, err := store.Open(ctx, AdminURL(name), store.Options{Storage: string(engine)})
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Migrate(ctx)
}

// exec runs one statement in the postgres database; database creation is
// serialised because CREATE DATABASE refuses a template that is in use.
func exec(ctx context.Context, sql string) error {
	createMu.Lock()
	defer createMu.Unlock()
	conn, err := pgx.Connect(ctx, AdminURL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func mustCluster() *pgcluster.Cluster {
	if cluster == nil {
		panic("pgtest: no cluster; call pgtest.Main(m) from TestMain")
	}
	return cluster
}

// TenantRows counts the rows of a tenant in every relation of the schema
// that has a tenant_id column (tables, partitioned tables as a whole, views
// such as the rollups), and its row in tenants, by relation name. It reads
// as the owner, past row-level security, so it sees what is really there.
func TenantRows(t testing.TB, s *store.Store, tenantID uuid.UUID) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	rows, err := s.Pool().Query(ctx, `
		SELECT c.relname FROM pg_class c
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition
		ORDER BY c.relname`)
	require.NoError(t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.NotEmpty(t, names)
	counts := map[string]int64{}
	for _, name := range names {
		var n int64
		require.NoError(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{name}.Sanitize()+` WHERE tenant_id = $1`,
			tenantID).Scan(&n), name)
		counts[name] = n
	}
	var n int64
	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM tenants WHERE id = $1`, tenantID).Scan(&n))
	counts["tenants"] = n
	return counts
}
