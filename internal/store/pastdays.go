package store

import (
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/vinsight/vinsight/internal/model"
)

// pastDays keeps each monitor's dashboard bars for the days before today,
// most of what a dashboard reads (89 of its 90 bars), so that a dashboard
// polled again reads only today and the last 24 hours.
//
// A day that has ended changes only when late rows are folded into the
// rollups below the minute watermark, which the plain engine counts, or
// when the maintenance windows over it change; both are part of an
// entry's key, read again by every dashboard. Entries are kept only while
// the minute watermark is past the start of today, so that no result for
// an ended day can still arrive above it, and only on an engine that
// counts its late folds.
type pastDays struct {
	mu      sync.Mutex
	entries map[uuid.UUID]pastDaysEntry // by monitor
}

// pastDaysLimit bounds the cache: about 3.6 KB a monitor for 90 days.
const pastDaysLimit = 20_000

// pastDaysKey is everything an entry's bars depend on besides the monitor.
type pastDaysKey struct {
	tenant      uuid.UUID
	from, to    time.Time // the days [from, to)
	lateFolds   int64
	maintenance string // the monitor's maintenance intervals over the days
}

type pastDaysEntry struct {
	key  pastDaysKey
	bars []dayCounts
}

// dayCounts are the columns a dashboard reads of one day.
type dayCounts struct {
	checks, up, degraded, latencyCount int64
	latencySumMS                       float64
}

// pastDaysKeyOf is the key of a monitor's bars over [from, to), or false
// when they may not be kept.
func pastDaysKeyOf(tenant uuid.UUID, from, to time.Time, wm watermarks, maintenance []model.Interval) (pastDaysKey, bool) {
	if wm.lateFolds < 0 || wm.complete[level1m].Before(to) {
		return pastDaysKey{}, false
	}
	var within []model.Interval
	for _, m := range maintenance {
		if m.From.Before(to) && m.To.After(from) {
			within = append(within, m)
		}
	}
	return pastDaysKey{tenant: tenant, from: from, to: to, lateFolds: wm.lateFolds, maintenance: fmt.Sprint(within)}, true
}

// get copies the monitor's bars into days when an entry with this key is
// kept.
func (c *pastDays) get(monitor uuid.UUID, key pastDaysKey, days []model.Rollup) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[monitor]
	if !ok || e.key != key || len(e.bars) != len(days) {
		return false
	}
	for i, b := range e.bars {
		days[i] = model.Rollup{Checks: b.checks, Up: b.up, Degraded: b.degraded, LatencyCount: b.latencyCount, LatencySumMS: b.latencySumMS}
	}
	return true
}

// put keeps the monitor's bars under key.
func (c *pastDays) put(monitor uuid.UUID, key pastDaysKey, days []model.Rollup) {
	bars := make([]dayCounts, len(days))
	for i, d := range days {
		bars[i] = dayCounts{d.Checks, d.Up, d.Degraded, d.LatencyCount, d.LatencySumMS}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= pastDaysLimit {
		// Full: start again rather than track recency; the next dashboards
		// read their days once more.
		c.entries = make(map[uuid.UUID]pastDaysEntry)
	}
	c.entries[monitor] = pastDaysEntry{key: key, bars: bars}
}
