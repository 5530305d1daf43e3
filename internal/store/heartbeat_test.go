package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

// TestJudgeHeartbeatsOncePerMiss: every worker judges at once, the miss is
// recorded once.
func TestJudgeHeartbeatsOncePerMiss(t *testing.T) {
	s := pgtest.NewStore(t, store.EnginePostgres)
	ctx := context.Background()
	tenant, _, err := s.CreateTenantWithOwner(ctx, store.NewOwner{TenantName: "t", Email: "t@example.com", Name: "t", PasswordHash: "x"})
	require.NoError(t, err)
	_, err = s.Pool().Exec(ctx, `INSERT INTO monitors (tenant_id, name, type, interval_seconds, timeout_seconds, config, updated_at)
		VALUES ($1, 'cron', 'heartbeat', 60, 30, '{"grace_seconds": 30}', now() - interval '5 minutes'),
		       ($1, 'fresh', 'heartbeat', 60, 30, '{"grace_seconds": 30}', now())`, tenant)
	require.NoError(t, err)

	var wg sync.WaitGroup
	counts := make([]int, 4)
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := s.JudgeHeartbeats(ctx, "r", time.Now())
			assert.NoError(t, err)
			counts[i] = n
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, counts[0]+counts[1]+counts[2]+counts[3])
	var rows int
	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM check_results WHERE status = 'down' AND error_kind = 'timeout'`).Scan(&rows))
	assert.Equal(t, 1, rows, "only the overdue monitor, once")
}
