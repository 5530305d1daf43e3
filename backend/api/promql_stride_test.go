package api

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestPromStrideFollowsStepWindowAndRetention(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		span, step, window time.Duration
		fn                 string
		finest, want       time.Duration
	}{
		{2 * time.Hour, time.Minute, 0, "", 0, 0},                       // short: raw results
		{24*time.Hour + 5*time.Minute, time.Minute, 0, "", 0, 0},        // a day and its lookback: still raw
		{3 * day, 30 * time.Second, 0, "", 0, 0},                        // no rollup as fine as the step
		{7 * day, 10 * time.Minute, 0, "", 0, time.Minute},              // a week at 10 minutes: minutes
		{35 * day, time.Hour, 0, "", 0, time.Hour},                      // a month at an hour: hours
		{35 * day, time.Hour, time.Hour, "avg_over_time", 0, time.Hour}, // one bucket a window is enough
		{35 * day, time.Hour, time.Hour, "rate", 0, time.Minute},        // rate needs two samples a window
		{35 * day, time.Hour, 2 * time.Hour, "rate", 0, time.Hour},      // ... which 2h of hours gives
		{35 * day, day, day, "increase", 0, time.Hour},                  // daily increase from hours
		{35 * day, day, day, "avg_over_time", 0, day},                   // daily mean from days
		{30 * day, 0, 30 * day, "increase", 0, day},                     // instant query over a month: days
		{7 * day, 0, 7 * day, "avg_over_time", 0, time.Hour},            // ... over a week: hours
		{5 * time.Minute, 0, 0, "", time.Hour, time.Hour},               // past raw retention: the finest kept
		{3 * day, 30 * time.Second, 0, "", time.Hour, time.Hour},        // never finer than what is kept
		{400 * day, time.Hour, 0, "", day, day},                         // past hourly retention: days
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s step %s %s[%s] kept %s", tt.span, tt.step, tt.fn, tt.window, tt.finest), func(t *testing.T) {
			assert.Equal(t, tt.want, promStride(tt.span, tt.step, tt.window, tt.fn, tt.finest))
		})
	}
}
