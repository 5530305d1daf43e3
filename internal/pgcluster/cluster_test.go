package pgcluster

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStartStopRestartKeepsData(t *testing.T) {
	ctx := context.Background()
	parent, err := os.MkdirTemp("", "vinsight-pgcluster-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(parent) })
	require.NoError(t, os.Chmod(parent, 0o755))
	dir := filepath.Join(parent, "pg")

	c, err := Start(ctx, Options{Dir: dir})
	require.NoError(t, err)
	assert.NotEqual(t, 5432, c.Port)
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)`)
	require.NoError(t, err)
	conn.Close(ctx)
	require.NoError(t, c.Stop())
	select {
	case <-c.Done():
	default:
		t.Fatal("server still running after Stop")
	}

	c, err = Start(ctx, Options{Dir: dir})
	require.NoError(t, err)
	defer c.Stop()
	conn, err = pgx.Connect(ctx, c.URL("postgres"))
	require.NoError(t, err)
	defer conn.Close(ctx)
	var v int
	require.NoError(t, conn.QueryRow(ctx, `SELECT v FROM kept`).Scan(&v))
	assert.Equal(t, 42, v)
}

func TestUnreachableDirectoryIsExplained(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands the cluster to another account")
	}
	closed, err := os.MkdirTemp("", "vinsight-closed-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(closed) })
	_, err = Start(context.Background(), Options{Dir: filepath.Join(closed, "pg")})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not searchable by other users")
}
