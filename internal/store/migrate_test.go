package store_test

import (
	"context"
	"sort"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
	"github.com/vinsight/vinsight/migrations"
)

func tables(t *testing.T, s *store.Store) []string {
	return names(t, s, `
		SELECT c.relname FROM pg_class c
		WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
		  AND c.relname NOT LIKE 'check_results_p%' AND c.relname <> 'schema_migrations'
		ORDER BY 1`)
}

// names runs a query that returns one text column.
func names(t *testing.T, s *store.Store, sql string) []string {
	t.Helper()
	rows, err := s.Pool().Query(context.Background(), sql)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return out
}

func TestMigrateUpDownUp(t *testing.T) {
	pgtest.Engines(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		s, err := store.Open(ctx, pgtest.NewEmptyDB(t), store.Options{Storage: string(engine)})
		require.NoError(t, err)
		defer s.Close()
		require.Equal(t, engine, s.Engine())

		st, err := s.Schema(ctx)
		require.NoError(t, err)
		assert.False(t, st.Current(), "an empty database is behind")
		assert.ErrorContains(t, st.Err(), "schema is behind")

		want := []string{"api_keys", "audit_log", "badge_tokens", "cert_warnings", "check_results", "check_rollup_1d", "check_rollup_1h", "check_rollup_1m",
			"grafana_orgs", "incident_events", "incidents", "ingest_batches", "invites", "maintenance_windows", "memberships", "monitor_channels",
			"monitor_region_states", "monitors", "notification_attempts", "notification_channels", "notification_deliveries",
			"notification_events", "sessions", "shard_leases", "status_pages", "tenants", "users", "workers"}
		if engine == store.EnginePostgres {
			want = append(want, "check_rollup_1d_mat", "check_rollup_1h_mat", "check_rollup_1m_mat", "rollup_watermarks")
			sort.Strings(want)
		}
		for round := 1; round <= 2; round++ {
			require.NoError(t, s.Migrate(ctx), "up, round %d", round)
			assert.Equal(t, want, tables(t, s), "after up, round %d", round)
			st, err := s.Schema(ctx)
			require.NoError(t, err)
			latest, err := migrations.Latest(string(engine))
			require.NoError(t, err)
			assert.Equal(t, latest, st.Version)
			assert.True(t, st.Current())
			assert.NoError(t, st.Err())

			require.NoError(t, s.MigrateDown(ctx), "down, round %d", round)
			assert.Empty(t, tables(t, s), "after down, round %d", round)
		}
		require.NoError(t, s.Migrate(ctx))
		assert.Equal(t, want, tables(t, s))
	})
}

func TestMigrateConcurrentBackends(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewEmptyDB(t)
	const backends = 4
	var wg sync.WaitGroup
	errs := make([]error, backends)
	for i := range backends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := store.Open(ctx, url, store.Options{Storage: "postgres"})
			if err != nil {
				errs[i] = err
				return
			}
			defer s.Close()
			errs[i] = s.Migrate(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "backend %d", i)
	}
	s, err := store.Open(ctx, url, store.Options{})
	require.NoError(t, err)
	defer s.Close()
	st, err := s.Schema(ctx)
	require.NoError(t, err)
	assert.True(t, st.Current())
}

func TestResolveEngine(t *testing.T) {
	ctx := context.Background()
	t.Run("invalid setting names the variable", func(t *testing.T) {
		_, err := store.Open(ctx, pgtest.NewEmptyDB(t), store.Options{Storage: "mysql"})
		assert.ErrorContains(t, err, `VINSIGHT_STORAGE="mysql"`)
	})
	t.Run("auto picks what the server offers", func(t *testing.T) {
		s, err := store.Open(ctx, pgtest.NewEmptyDB(t), store.Options{Storage: "auto"})
		require.NoError(t, err)
		defer s.Close()
		want := store.EnginePostgres
		if pgtest.TimescaleAvailable() {
			want = store.EngineTimescale
		}
		assert.Equal(t, want, s.Engine())
	})
	t.Run("timescale without the extension is refused", func(t *testing.T) {
		if pgtest.TimescaleAvailable() {
			t.Skip("TimescaleDB is installed here, so the refusal cannot be provoked")
		}
		_, err := store.Open(ctx, pgtest.NewEmptyDB(t), store.Options{Storage: "timescale"})
		assert.ErrorContains(t, err, "timescaledb extension is not available")
	})
	t.Run("an existing database keeps its engine", func(t *testing.T) {
		url := pgtest.NewDB(t, store.EnginePostgres)
		s, err := store.Open(ctx, url, store.Options{Storage: "auto"})
		require.NoError(t, err)
		s.Close()
		assert.Equal(t, store.EnginePostgres, s.Engine())
		_, err = store.Open(ctx, url, store.Options{Storage: "timescale"})
		assert.ErrorContains(t, err, "created with the postgres engine")
	})
}
