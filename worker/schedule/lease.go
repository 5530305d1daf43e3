package schedule

import (
	"context"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/vinsight/vinsight/internal/store"
)

// Sharing splits a region's monitors among its workers through shard leases
// in PostgreSQL; zero WorkerID turns it off (one worker runs everything).
type Sharing struct {
	WorkerID uuid.UUID
	TTL      time.Duration // a lease not renewed for this long is free to take
	Every    time.Duration // how often leases are renewed and rebalanced
}

func (sh Sharing) enabled() bool { return sh.WorkerID != uuid.Nil }

// owns reports whether this worker runs m.
func (s *Scheduler) owns(id uuid.UUID) bool {
	if !s.opts.Sharing.enabled() {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shards[store.ShardOf(id)]
}

// rebalance renews this worker's leases and moves it toward its fair share:
// claim free shards when it holds too few, release some when it holds too
// many (a worker joined). Jobs of released shards stop before the release
// commits, so no monitor runs on two workers in one tick. It reports whether
// the set of shards changed.
func (s *Scheduler) rebalance(ctx context.Context) bool {
	sh, region := s.opts.Sharing, s.opts.Region
	live, err := s.store.WorkerBeat(ctx, sh.WorkerID, region, sh.TTL)
	var held []int
	if err == nil {
		held, err = s.store.RenewLeases(ctx, sh.WorkerID, region, sh.TTL)
	}
	if err != nil {
		s.log.Warn().Err(err).Msg("shard leases not renewed")
		// Once our leases may have expired, another worker may run these
		// monitors: stop them here rather than run them twice.
		if time.Since(s.renewed) > sh.TTL-sh.Every {
			return s.setShards(nil)
		}
		return false
	}
	s.renewed = time.Now()
	fair := (store.Shards + live - 1) / max(live, 1)
	switch {
	case len(held) < fair:
		claimed, err := s.store.ClaimShards(ctx, sh.WorkerID, region, sh.TTL, fair-len(held))
		if err != nil {
			s.log.Warn().Err(err).Msg("shards not claimed")
		}
		held = append(held, claimed...)
	case len(held) > fair:
		sort.Ints(held)
		surplus := held[fair:]
		held = held[:fair]
		s.setShards(held) // stop their jobs first
		if err := s.store.ReleaseShards(ctx, sh.WorkerID, region, surplus); err != nil {
			s.log.Warn().Err(err).Msg("shards not released; they expire instead")
		}
		return true
	}
	return s.setShards(held)
}

// setShards replaces the set of shards this worker runs, dropping the jobs
// of monitors it no longer owns; it reports whether the set changed.
func (s *Scheduler) setShards(held []int) bool {
	next := make(map[int]bool, len(held))
	for _, sh := range held {
		next[sh] = true
	}
	s.mu.Lock()
	changed := len(next) != len(s.shards)
	for sh := range next {
		if !s.shards[sh] {
			changed = true
		}
	}
	s.shards = next
	var drop []uuid.UUID
	for id := range s.entries {
		if !next[store.ShardOf(id)] {
			drop = append(drop, id)
		}
	}
	s.mu.Unlock()
	for _, id := range drop {
		s.remove(id)
	}
	return changed
}

// releaseAll hands every lease back at a clean stop so the other workers
// take over at once instead of after the TTL.
func (s *Scheduler) releaseAll(ctx context.Context) {
	if err := s.store.WorkerGone(ctx, s.opts.Sharing.WorkerID); err != nil {
		s.log.Warn().Err(err).Msg("worker not removed at stop; it ages out instead")
	}
	s.mu.Lock()
	var held []int
	for sh := range s.shards {
		held = append(held, sh)
	}
	s.mu.Unlock()
	if len(held) > 0 {
		if err := s.store.ReleaseShards(ctx, s.opts.Sharing.WorkerID, s.opts.Region, held); err != nil {
			s.log.Warn().Err(err).Msg("shards not released at stop; they expire instead")
		}
	}
}
