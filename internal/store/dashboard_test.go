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

// TestDashboardKeepsEndedDaysUntilTheyChange: a dashboard read again keeps
// the bars of ended days from the first read (shown by rows taken out
// behind the store's back still counting), and reads them again as soon
// as late results are folded into them or a maintenance window covers
// them; today's bar is always read.
func TestDashboardKeepsEndedDaysUntilTheyChange(t *testing.T) {
	ctx := context.Background()
	s := pgtest.NewStore(t, store.EnginePostgres)
	tenant, user, err := s.CreateTenantWithOwner(ctx, store.NewOwner{TenantName: "kept", Email: "k@example.com", Name: "k", PasswordHash: "x"})
	require.NoError(t, err)
	actor := auth.Actor{Type: "user", ID: user}
	now := time.Now().UTC()
	if now.Sub(now.Truncate(24*time.Hour)) < 10*time.Minute {
		now = now.Add(-10 * time.Minute) // clear of midnight, so today has a result's room
	}
	today := now.Truncate(24 * time.Hour)
	var ids []uuid.UUID
	var results []model.CheckResult
	for i := range 3 {
		spec := model.MonitorSpec{Name: fmt.Sprintf("k%d", i), Type: model.TypeTCP, Target: "127.0.0.1:9", IntervalSeconds: 60, TimeoutSeconds: 5}
		spec.Config.TCP = &model.TCPConfig{}
		m, err := s.CreateMonitor(ctx, tenant, actor, spec, 1000)
		require.NoError(t, err)
		ids = append(ids, m.ID)
		for d := 1; d <= 3; d++ {
			for k := range 4 {
				r := model.CheckResult{Time: today.AddDate(0, 0, -d).Add(time.Duration(2+k*5) * time.Hour), TenantID: tenant, MonitorID: m.ID, Region: "test", Status: model.ResultUp}
				if k == i {
					r.Status, r.ErrorKind = model.ResultDown, "timeout"
				}
				results = append(results, r)
			}
		}
	}
	require.NoError(t, s.WriteResults(ctx, results))
	require.NoError(t, s.MaterializeRollups(ctx, now))

	dashboard := func() []store.DashboardRow {
		rows, _, _, err := s.Dashboard(ctx, tenant, store.MonitorFilter{Limit: 100}, 4, now)
		require.NoError(t, err)
		require.Len(t, rows, 3)
		return rows
	}
	ownDays := func(id uuid.UUID) []int64 {
		days, err := s.Daily(ctx, tenant, id, 4, now)
		require.NoError(t, err)
		var checks []int64
		for _, d := range days {
			checks = append(checks, d.Checks)
		}
		return checks
	}
	barChecks := func(r store.DashboardRow) []int64 {
		var checks []int64
		for _, d := range r.Daily {
			checks = append(checks, d.Checks)
		}
		return checks
	}

	first := dashboard()
	for _, r := range first {
		assert.Equal(t, []int64{4, 4, 4, 0}, barChecks(r), r.Name)
		assert.Equal(t, int64(1), r.Daily[0].Failed(), r.Name)
	}

	// Taken out behind the store's back: the kept bars still count them.
	_, err = s.Pool().Exec(ctx, `DELETE FROM check_rollup_1d_mat WHERE monitor_id = $1 AND bucket = $2`, ids[0], today.AddDate(0, 0, -2))
	require.NoError(t, err)
	assert.Equal(t, []int64{4, 0, 4, 0}, ownDays(ids[0]), "a read of its own sees the day gone")
	for i, r := range dashboard() {
		assert.Equal(t, barChecks(first[i]), barChecks(r), "kept: %s", r.Name)
	}

	// A late result for an ended day: every bar is read again.
	late := model.CheckResult{Time: today.AddDate(0, 0, -1).Add(time.Hour), TenantID: tenant, MonitorID: ids[1], Region: "test", Status: model.ResultDown, ErrorKind: "timeout"}
	require.NoError(t, s.WriteResults(ctx, []model.CheckResult{late}))
	rows := dashboard()
	for _, r := range rows {
		assert.Equal(t, ownDays(r.ID), barChecks(r), "read again: %s", r.Name)
	}
	assert.Equal(t, []int64{4, 0, 4, 0}, barChecks(rows[0]))
	assert.Equal(t, []int64{4, 4, 5, 0}, barChecks(rows[1]))
	assert.Equal(t, int64(2), rows[1].Daily[2].Failed())

	// A maintenance window over part of an ended day, for one monitor.
	w, err := model.MaintenanceInput{Name: "night work", StartsAt: today.AddDate(0, 0, -3).Format(time.RFC3339),
		EndsAt: today.AddDate(0, 0, -3).Add(10 * time.Hour).Format(time.RFC3339), MonitorIDs: []string{ids[2].String()}}.Validate()
	require.NoError(t, err)
	_, err = s.CreateMaintenanceWindow(ctx, tenant, actor, w)
	require.NoError(t, err)
	rows = dashboard()
	assert.Equal(t, []int64{2, 4, 4, 0}, barChecks(rows[2]), "the results at 02:00 and 07:00 were in maintenance")
	assert.Equal(t, barChecks(first[0])[0], barChecks(rows[0])[0], "the others keep theirs")

	// Today's bar is read every time: a result above the watermarks folds
	// nothing and counts at once.
	require.NoError(t, s.WriteResults(ctx, []model.CheckResult{{Time: now.Add(-10 * time.Second), TenantID: tenant, MonitorID: ids[0], Region: "test", Status: model.ResultUp}}))
	rows = dashboard()
	assert.Equal(t, []int64{4, 0, 4, 1}, barChecks(rows[0]))
}
