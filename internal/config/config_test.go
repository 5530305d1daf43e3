package config

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://u:p@db/vinsight"}))
	require.NoError(t, err)
	assert.Equal(t, "auto", c.Storage)
	assert.Equal(t, zerolog.InfoLevel, c.LogLevel)
	assert.Equal(t, 8080, c.BackendPort)
	assert.Equal(t, 8081, c.WorkerPort)
	assert.Equal(t, 30, c.MinIntervalSeconds)
	assert.False(t, c.AllowPrivateTargets)
	assert.Equal(t, 30*time.Second, c.ShutdownTimeout)
	assert.Equal(t, time.Second, c.IngestFlushInterval)
}

func TestLoadRejectsBadValuesNamingTheVariable(t *testing.T) {
	cases := map[string]string{
		"DATABASE_URL":                        "mysql://x",
		"VINSIGHT_STORAGE":                    "mongo",
		"LOG_LEVEL":                           "loud",
		"BACKEND_PORT":                        "70000",
		"VINSIGHT_ALLOW_PRIVATE_TARGETS":      "maybe",
		"VINSIGHT_MIN_INTERVAL_SECONDS":       "0",
		"VINSIGHT_SECRET_KEY":                 "too-short",
		"GRAFANA_URL":                         "grafana:3000",
		"VINSIGHT_SHUTDOWN_TIMEOUT":           "forever",
		"VINSIGHT_GRAFANA_RECONCILE_INTERVAL": "0s",
	}
	for name, value := range cases {
		t.Run(name, func(t *testing.T) {
			kv := map[string]string{"DATABASE_URL": "postgres://db/v", name: value}
			_, err := Load(env(kv))
			require.Error(t, err)
			assert.Contains(t, err.Error(), name+"=")
			if name == "VINSIGHT_SECRET_KEY" {
				assert.NotContains(t, err.Error(), value, "a secret is never echoed")
			}
		})
	}
	t.Run("missing DATABASE_URL", func(t *testing.T) {
		_, err := Load(env(nil))
		assert.ErrorContains(t, err, `DATABASE_URL="": required`)
	})
	t.Run("Grafana needs administrator credentials", func(t *testing.T) {
		_, err := Load(env(map[string]string{"DATABASE_URL": "postgres://db/v", "GRAFANA_URL": "http://grafana:3000"}))
		assert.ErrorContains(t, err, "GRAFANA_ADMIN_PASSWORD: required when GRAFANA_URL is set")
		c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://db/v", "GRAFANA_URL": "http://grafana:3000",
			"GRAFANA_ADMIN_PASSWORD": "s3cret"}))
		require.NoError(t, err)
		assert.Equal(t, "admin", c.GrafanaAdminUser)
		assert.Equal(t, time.Minute, c.GrafanaReconcileInterval)
		assert.Equal(t, "<redacted>", c.Effective()["GRAFANA_ADMIN_PASSWORD"])
	})
	t.Run("every problem at once", func(t *testing.T) {
		_, err := Load(env(map[string]string{"BACKEND_PORT": "x", "WORKER_PORT": "y"}))
		require.Error(t, err)
		for _, n := range []string{"DATABASE_URL", "BACKEND_PORT", "WORKER_PORT"} {
			assert.Contains(t, err.Error(), n)
		}
	})
}

func TestEffectiveRedactsSecrets(t *testing.T) {
	key := "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://app:hunter2@db/v", "VINSIGHT_SECRET_KEY": key}))
	require.NoError(t, err)
	eff := c.Effective()
	assert.Equal(t, "<redacted>", eff["VINSIGHT_SECRET_KEY"])
	assert.NotContains(t, eff["DATABASE_URL"], "hunter2")
	assert.Contains(t, eff["DATABASE_URL"], "app:")
	assert.Len(t, eff, len(Settings()))
}

// TestREADMEListsEverySetting keeps the configuration table true.
func TestREADMEListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	for _, s := range Settings() {
		row := "| `" + s.Name + "` |"
		assert.True(t, strings.Contains(string(readme), row), "README configuration table lacks a row for %s", s.Name)
	}
}

func TestRetentionMustGrowWithCoarserRollups(t *testing.T) {
	load := func(kv map[string]string) error {
		kv["DATABASE_URL"] = "postgres://db/v"
		_, err := Load(env(kv))
		return err
	}
	assert.NoError(t, load(map[string]string{}), "the defaults: 30, 30, 400, forever")
	assert.NoError(t, load(map[string]string{"VINSIGHT_RAW_RETENTION_DAYS": "7", "VINSIGHT_ROLLUP_1D_RETENTION_DAYS": "800"}))
	assert.ErrorContains(t, load(map[string]string{"VINSIGHT_ROLLUP_1M_RETENTION_DAYS": "7"}),
		"VINSIGHT_ROLLUP_1M_RETENTION_DAYS=7: must be 0 (forever) or at least VINSIGHT_RAW_RETENTION_DAYS (30)")
	assert.ErrorContains(t, load(map[string]string{"VINSIGHT_ROLLUP_1D_RETENTION_DAYS": "100"}),
		"VINSIGHT_ROLLUP_1D_RETENTION_DAYS=100")
	assert.ErrorContains(t, load(map[string]string{"VINSIGHT_RAW_RETENTION_DAYS": "0"}),
		"VINSIGHT_ROLLUP_1M_RETENTION_DAYS=30", "raw kept forever needs every rollup kept forever")
}
