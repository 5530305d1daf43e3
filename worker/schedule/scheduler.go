// Package schedule runs every monitor at its interval with gocron: start
// times spread over the interval, bounded concurrency, changes applied as
// PostgreSQL announces them and a periodic full resync to repair anything
// missed.
//
// Monitors of the same interval whose planned times fall in the same short
// step share a slot: one gocron job that hands them to a pool of runners
// (slots.go, runners.go).
package schedule

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/metrics"
	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/store"
)

// ProbeFunc checks one monitor once within ctx's deadline.
type ProbeFunc func(ctx context.Context, m model.Monitor) model.CheckResult

// SubmitFunc hands a result to the ingest buffer.
type SubmitFunc func(ctx context.Context, r model.CheckResult) error

// Options tune the scheduler.
type Options struct {
	Region       string        // this worker's REGION: it runs the monitors probed from there
	Concurrency  int           // probes running at once across all monitors
	Resync       time.Duration // period of the full reload
	RetryBackoff time.Duration // pause between the quick re-checks of a failure
	Sharing      Sharing       // several workers per region
}

// stopTimeout bounds how long Run waits, when stopping, for the checks
// under way.
const stopTimeout = 10 * time.Second

// Scheduler runs the monitors of its region (or of its shards).
type Scheduler struct {
	store   *store.Store
	probe   ProbeFunc
	submit  SubmitFunc
	metrics *metrics.Worker
	log     zerolog.Logger
	opts    Options
	cron    gocron.Scheduler

	slotsMu sync.Mutex // serialises changes to the schedule; held while jobs are added and removed

	mu      sync.Mutex
	entries map[uuid.UUID]*entry
	slots   map[slotKey]*slot
	states  map[uuid.UUID]store.MonitorState // judged since the last flush
	shards  map[int]bool                     // leased shards, when sharing
	renewed time.Time                        // last successful lease renewal

	runs     chan *entry   // due entries, to idle runners
	runners  atomic.Int32  // started so far, at most Concurrency
	stopping chan struct{} // closed when Run stops
	checks   sync.WaitGroup
}

// entry is a scheduled monitor: the version it runs and its slot. Only
// monitor and slot are read without the lock.
type entry struct {
	monitor model.Monitor
	slot    *slot
	running bool // a check of it is under way
}

// New builds a scheduler; Run starts it.
func New(st *store.Store, probe ProbeFunc, submit SubmitFunc, m *metrics.Worker, log zerolog.Logger, opts Options) (*Scheduler, error) {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 500
	}
	if opts.Resync <= 0 {
		opts.Resync = time.Minute
	}
	if opts.RetryBackoff <= 0 {
		opts.RetryBackoff = time.Second
	}
	if opts.Sharing.TTL <= 0 {
		opts.Sharing.TTL = 15 * time.Second
	}
	if opts.Sharing.Every <= 0 {
		opts.Sharing.Every = opts.Sharing.TTL / 3
	}
	cron, err := gocron.NewScheduler()
	if err != nil {
		return nil, fmt.Errorf("schedule.New: %w", err)
	}
	return &Scheduler{store: st, probe: probe, submit: submit, metrics: m, log: log, opts: opts, cron: cron,
		entries: map[uuid.UUID]*entry{}, slots: map[slotKey]*slot{}, states: map[uuid.UUID]store.MonitorState{},
		runs: make(chan *entry), stopping: make(chan struct{})}, nil
}

// Run schedules every monitor and keeps the schedule current until ctx
// ends, then waits for running probes and records their states.
func (s *Scheduler) Run(ctx context.Context) error {
	s.cron.Start()
	listening := make(chan struct{})
	go s.listen(ctx, listening)
	select {
	case <-listening: // changes made from here on reach us, so the full load misses none
	case <-time.After(5 * time.Second):
	case <-ctx.Done():
	}
	if s.opts.Sharing.enabled() {
		s.rebalance(ctx)
	}
	if err := s.Sync(ctx); err != nil && ctx.Err() == nil {
		s.log.Error().Err(err).Msg("initial monitor sync failed; retrying on the resync period")
	}
	resync := time.NewTicker(s.opts.Resync)
	defer resync.Stop()
	flush := time.NewTicker(time.Second)
	defer flush.Stop()
	leases := time.NewTicker(s.opts.Sharing.Every)
	defer leases.Stop()
	if !s.opts.Sharing.enabled() {
		leases.Stop()
	}
	for {
		select {
		case <-ctx.Done():
			close(s.stopping) // slots blocked on a busy pool give up
			err := errors.Join(s.cron.Shutdown(), s.waitForChecks(stopTimeout))
			stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			s.flushStates(stopCtx)
			if s.opts.Sharing.enabled() {
				s.releaseAll(stopCtx)
			}
			return err
		case <-leases.C:
			if s.rebalance(ctx) {
				if err := s.Sync(ctx); err != nil && ctx.Err() == nil {
					s.log.Error().Err(err).Msg("monitor sync after rebalance failed")
				}
			}
		case <-resync.C:
			if err := s.Sync(ctx); err != nil && ctx.Err() == nil {
				s.log.Error().Err(err).Msg("monitor resync failed")
			}
		case <-flush.C:
			s.flushStates(ctx)
		}
	}
}

// listen applies monitor changes as they are announced, reconnecting after
// a failure; each reconnection is followed by a full sync.
func (s *Scheduler) listen(ctx context.Context, ready chan<- struct{}) {
	var once sync.Once
	for ctx.Err() == nil {
		err := s.store.ListenMonitorChanges(ctx, func() { once.Do(func() { close(ready) }) }, func(tenantID, id uuid.UUID) {
			if err := s.Reload(ctx, tenantID, id); err != nil && ctx.Err() == nil {
				s.log.Error().Err(err).Str("tenant_id", tenantID.String()).Str("monitor_id", id.String()).Msg("monitor reload failed")
			}
		})
		if ctx.Err() != nil {
			return
		}
		s.log.Warn().Err(err).Msg("monitor change feed lost; reconnecting")
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
		if err := s.Sync(ctx); err != nil && ctx.Err() == nil {
			s.log.Error().Err(err).Msg("monitor resync failed")
		}
	}
}

// Sync makes the schedule match the database exactly.
func (s *Scheduler) Sync(ctx context.Context) error {
	monitors, err := s.store.ScheduledMonitors(ctx, s.opts.Region)
	if err != nil {
		return err
	}
	wanted := make(map[uuid.UUID]bool, len(monitors))
	for _, m := range monitors {
		if !probed(m) || !s.owns(m.ID) {
			continue
		}
		wanted[m.ID] = true
		if err := s.put(m); err != nil {
			return err
		}
	}
	s.mu.Lock()
	var gone []uuid.UUID
	for id := range s.entries {
		if !wanted[id] {
			gone = append(gone, id)
		}
	}
	s.mu.Unlock()
	for _, id := range gone {
		s.remove(id)
	}
	return nil
}

// Reload applies one announced change.
func (s *Scheduler) Reload(ctx context.Context, tenantID, id uuid.UUID) error {
	m, err := s.store.ScheduledMonitor(ctx, s.opts.Region, tenantID, id)
	if errors.Is(err, errs.ErrNotFound) || (err == nil && (!probed(m) || !s.owns(m.ID))) {
		s.remove(id)
		return nil
	}
	if err != nil {
		return err
	}
	return s.put(m)
}

// Scheduled reports how many monitors are scheduled.
func (s *Scheduler) Scheduled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// probed: heartbeat monitors are pushed to, not probed.
func probed(m model.Monitor) bool { return m.Type != model.TypeHeartbeat }

// put schedules m, replacing an older version of it.
func (s *Scheduler) put(m model.Monitor) error {
	if m.IntervalSeconds <= 0 {
		return fmt.Errorf("schedule monitor %s: interval %d s", m.ID, m.IntervalSeconds)
	}
	s.slotsMu.Lock()
	defer s.slotsMu.Unlock()
	s.mu.Lock()
	old, exists := s.entries[m.ID]
	s.mu.Unlock()
	if exists && old.monitor.UpdatedAt.Equal(m.UpdatedAt) {
		return nil
	}
	if exists {
		s.leave(m.ID)
	}
	return s.join(&entry{monitor: m})
}

func (s *Scheduler) remove(id uuid.UUID) {
	s.slotsMu.Lock()
	defer s.slotsMu.Unlock()
	s.leave(id)
}
