package main

import (
	"context"
	"fmt"
	"os/signal"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/store"
)

// seedDashboard gives every monitor of a tenant in a running stack the
// history its dashboard draws: a result an hour for days days, and one
// every 5 minutes over the last 24 hours for the sparklines. It writes raw
// rows only, so the engine's own paths (the late-row trigger and the rollup
// job, or TimescaleDB's aggregates) fold them whatever the worker has
// already materialized; the UI benchmark (frontend/e2e) calls it.
func seedDashboard(ctx context.Context, databaseURL string, tenantID uuid.UUID, days int) error {
	st, err := store.Open(ctx, databaseURL, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	rows, err := st.Pool().Query(ctx, `SELECT id FROM monitors WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY name`, tenantID)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return fmt.Errorf("tenant %s has no monitors", tenantID)
	}
	start := time.Now()
	now := start.UTC()
	dense := now.Add(-24 * time.Hour).Truncate(time.Hour)
	var total int64
	for day := now.Truncate(store.Day).AddDate(0, 0, 1-days); day.Before(now); day = day.Add(store.Day) {
		end := day.Add(store.Day)
		if end.After(now) {
			end = now
		}
		if err := openDay(ctx, st, tenantID, ids[0], day); err != nil {
			return err
		}
		total++
		// Hourly results up to the last 24 hours, every 5 minutes in them.
		split := dense
		if split.Before(day) {
			split = day
		} else if split.After(end) {
			split = end
		}
		for _, span := range []struct {
			from, to time.Time
			step     time.Duration
		}{{day, split, time.Hour}, {split, end, 5 * time.Minute}} {
			if !span.from.Before(span.to) {
				continue
			}
			n, err := seedRawDay(ctx, st, tenantID, ids, span.from, span.to, span.step)
			if err != nil {
				return err
			}
			total += n
		}
	}
	if err := st.RefreshRollups(ctx); err != nil {
		return err
	}
	// Fresh statistics, as autovacuum would gather within minutes: the
	// measurements that follow should not time a planner that guesses.
	if _, err := st.Pool().Exec(ctx, `ANALYZE`); err != nil {
		return err
	}
	fmt.Printf("seeded %d results for %d monitors over %d days in %s\n", total, len(ids), days, time.Since(start).Round(time.Second))
	return nil
}

// runSeedDashboard is the -seed-dashboard mode of the command.
func runSeedDashboard(databaseURL, tenant string, days int) error {
	tenantID, err := uuid.Parse(tenant)
	if err != nil {
		return fmt.Errorf("tenant id: %w", err)
	}
	if databaseURL == "" || days < 1 {
		return fmt.Errorf("needs -database-url and -seed-days of at least 1")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return seedDashboard(ctx, databaseURL, tenantID, days)
}
