package schedule

import (
	"fmt"
	"time"
)

// start hands e to an idle runner, starts another runner while fewer than
// Concurrency exist, or else waits for one to be free. It reports false
// when the scheduler stopped first. Runners live on, so that their stacks,
// grown by the first check, serve the next ones.
func (s *Scheduler) start(e *entry) bool {
	select {
	case s.runs <- e:
		return true
	default:
	}
	for n := s.runners.Load(); n < int32(s.opts.Concurrency); n = s.runners.Load() {
		if s.runners.CompareAndSwap(n, n+1) {
			s.checks.Add(1)
			go s.runner(e)
			return true
		}
	}
	select {
	case s.runs <- e:
		return true
	case <-s.stopping:
		return false
	}
}

// runner checks the entries it is handed until the scheduler stops.
func (s *Scheduler) runner(e *entry) {
	defer s.checks.Done()
	for {
		s.checkOnce(e)
		select {
		case <-s.stopping:
			return
		default:
		}
		select {
		case e = <-s.runs:
		case <-s.stopping:
			return
		}
	}
}

// checkOnce runs one check; a probe that panics is a bug, logged rather
// than allowed to stop the worker.
func (s *Scheduler) checkOnce(e *entry) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error().Str("monitor_id", e.monitor.ID.String()).Interface("panic", v).Msg("check panicked")
		}
		s.mu.Lock()
		e.running = false
		s.mu.Unlock()
	}()
	s.check(e)
}

// waitForChecks waits for the checks under way, at most limit.
func (s *Scheduler) waitForChecks(limit time.Duration) error {
	done := make(chan struct{})
	go func() {
		s.checks.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-time.After(limit):
		return fmt.Errorf("schedule: checks still running after %s", limit)
	}
}
