package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSpoolDirDefaultsToOnePerDatabase(t *testing.T) {
	load := func(kv map[string]string) Config {
		c, err := Load(env(kv))
		require.NoError(t, err)
		return c
	}
	a := load(map[string]string{"DATABASE_URL": "postgres://u:secret@db.example:6543/vinsight?sslmode=disable"})
	assert.Equal(t, filepath.Join(os.TempDir(), "vinsight-spool", "db.example-6543-vinsight"), a.SpoolDir)
	assert.NotContains(t, a.SpoolDir, "secret")
	b := load(map[string]string{"DATABASE_URL": "postgres://u@db.example/other"})
	assert.Equal(t, filepath.Join(os.TempDir(), "vinsight-spool", "db.example-5432-other"), b.SpoolDir)
	assert.Equal(t, 1<<30, a.SpoolMaxBytes)

	set := load(map[string]string{"DATABASE_URL": "postgres://db/v", "VINSIGHT_SPOOL_DIR": "/var/lib/vinsight/spool"})
	assert.Equal(t, "/var/lib/vinsight/spool", set.SpoolDir)

	_, err := Load(env(map[string]string{"DATABASE_URL": "postgres://db/v", "VINSIGHT_SPOOL_MAX_BYTES": "1000"}))
	assert.ErrorContains(t, err, "VINSIGHT_SPOOL_MAX_BYTES=")
}
