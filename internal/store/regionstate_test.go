package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

// TestDownNeedsTheQuorumOfRegions: with down_quorum 2, one region seeing the
// monitor down makes it degraded; the second makes it down; recovery in one
// region lifts it back to degraded.
func TestDownNeedsTheQuorumOfRegions(t *testing.T) {
	s := pgtest.NewStore(t, store.EnginePostgres)
	ctx := context.Background()
	tenant, user, err := s.CreateTenantWithOwner(ctx, store.NewOwner{TenantName: "q", Email: "q@example.com", Name: "q", PasswordHash: "x"})
	require.NoError(t, err)
	quorum := 2
	spec := model.MonitorSpec{Name: "api", Type: model.TypeTCP, Target: "db.example.com:5432", IntervalSeconds: 60, TimeoutSeconds: 10,
		Enabled: true, Regions: []string{"eu", "us", "ap"}}
	spec.Config.TCP = &model.TCPConfig{}
	spec.Config.TCP.DownQuorum = &quorum
	m, err := s.CreateMonitor(ctx, tenant, auth.Actor{Type: "user", ID: user}, spec, 10)
	require.NoError(t, err)

	now := time.Now()
	steps := []struct {
		region string
		status model.MonitorStatus
		want   model.MonitorStatus
	}{
		{"eu", model.StatusUp, model.StatusUp},
		{"us", model.StatusUp, model.StatusUp},
		{"eu", model.StatusDown, model.StatusDegraded},
		{"us", model.StatusDown, model.StatusDown},
		{"ap", model.StatusUp, model.StatusDown},
		{"eu", model.StatusUp, model.StatusDegraded},
		{"us", model.StatusUp, model.StatusUp},
	}
	for i, st := range steps {
		now = now.Add(time.Second)
		require.NoError(t, s.RecordMonitorStates(ctx, []store.MonitorState{{TenantID: tenant, MonitorID: m.ID,
			Region: st.region, Status: st.status, CheckedAt: now}}))
		got, err := s.GetMonitor(ctx, tenant, m.ID)
		require.NoError(t, err)
		assert.Equal(t, st.want, got.Status, "step %d: %s %s", i, st.region, st.status)
	}

	// An older state never replaces a newer one.
	require.NoError(t, s.RecordMonitorStates(ctx, []store.MonitorState{{TenantID: tenant, MonitorID: m.ID,
		Region: "eu", Status: model.StatusDown, CheckedAt: now.Add(-time.Hour)}}))
	got, err := s.GetMonitor(ctx, tenant, m.ID)
	require.NoError(t, err)
	assert.Equal(t, model.StatusUp, got.Status)
}
