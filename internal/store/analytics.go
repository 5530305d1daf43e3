package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
)

// Day is the width of a daily bucket: UTC days, as date_bin from the
// bucket origin draws them in both engines.
const Day = 24 * time.Hour

// WindowSummary sums a monitor's checks over [From, To).
type WindowSummary struct {
	Window    time.Duration
	From, To  time.Time
	Incidents int // incidents that overlap the window, outside maintenance
	model.Rollup
}

// Bucket sums a monitor's checks in the bucket starting at Start.
type Bucket struct {
	Start time.Time
	model.Rollup
}

// UptimeWindows summarises the monitor over each window ending at now,
// without the latency histogram.
func (s *Store) UptimeWindows(ctx context.Context, tenantID, monitorID uuid.UUID, windows []time.Duration, now time.Time) ([]WindowSummary, error) {
	out := make([]WindowSummary, len(windows))
	ranges := make([]sumRange, len(windows))
	for i, w := range windows {
		out[i] = WindowSummary{Window: w, From: now.Add(-w), To: now}
		ranges[i] = sumRange{from: out[i].From, to: now, top: level1d, key: int32(i)}
	}
	spans := make([]model.Interval, len(out))
	for i, w := range out {
		spans[i] = model.Interval{From: w.From, To: w.To}
	}
	counts, err := s.sumsAndIncidents(ctx, tenantID, []uuid.UUID{monitorID}, ranges, spans, now, summaryColumns, 0,
		func(key int32, _ uuid.UUID, _ time.Time, r *model.Rollup) { out[key].Add(*r) })
	if err != nil {
		return nil, fmt.Errorf("store.UptimeWindows: %w", err)
	}
	for i := range out {
		out[i].Incidents = counts[monitorID][i]
	}
	return out, nil
}

// Series sums the monitor's checks per step over [from, to); buckets are
// date_bin(step) buckets, the first and the last cut to the range, and
// buckets without checks are included, so the series has no gaps.
func (s *Store) Series(ctx context.Context, tenantID, monitorID uuid.UUID, from, to time.Time, step time.Duration, now time.Time) ([]Bucket, error) {
	return s.series(ctx, tenantID, monitorID, from, to, step, now, histogramColumns)
}

func (s *Store) series(ctx context.Context, tenantID, monitorID uuid.UUID, from, to time.Time, step time.Duration, now time.Time, cols columns) ([]Bucket, error) {
	out := emptyBuckets(from, to, step)
	first := floorTo(from, step)
	err := s.sums(ctx, tenantID, []uuid.UUID{monitorID},
		[]sumRange{{from: from, to: to, top: topLevelFor(step), step: step}}, now, cols,
		func(_ int32, _ uuid.UUID, bucket time.Time, r *model.Rollup) {
			out[int(bucket.Sub(first)/step)].Add(*r)
		})
	if err != nil {
		return nil, fmt.Errorf("store.Series: %w", err)
	}
	return out, nil
}

// emptyBuckets lists the step buckets that meet [from, to).
func emptyBuckets(from, to time.Time, step time.Duration) []Bucket {
	var out []Bucket
	for t := floorTo(from, step); t.Before(to); t = t.Add(step) {
		out = append(out, Bucket{Start: t})
	}
	return out
}

// DailyRange is the range of the last days UTC days, today included.
func DailyRange(days int, now time.Time) (from, to time.Time) {
	today := floorTo(now, Day)
	return today.AddDate(0, 0, 1-days), now
}

// Daily sums the monitor's checks per UTC day over the last days days,
// today (so far) included, oldest first; without the latency histogram.
func (s *Store) Daily(ctx context.Context, tenantID, monitorID uuid.UUID, days int, now time.Time) ([]Bucket, error) {
	from, to := DailyRange(days, now)
	return s.series(ctx, tenantID, monitorID, from, to, Day, now, summaryColumns)
}

// DashboardRow is one monitor on the dashboard.
type DashboardRow struct {
	MonitorSummary
	LastLatencyMS *float64
	Last24h       model.Rollup
	Daily         []model.Rollup // one per day of the dashboard, oldest first
	Hourly        []model.Rollup // the last 24 hours, oldest first
}

// Dashboard span keys.
const (
	keyLast24h int32 = iota
	keyDaily
	keyHourly
	keyBefore24h // taken back out of keyLast24h
)

// Dashboard answers every monitor the filter selects with its last
// latency, the last 24 hours, one summary per day of the last days days and
// one per hour of the last 24, in the same few statements whatever the
// monitor count.
// dayStarts names the days.
func (s *Store) Dashboard(ctx context.Context, tenantID uuid.UUID, f MonitorFilter, days int, now time.Time) (rows []DashboardRow, total int, dayStarts []time.Time, err error) {
	list, total, err := s.listMonitorSummaries(ctx, tenantID, f)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("store.Dashboard: %w", err)
	}
	dayFrom, _ := DailyRange(days, now)
	hourFrom := floorTo(now, time.Hour).Add(-23 * time.Hour)
	for d := range days {
		dayStarts = append(dayStarts, dayFrom.AddDate(0, 0, d))
	}
	if len(list) == 0 {
		return nil, total, dayStarts, nil
	}
	ids := make([]uuid.UUID, len(list))
	rows = make([]DashboardRow, len(list))
	at := make(map[uuid.UUID]*DashboardRow, len(list))
	for i, m := range list {
		ids[i] = m.ID
		rows[i] = DashboardRow{MonitorSummary: m, Daily: make([]model.Rollup, days), Hourly: make([]model.Rollup, 24)}
		at[m.ID] = &rows[i]
	}
	// Each piece of time is read once: the hours (the current one to the
	// last result) also make today's bar and most of the last 24 hours;
	// the days before today make the other bars. The 24 hours start inside
	// the hour before the first: its part inside the 24 hours is read as
	// minutes, or, when that part is the longer one, as the whole hour
	// minus the minutes before the 24 hours (the dashboard shows the
	// 24 hours' counts only, which subtract exactly).
	today := floorTo(now, Day)
	dayStart, edgeHour := now.Add(-24*time.Hour), hourFrom.Add(-time.Hour)
	edge := []sumRange{{from: dayStart, to: hourFrom, top: level1h, key: keyLast24h}}
	if dayStart.Sub(edgeHour) < hourFrom.Sub(dayStart) {
		edge = []sumRange{
			{from: edgeHour, to: hourFrom, top: level1h, key: keyLast24h},
			{from: edgeHour, to: dayStart, top: level1h, key: keyBefore24h},
		}
	}
	// The last latencies are read meanwhile, on another connection; they
	// fill a field of the rows that the sums leave alone.
	latencies := make(chan error, 1)
	go func() { latencies <- s.lastLatencies(ctx, tenantID, list, at) }()
	var row *DashboardRow
	recent := append([]sumRange{{from: hourFrom, to: now, top: level1h, key: keyHourly, step: time.Hour}}, edge...)
	past := sumRange{from: dayFrom, to: today, top: level1d, key: keyDaily, step: Day}
	err = s.dashboardSums(ctx, tenantID, ids, recent, past, now, at, func(key int32, monitor uuid.UUID, bucket time.Time, r *model.Rollup) {
		// Pieces arrive a monitor at a time: look it up when it changes.
		if row == nil || row.ID != monitor {
			row = at[monitor]
		}
		switch key {
		case keyLast24h:
			row.Last24h.Add(*r)
		case keyBefore24h:
			row.Last24h.RemoveCounts(*r)
		case keyDaily:
			row.Daily[int(bucket.Sub(dayFrom)/Day)].Add(*r)
		case keyHourly:
			row.Hourly[int(bucket.Sub(hourFrom)/time.Hour)].Add(*r)
			row.Last24h.Add(*r)
			if !bucket.Before(today) {
				row.Daily[days-1].Add(*r)
			}
		}
	})
	if err := errors.Join(err, <-latencies); err != nil {
		return nil, 0, nil, fmt.Errorf("store.Dashboard: %w", err)
	}
	return rows, total, dayStarts, nil
}

// dashboardSums reads the recent ranges for every monitor and the past
// days for the monitors whose bars for them are not kept from an earlier
// dashboard (see pastDays), and keeps what it read of those.
func (s *Store) dashboardSums(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID, recent []sumRange, past sumRange, now time.Time,
	at map[uuid.UUID]*DashboardRow, visit visitFunc) error {
	pre, err := s.readPrelude(ctx, tenantID, ids, past.from, now, nil)
	if err != nil {
		return err
	}
	wm := pre.watermarks
	keys := make(map[uuid.UUID]pastDaysKey, len(ids))
	var missing []uuid.UUID
	for _, id := range ids {
		bars := pastBars(at[id])
		key, keep := pastDaysKeyOf(tenantID, past.from, past.to, wm, pre.maintenance[id])
		if keep {
			keys[id] = key
		}
		if !keep || !s.pastDays.get(id, key, bars) {
			missing = append(missing, id)
		}
	}
	if len(missing) == len(ids) { // nothing kept: one read of everything
		err = s.sumsWith(ctx, tenantID, ids, append(recent, past), now, countColumns, 0, pre.maintenance, wm.complete, visit)
	} else {
		err = s.sumsWith(ctx, tenantID, ids, recent, now, countColumns, 0, pre.maintenance, wm.complete, visit)
		if err == nil && len(missing) > 0 {
			err = s.sumsWith(ctx, tenantID, missing, []sumRange{past}, now, countColumns, 0, pre.maintenance, wm.complete, visit)
		}
	}
	if err != nil {
		return err
	}
	for _, id := range missing {
		if key, keep := keys[id]; keep {
			s.pastDays.put(id, key, pastBars(at[id]))
		}
	}
	return nil
}

// pastBars are a dashboard row's bars before today's.
func pastBars(r *DashboardRow) []model.Rollup { return r.Daily[:len(r.Daily)-1] }

// lastLatencies fills in the latency of each monitor's newest result. The
// newest result is at the monitor's last_checked_at, so each lookup is one
// index probe into the newest partition.
func (s *Store) lastLatencies(ctx context.Context, tenantID uuid.UUID, list []MonitorSummary, at map[uuid.UUID]*DashboardRow) error {
	var ids []uuid.UUID
	var last []time.Time
	for _, m := range list {
		if m.LastCheckedAt != nil {
			ids, last = append(ids, m.ID), append(last, *m.LastCheckedAt)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := s.pool.Query(ctx, `
		SELECT m.id, r.latency_ms FROM unnest($2::uuid[], $3::timestamptz[]) AS m(id, last)
		CROSS JOIN LATERAL (
			SELECT latency_ms FROM check_results
			WHERE tenant_id = $1 AND monitor_id = m.id AND time >= m.last - interval '1 minute'
			ORDER BY time DESC LIMIT 1) r`, tenantID, ids, last)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		var latency *float64
		if err := rows.Scan(&id, &latency); err != nil {
			return err
		}
		at[id].LastLatencyMS = latency
	}
	return rows.Err()
}

// SLARow sums one monitor's checks over a report's range.
type SLARow struct {
	model.Monitor
	Incidents int
	model.Rollup
}

// SLA sums each selected monitor of the tenant over [from, to): the ids
// given (errs.ErrNotFound when one is not a live monitor of the tenant), or
// every monitor when ids is nil; ordered by name.
func (s *Store) SLA(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID, from, to, now time.Time) ([]SLARow, error) {
	list, _, err := s.ListMonitors(ctx, tenantID, MonitorFilter{IDs: ids})
	if err != nil {
		return nil, err
	}
	if ids != nil && len(list) != len(uniqueIDs(ids)) {
		return nil, fmt.Errorf("store.SLA: %w", errs.ErrNotFound)
	}
	out := make([]SLARow, len(list))
	at := make(map[uuid.UUID]*SLARow, len(list))
	all := make([]uuid.UUID, len(list))
	for i, m := range list {
		out[i].Monitor, all[i] = m, m.ID
		at[m.ID] = &out[i]
	}
	counts, err := s.sumsAndIncidents(ctx, tenantID, all, []sumRange{{from: from, to: to, top: level1d}},
		[]model.Interval{{From: from, To: to}}, now, histogramColumns, 0,
		func(_ int32, monitor uuid.UUID, _ time.Time, r *model.Rollup) { at[monitor].Add(*r) })
	if err != nil {
		return nil, fmt.Errorf("store.SLA: %w", err)
	}
	for i := range out {
		out[i].Incidents = counts[out[i].ID][0]
	}
	return out, nil
}

func uniqueIDs(ids []uuid.UUID) map[uuid.UUID]bool {
	set := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set
}

// ResultCursor is where a page of results ended: the next page starts
// below it in (time, region) order.
type ResultCursor struct {
	Time   time.Time
	Region string
}

// ResultQuery selects raw results of one monitor, newest first.
type ResultQuery struct {
	From, To time.Time
	Statuses []model.ResultStatus // all when empty
	After    *ResultCursor
	Limit    int
}

// Results returns a page of the monitor's raw results over [From, To),
// newest first, after the cursor when there is one.
func (s *Store) Results(ctx context.Context, tenantID, monitorID uuid.UUID, q ResultQuery) ([]model.CheckResult, error) {
	var statuses []string
	for _, st := range q.Statuses {
		statuses = append(statuses, string(st))
	}
	var afterTime *time.Time
	var afterRegion string
	if q.After != nil {
		afterTime, afterRegion = &q.After.Time, q.After.Region
	}
	rows, err := s.pool.Query(ctx, `
		SELECT time, region, status, latency_ms, coalesce(status_code, 0), coalesce(error_kind, ''), coalesce(message, ''),
		       dns_ms, connect_ms, tls_ms, ttfb_ms, cert_expires_at
		FROM check_results
		WHERE tenant_id = $1 AND monitor_id = $2 AND time >= $3 AND time < $4
		  AND ($5::text[] IS NULL OR status = ANY($5))
		  AND ($6::timestamptz IS NULL OR (time <= $6 AND (time, region) < ($6, $7)))
		ORDER BY time DESC, region DESC
		LIMIT $8`, tenantID, monitorID, q.From, q.To, statuses, afterTime, afterRegion, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("store.Results: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (model.CheckResult, error) {
		r := model.CheckResult{TenantID: tenantID, MonitorID: monitorID}
		err := row.Scan(&r.Time, &r.Region, &r.Status, &r.LatencyMS, &r.StatusCode, &r.ErrorKind, &r.Message,
			&r.DNSMS, &r.ConnectMS, &r.TLSMS, &r.TTFBMS, &r.CertExpiresAt)
		r.Time = r.Time.UTC()
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("store.Results: %w", err)
	}
	return out, nil
}
