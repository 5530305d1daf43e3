package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/pgtest"
	"github.com/vinsight/vinsight/internal/store"
)

// TestDashboardOfManyMonitorsMatchesEachOnItsOwn: a dashboard of enough
// monitors to be read in two halves at once gives every monitor the bars,
// hours and 24-hour figure that its own reads give, early and late in an
// hour (the 24 hours' first partial hour is read two ways), with results
// on both sides of the 24-hour edge.
func TestDashboardOfManyMonitorsMatchesEachOnItsOwn(t *testing.T) {
	ctx := context.Background()
	s := pgtest.NewStore(t, store.EnginePostgres)
	tenant, user, err := s.CreateTenantWithOwner(ctx, store.NewOwner{TenantName: "many", Email: "m@example.com", Name: "m", PasswordHash: "x"})
	require.NoError(t, err)
	now := time.Now().UTC()
	var results []model.CheckResult
	for i := range 250 {
		spec := model.MonitorSpec{Name: fmt.Sprintf("m%03d", i), Type: model.TypeTCP, Target: "127.0.0.1:9", IntervalSeconds: 60, TimeoutSeconds: 5}
		spec.Config.TCP = &model.TCPConfig{}
		m, err := s.CreateMonitor(ctx, tenant, auth.Actor{Type: "user", ID: user}, spec, 1000)
		require.NoError(t, err)
		nearEdge := 24*time.Hour + time.Duration(i%120-60)*time.Minute + 17*time.Second
		for j, ago := range []time.Duration{50 * time.Hour, 26 * time.Hour, 23 * time.Hour, 3 * time.Hour, time.Duration(i+1) * time.Second, nearEdge} {
			lat := float64(10 + i + j)
			r := model.CheckResult{Time: now.Add(-ago), TenantID: tenant, MonitorID: m.ID, Region: "test", Status: model.ResultUp, LatencyMS: &lat}
			if (i+j)%4 == 0 {
				r.Status, r.LatencyMS, r.ErrorKind = model.ResultDown, nil, "timeout"
			}
			results = append(results, r)
		}
	}
	require.NoError(t, s.WriteResults(ctx, results))

	// Half an hour apart: one of the two is in the first half of its hour.
	for _, now := range []time.Time{now, now.Add(30 * time.Minute)} {
		checkDashboardAgainstOwnReads(t, s, tenant, now)
	}
}

func checkDashboardAgainstOwnReads(t *testing.T, s *store.Store, tenant uuid.UUID, now time.Time) {
	ctx := context.Background()
	rows, total, _, err := s.Dashboard(ctx, tenant, store.MonitorFilter{Limit: 1000}, 4, now)
	require.NoError(t, err)
	require.Equal(t, 250, total)
	require.Len(t, rows, 250)
	hourFrom := now.Truncate(time.Hour).Add(-23 * time.Hour)
	for _, r := range rows {
		days, err := s.Daily(ctx, tenant, r.ID, 4, now)
		require.NoError(t, err)
		for i, d := range days {
			assert.Equal(t, d.Checks, r.Daily[i].Checks, "%s day %d", r.Name, i)
			assert.Equal(t, d.Failed(), r.Daily[i].Failed(), "%s day %d", r.Name, i)
		}
		windows, err := s.UptimeWindows(ctx, tenant, r.ID, []time.Duration{24 * time.Hour}, now)
		require.NoError(t, err)
		assert.Equal(t, windows[0].Checks, r.Last24h.Checks, r.Name)
		assert.Equal(t, windows[0].Failed(), r.Last24h.Failed(), r.Name)
		hours, err := s.Series(ctx, tenant, r.ID, hourFrom, now, time.Hour, now)
		require.NoError(t, err)
		for i, h := range hours {
			assert.Equal(t, h.LatencyAvgMS(), r.Hourly[i].LatencyAvgMS(), "%s hour %d", r.Name, i)
		}
	}
	var checks int64
	for _, r := range rows {
		checks += r.Last24h.Checks
	}
	assert.Greater(t, checks, int64(3*250), "the results near the edge count in some monitors' 24 hours")
	assert.Less(t, checks, int64(4*250), "and not in others'")
}
