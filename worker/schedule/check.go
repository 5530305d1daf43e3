package schedule

import (
	"context"
	"time"

	"github.com/vinsight/vinsight/internal/model"
	"github.com/vinsight/vinsight/internal/store"
)

// check is one scheduled run of a monitor: probe, confirm a failure with the
// monitor's quick re-checks, then hand the result to ingest.
func (s *Scheduler) check(e *entry) {
	m := e.monitor
	start := time.Now()
	s.metrics.ScheduleLag.Observe(lag(e.slot.first, time.Duration(m.IntervalSeconds)*time.Second, start).Seconds())

	r := s.probeOnce(m)
	for attempt := 0; attempt < m.Config.Common().Retries && r.Status == model.ResultDown; attempt++ {
		time.Sleep(s.opts.RetryBackoff)
		r = s.probeOnce(m)
	}
	s.metrics.Checks.WithLabelValues(string(m.Type), string(r.Status)).Inc()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.submit(ctx, r); err != nil {
		s.log.Error().Err(err).Str("monitor_id", m.ID.String()).Msg("result not queued")
		return
	}
	s.mu.Lock()
	if _, scheduled := s.entries[m.ID]; scheduled {
		s.states[m.ID] = store.MonitorState{TenantID: m.TenantID, MonitorID: m.ID, Region: s.opts.Region,
			Status: model.MonitorStatus(r.Status), CheckedAt: r.Time, ErrorKind: r.ErrorKind, Message: r.Message,
			CertExpiresAt: r.CertExpiresAt}
	}
	s.mu.Unlock()
}

// probeOnce runs the probe within the monitor's timeout and stamps the
// result with the monitor's identity.
func (s *Scheduler) probeOnce(m model.Monitor) model.CheckResult {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(m.TimeoutSeconds)*time.Second)
	defer cancel()
	start := time.Now()
	r := s.probe(ctx, m)
	s.metrics.ProbeDuration.WithLabelValues(string(m.Type)).Observe(time.Since(start).Seconds())
	r.TenantID, r.MonitorID = m.TenantID, m.ID
	if r.Time.IsZero() {
		r.Time = start
	}
	return r
}

// lag is how late a run started against its plan: the first run time plus a
// whole number of intervals, the nearest one before now.
func lag(first time.Time, interval time.Duration, now time.Time) time.Duration {
	if now.Before(first) || interval <= 0 {
		return 0
	}
	return (now.Sub(first)) % interval
}

// flushStates records the latest status of every monitor checked since the
// last flush, in one statement.
func (s *Scheduler) flushStates(ctx context.Context) {
	s.mu.Lock()
	if len(s.states) == 0 {
		s.mu.Unlock()
		return
	}
	batch := make([]store.MonitorState, 0, len(s.states))
	for _, st := range s.states {
		batch = append(batch, st)
	}
	clear(s.states)
	s.mu.Unlock()
	if err := s.store.RecordMonitorStates(ctx, batch); err != nil {
		s.log.Warn().Err(err).Int("monitors", len(batch)).Msg("monitor states not recorded; the next check records them")
	}
}
