package model

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRecurringWindowKeepsItsWallClockAcrossDST(t *testing.T) {
	// Every Sunday 02:30-03:30 in Berlin, from a Sunday in March 2026;
	// summer time starts on 29 March.
	w, err := MaintenanceInput{Name: "backup", StartsAt: "2026-03-22T02:30", EndsAt: "2026-03-22T03:30",
		TimeZone: "Europe/Berlin", RRule: "FREQ=WEEKLY;BYDAY=SU", AllMonitors: true}.Validate()
	require.NoError(t, err)
	got := w.Occurrences(time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 6, 0, 0, 0, 0, time.UTC))
	require.Len(t, got, 3)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for _, iv := range got {
		local := iv.From.In(berlin)
		assert.Equal(t, time.Sunday, local.Weekday())
		assert.Equal(t, time.Hour, iv.To.Sub(iv.From))
	}
	assert.Equal(t, "2026-03-22T01:30:00Z", got[0].From.Format(time.RFC3339), "winter: UTC+1")
	assert.Equal(t, "2026-04-05T00:30:00Z", got[2].From.Format(time.RFC3339), "summer: UTC+2, same wall clock")
	// 29 March 02:30 does not exist in Berlin (clocks jump from 02:00 to 03:00).
	assert.Equal(t, time.Sunday, got[1].From.In(berlin).Weekday())
}

func TestOccurrencesClipAndCount(t *testing.T) {
	w, err := MaintenanceInput{Name: "n", StartsAt: "2026-01-01T00:00:00Z", EndsAt: "2026-01-01T02:00:00Z",
		RRule: "FREQ=DAILY;COUNT=3", AllMonitors: true}.Validate()
	require.NoError(t, err)
	got := w.Occurrences(time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC), time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC))
	require.Len(t, got, 3, "COUNT ends the series")
	assert.Equal(t, time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC), got[0].From, "clipped to from")
	one, err := MaintenanceInput{Name: "once", StartsAt: "2026-01-01T00:00:00Z", EndsAt: "2026-01-01T02:00:00Z", Tags: []string{"db"}}.Validate()
	require.NoError(t, err)
	assert.Empty(t, one.Occurrences(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)))
	assert.True(t, one.WithStatus(time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)).Active)
	assert.Nil(t, one.WithStatus(time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC)).Next, "over: nothing next")
}

func TestMergeIntervals(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 1, 1, h, 0, 0, 0, time.UTC) }
	got := MergeIntervals([]Interval{{at(5), at(6)}, {at(1), at(3)}, {at(2), at(4)}, {at(4), at(5)}, {at(8), at(9)}})
	assert.Equal(t, []Interval{{at(1), at(6)}, {at(8), at(9)}}, got)
	assert.Equal(t, []Interval{}, MergeIntervals(nil))
}
