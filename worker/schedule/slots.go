package schedule

import (
	"fmt"
	"hash/fnv"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
)

// resolution is the width of a slot: the monitors whose planned times fall
// within the same resolution-long step of the same interval share one
// gocron job, which starts their checks together. One job per monitor would
// wake the runtime once per check; at a thousand checks a second those
// wake-ups were about 40 % of the worker's CPU. A longer step saves more,
// but the checks started together share the machine for a moment: 25 ms
// keeps the added schedule lag and probe time to a few milliseconds.
const resolution = 25 * time.Millisecond

// slotKey names a slot: the interval of its monitors and their common
// offset into it.
type slotKey struct {
	interval time.Duration
	offset   time.Duration
}

// slot is one gocron job and the monitors it starts.
type slot struct {
	key     slotKey
	job     uuid.UUID
	first   time.Time // planned time of the job's first run
	members map[uuid.UUID]*entry
}

// keyOf places a monitor in its slot: a fixed point of its interval derived
// from its id, so ten thousand monitors never fire together and a restart
// (or another worker) keeps each one's rhythm.
func keyOf(id uuid.UUID, interval time.Duration) slotKey {
	h := fnv.New64a()
	_, _ = h.Write(id[:])
	offset := time.Duration(h.Sum64() % uint64(interval))
	return slotKey{interval: interval, offset: offset.Truncate(resolution)}
}

// nextRun is the first point after now that lies offset past a multiple of
// interval on the wall clock.
func (k slotKey) nextRun(now time.Time) time.Time {
	next := now.Truncate(k.interval).Add(k.offset)
	for !next.After(now) {
		next = next.Add(k.interval)
	}
	return next
}

// join puts e in the slot of its monitor, creating the slot's job when it
// is the first member. The caller holds slotsMu.
func (s *Scheduler) join(e *entry) error {
	key := keyOf(e.monitor.ID, time.Duration(e.monitor.IntervalSeconds)*time.Second)
	s.mu.Lock()
	sl, ok := s.slots[key]
	if ok {
		e.slot = sl
		sl.members[e.monitor.ID] = e
		s.entries[e.monitor.ID] = e
	}
	s.mu.Unlock()
	if ok {
		return nil
	}
	sl = &slot{key: key, first: key.nextRun(time.Now()), members: map[uuid.UUID]*entry{e.monitor.ID: e}}
	e.slot = sl
	job, err := s.cron.NewJob(gocron.DurationJob(key.interval),
		gocron.NewTask(func() { s.fire(sl) }),
		gocron.WithStartAt(gocron.WithStartDateTime(sl.first)),
		gocron.WithSingletonMode(gocron.LimitModeReschedule))
	if err != nil {
		return fmt.Errorf("schedule monitor %s: %w", e.monitor.ID, err)
	}
	sl.job = job.ID()
	s.mu.Lock()
	s.slots[key] = sl
	s.entries[e.monitor.ID] = e
	s.mu.Unlock()
	return nil
}

// leave takes the monitor id out of its slot and removes the slot's job
// once it has no members. The caller holds slotsMu.
func (s *Scheduler) leave(id uuid.UUID) {
	s.mu.Lock()
	e, ok := s.entries[id]
	delete(s.entries, id)
	delete(s.states, id)
	var empty *slot
	if ok {
		delete(e.slot.members, id)
		if len(e.slot.members) == 0 {
			empty = e.slot
			delete(s.slots, empty.key)
		}
	}
	s.mu.Unlock()
	if empty != nil {
		_ = s.cron.RemoveJob(empty.job)
	}
}

// fire is a slot's run: it starts a check of every member whose previous
// check has finished (a slow target only delays its own checks).
func (s *Scheduler) fire(sl *slot) {
	s.mu.Lock()
	due := make([]*entry, 0, len(sl.members))
	for _, e := range sl.members {
		if !e.running {
			e.running = true
			due = append(due, e)
		}
	}
	s.mu.Unlock()
	for i, e := range due {
		if !s.start(e) {
			s.mu.Lock()
			for _, e := range due[i:] {
				e.running = false
			}
			s.mu.Unlock()
			return
		}
	}
}
